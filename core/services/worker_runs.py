"""The bookkeeping that makes each job slot run once, on one worker.

One worker holds the schedule lease (:func:`acquire_lease`, renewed; :func:`worker_status`
reads it). A run holds a lease of its own while its worker runs it (renewed by a heartbeat)
and a fencing token (``attempt``): a run whose worker died is taken over once its lease
lapses, and the worker that lost it can no longer record a result. A job over several
companies (or requests, or messages) reports each one's outcome (:class:`Outcomes`); the
run is ``failed`` when every one failed and ``partial`` when some did.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import worker_intervals
from core.db import Database, UnitOfWork
from core.integrations.startupos import StartupOSError
from core.repositories.worker import WorkerRepository
from core.services.errors import PeopleOSError

log = logging.getLogger("peopleos.worker")
LEASE_NAME = "scheduler"
# A run's summary keeps at most this many error messages (one per failed item).
MAX_ERRORS = 20
ABANDONED = "The worker stopped before the run finished; the job's next run does its work."


@dataclass(frozen=True)
class WorkerStatus:
    """Whether a worker runs the schedule, read from the lease it renews."""

    running: bool
    holder: str | None
    # When the holder last took or renewed the lease; None when there is no lease row.
    last_heartbeat: datetime | None


def slot(now: datetime, period: timedelta) -> datetime:
    """The start of the schedule slot ``now`` falls in (UTC epoch grid)."""
    seconds = period.total_seconds()
    return datetime.fromtimestamp(now.timestamp() // seconds * seconds, UTC)


def acquire_lease(db: Database, holder: str, now: datetime, ttl: timedelta) -> bool:
    with db.uow() as uow:
        ok = WorkerRepository(uow.session).try_acquire_lease(LEASE_NAME, holder, now, now + ttl)
        uow.commit()
    return ok


def release_lease(db: Database, holder: str) -> None:
    """Give the lease up at a clean stop, so a standby takes over at once."""
    with db.uow() as uow:
        WorkerRepository(uow.session).release_lease(LEASE_NAME, holder)
        uow.commit()


def lease_ttl() -> timedelta:
    """How long the lease lasts without renewal (PEOPLEOS_WORKER_LEASE_SECONDS)."""
    return timedelta(seconds=worker_intervals()["lease"])


def worker_status(uow: UnitOfWork, now: datetime, *, ttl: timedelta | None = None) -> WorkerStatus:
    """Whether a worker holds a live schedule lease at ``now``, and its last heartbeat.

    The worker renews the lease to "now + TTL" every TTL/3, so its last heartbeat is the
    expiry minus the TTL (this process's PEOPLEOS_WORKER_LEASE_SECONDS, which `make run`
    shares with the worker). A worker killed without a clean stop still counts as running
    until its lease lapses, at most one TTL later; a clean stop deletes the lease.
    """
    ttl = ttl if ttl is not None else lease_ttl()
    with uow:
        return read_worker_status(WorkerRepository(uow.session), now, ttl)


def read_worker_status(repo: WorkerRepository, now: datetime, ttl: timedelta) -> WorkerStatus:
    """:func:`worker_status` inside a caller's unit of work."""
    lease = repo.get_lease(LEASE_NAME)
    if lease is None:
        return WorkerStatus(running=False, holder=None, last_heartbeat=None)
    return WorkerStatus(
        running=lease.expires_at > now,
        holder=lease.holder,
        last_heartbeat=lease.expires_at - ttl,
    )


@dataclass(frozen=True)
class RunTicket:
    """A run a worker started or took over, and the fencing token it holds."""

    id: uuid.UUID
    job_id: str
    scheduled_for: datetime
    attempt: int


@dataclass
class Outcomes:
    """What a job did for each item (company, request, message): its run's status follows."""

    unit: str  # "companies", "requests" or "messages", for the summary
    succeeded: int = 0
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # item -> message, no personal data

    def ok(self) -> None:
        self.succeeded += 1

    def fail(self, item: str, error: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors[item] = error[:300]

    def summary(self, **details: Any) -> dict[str, Any]:
        """The run's summary: the job's own details plus the counts under ``outcome``."""
        outcome = {"unit": self.unit, "succeeded": self.succeeded, "failed": self.failed}
        if self.errors:
            outcome["errors"] = self.errors
        return {**details, "outcome": outcome}


def run_status(summary: dict[str, Any] | None) -> tuple[str, str | None]:
    """A finished run's status and error from its summary's ``outcome`` (if it has one)."""
    outcome = summary.get("outcome") if isinstance(summary, dict) else None
    if not outcome or not outcome.get("failed"):
        return "succeeded", None
    failed, succeeded = outcome["failed"], outcome.get("succeeded", 0)
    error = f"{failed} of {failed + succeeded} {outcome.get('unit', 'items')} failed"
    return ("partial" if succeeded else "failed"), error


def describe_error(exc: BaseException) -> str:
    """An exception as stored in a run: its type, and its message only when our code wrote
    it for people to read; other messages (database errors) can quote personal data."""
    if isinstance(exc, PeopleOSError | StartupOSError):
        return f"{type(exc).__name__}: {exc}"[:1000]
    return type(exc).__name__


def start_run(
    db: Database, job_id: str, scheduled_for: datetime, worker: str, now: datetime, ttl: timedelta
) -> RunTicket | None:
    """Start this job's slot, or take over its run whose lease lapsed; None otherwise."""
    with db.uow() as uow:
        run = WorkerRepository(uow.session).start_run(job_id, scheduled_for, worker, now, now + ttl)
        ticket = None if run is None else RunTicket(run.id, job_id, scheduled_for, run.attempt)
        uow.commit()
    if ticket is not None and ticket.attempt > 1:
        log.warning("job %s: took over a stale run (attempt %d)", job_id, ticket.attempt)
    return ticket


def renew_run(db: Database, ticket: RunTicket, now: datetime, ttl: timedelta) -> bool:
    """Extend the run's lease; False once another worker has taken the run over."""
    with db.uow() as uow:
        ok = WorkerRepository(uow.session).renew_run(ticket.id, ticket.attempt, now + ttl)
        uow.commit()
    return ok


def finish_run(
    db: Database,
    ticket: RunTicket,
    status: str,
    now: datetime,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    """Record the outcome unless the run was taken over meanwhile (then nothing changes)."""
    with db.uow() as uow:
        ok = WorkerRepository(uow.session).finish_run(
            ticket.id, ticket.attempt, status, now, summary, error
        )
        uow.commit()
    if not ok:
        log.warning(
            "job %s: run lost its lease (attempt %d); its result is not recorded",
            ticket.job_id,
            ticket.attempt,
        )
    return ok


@contextmanager
def _heartbeat(db: Database, ticket: RunTicket, ttl: timedelta) -> Iterator[None]:
    """Renew the run's lease every third of ``ttl`` while the job runs, so a long job is
    not taken over while its worker is alive."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(ttl.total_seconds() / 3):
            try:
                if not renew_run(db, ticket, datetime.now(UTC), ttl):
                    log.warning("job %s: run taken over by another worker", ticket.job_id)
                    return
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried at the next
                log.warning("job %s: lease renewal failed: %s", ticket.job_id, type(exc).__name__)

    thread = threading.Thread(target=beat, name=f"run-lease-{ticket.job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_once(
    db: Database,
    job_id: str,
    scheduled_for: datetime,
    worker: str,
    work: Callable[[], dict[str, Any]],
    *,
    ttl: timedelta | None = None,
) -> str:
    """Run ``work`` for this job's slot unless it ran or runs elsewhere; records the outcome.

    Returns the recorded status; "skipped" when the slot is not this worker's to run, and
    "superseded" when another worker took the run over before it finished.
    """
    ttl = ttl if ttl is not None else lease_ttl()
    ticket = start_run(db, job_id, scheduled_for, worker, datetime.now(UTC), ttl)
    if ticket is None:
        return "skipped"
    summary: dict[str, Any] | None = None
    with _heartbeat(db, ticket, ttl):
        try:
            summary = work()
            status, error = run_status(summary)
        except Exception as exc:  # noqa: BLE001 - a job failure is recorded, never fatal
            status, error = "failed", describe_error(exc)
            log.warning("job %s failed: %s", job_id, type(exc).__name__)
    if status != "succeeded" and summary is not None:
        log.warning("job %s %s: %s", job_id, status, error)
    if not finish_run(db, ticket, status, datetime.now(UTC), summary, error):
        return "superseded"
    return status


def reclaim_stale_runs(
    db: Database, now: datetime, periods: Mapping[str, timedelta]
) -> list[tuple[str, datetime]]:
    """The (job, slot) pairs whose worker died mid-run and that are to run again now.

    A stale run is retried while its slot is still the job's current one (``periods`` gives
    each known job's period). Once the slot has passed, the job's next regular run does what
    is due (every job works on what is due at its time), so the run is closed as failed
    instead of staying ``running`` for ever.
    """
    retry: list[tuple[str, datetime]] = []
    with db.uow() as uow:
        repo = WorkerRepository(uow.session)
        for run in repo.stale_runs(now):
            period = periods.get(run.job_id)
            if period is not None and slot(now, period) == run.scheduled_for:
                retry.append((run.job_id, run.scheduled_for))
            elif repo.abandon_run(run.id, now, ABANDONED):
                log.warning("job %s: closed a run its worker left unfinished", run.job_id)
        uow.commit()
    return retry
