"""The worker's jobs as use cases, the bookkeeping that makes each slot run once, and
what the pages need to say truthfully when queued work will happen (:func:`waiting_work`).

A run holds a lease while its worker runs it (renewed by a heartbeat) and a fencing token
(``attempt``): a run whose worker died is taken over once its lease lapses, and the worker
that lost it can no longer record a result. A job over several companies (or requests, or
messages) reports each one's outcome (:class:`Outcomes`); the run is ``failed`` when every
one failed and ``partial`` when some did.
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

from core.config import Settings, worker_intervals
from core.db import Database, UnitOfWork
from core.integrations.startupos import StartupOSError
from core.models import JobRequest
from core.permissions import Permission
from core.repositories.companies import CompanyRepository
from core.repositories.scoring import ScoringRepository
from core.repositories.sync import SyncRepository
from core.repositories.worker import WorkerRepository
from core.services import company_dna, model_registry, notifications, scoring, search, sync
from core.services.auth import Actor
from core.services.errors import (
    NotFoundError,
    PeopleOSError,
    PermissionDeniedError,
    ValidationError,
)
from ml.dna import TextEncoder

log = logging.getLogger("peopleos.worker")
LEASE_NAME = "scheduler"
# The scoring pass for candidates nobody has scored yet (imports, merges): how often the
# worker runs it and how many candidates of a company one pass scores at most.
SCORE_UNSCORED_EVERY = timedelta(minutes=5)
SCORE_UNSCORED_LIMIT = 1000
# waiting_work counts unscored candidates up to this many (a page needs no exact 50,000).
UNSCORED_COUNT_CAP = 10_000
# A run's summary keeps at most this many error messages (one per failed item).
MAX_ERRORS = 20
ABANDONED = "The worker stopped before the run finished; the job's next run does its work."
# Roles whose pages queue work for the worker: DNA (sync, scan), roles (rescore), imports.
_QUEUES_WORK = (
    Permission.VIEW_COMPANY_DNA,
    Permission.MANAGE_ROLES,
    Permission.IMPORT_CANDIDATES,
)


@dataclass(frozen=True)
class WorkerStatus:
    """Whether a worker runs the schedule, read from the lease it renews."""

    running: bool
    holder: str | None
    # When the holder last took or renewed the lease; None when there is no lease row.
    last_heartbeat: datetime | None


@dataclass(frozen=True)
class WaitingWork:
    """A company's work that waits for the worker, and whether a worker is running."""

    worker: WorkerStatus
    requests: dict[str, int]  # unfinished requests ("Sync now", rescores) by kind
    unscored: int  # candidates with a resume and a role but no score, up to the cap
    requests_every: timedelta  # how often the worker picks up requests
    scoring_every: timedelta  # how often it scores candidates nobody has scored


@dataclass(frozen=True)
class RequestView:
    id: uuid.UUID
    kind: str
    requested_by: str
    status: str
    created_at: datetime
    finished_at: datetime | None
    error: str | None


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
        return _worker_status(WorkerRepository(uow.session), now, ttl)


def _worker_status(repo: WorkerRepository, now: datetime, ttl: timedelta) -> WorkerStatus:
    lease = repo.get_lease(LEASE_NAME)
    if lease is None:
        return WorkerStatus(running=False, holder=None, last_heartbeat=None)
    return WorkerStatus(
        running=lease.expires_at > now,
        holder=lease.holder,
        last_heartbeat=lease.expires_at - ttl,
    )


def waiting_work(uow: UnitOfWork, actor: Actor, now: datetime) -> WaitingWork:
    """What of the actor's company's work waits for the worker, and whether one runs."""
    if not any(actor.can(permission) for permission in _QUEUES_WORK):
        raise PermissionDeniedError("Your role does not allow this.")
    intervals = worker_intervals()
    with uow:
        repo = WorkerRepository(uow.session)
        status = _worker_status(repo, now, timedelta(seconds=intervals["lease"]))
        requests = repo.count_open_requests(actor.company_id)
        unscored = len(
            ScoringRepository(uow.session).unscored_ids(actor.company_id, UNSCORED_COUNT_CAP)
        )
    return WaitingWork(
        worker=status,
        requests=requests,
        unscored=unscored,
        requests_every=timedelta(seconds=intervals["requests"]),
        scoring_every=SCORE_UNSCORED_EVERY,
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


def _companies(db: Database) -> list[tuple[uuid.UUID, str, str]]:
    with db.uow() as uow:
        return [
            (c.id, c.name, str(c.startupos_id)) for c in CompanyRepository(uow.session).list_all()
        ]


def sync_all(db: Database, settings: Settings, *, full: bool, now: datetime) -> dict[str, Any]:
    """Sync every company from StartupOS (skipped when no server is configured); one
    company's failure does not stop the others, and each is counted in the outcome."""
    if not settings.startupos_url:
        return {"skipped": "PEOPLEOS_STARTUPOS_URL is not set"}
    client = sync.startupos_client(settings)
    outcomes = Outcomes("companies")
    try:
        for _, name, startupos_id in _companies(db):
            try:
                report = sync.run_sync(
                    db.uow, client, startupos_id, full=full, now=now, actor="worker"
                )
            except Exception as exc:  # noqa: BLE001 - counted; the next company still syncs
                outcomes.fail(name, describe_error(exc))
                continue
            if report.status == "succeeded":
                outcomes.ok()
            else:  # the client's own message: a path and a status, no personal data
                outcomes.fail(name, report.error or "sync failed")
    finally:
        client.close()
    return outcomes.summary()


def rescan_changed(db: Database, encoder: TextEncoder, now: datetime) -> dict[str, Any]:
    """Rescan the DNA of every company whose StartupOS data changed since its last scan."""
    scanned = []
    outcomes = Outcomes("companies")
    for company_id, name, _ in _companies(db):
        try:
            with db.uow() as uow:
                company = CompanyRepository(uow.session).get(company_id)
                latest = SyncRepository(uow.session).last_succeeded(company_id)
                stale = latest is not None and (
                    company.dna_updated_at is None or latest.created_at > company.dna_updated_at
                )
            if stale:
                company_dna.scan_company(
                    db.uow(), Actor.system(company_id, name, "worker"), encoder, now
                )
                scanned.append(name)
        except Exception as exc:  # noqa: BLE001 - counted; the next company is still scanned
            outcomes.fail(name, describe_error(exc))
        else:
            outcomes.ok()
    return outcomes.summary(scanned=scanned)


def score_unscored(
    db: Database,
    models: Any,
    encoder: TextEncoder,
    now: datetime,
    *,
    limit: int = SCORE_UNSCORED_LIMIT,
) -> dict[str, Any]:
    """Embed and score candidates nobody has yet (CSV imports, merges, and applications whose
    follow-up in the web process did not run)."""
    scored: dict[str, int] = {}
    outcomes = Outcomes("companies")
    for company_id, name, _ in _companies(db):
        try:
            search.embed_missing(db.uow(), encoder, now, company_id)
            count = scoring.score_unscored(
                db, company_id, models, now, encoder=encoder, limit=limit
            )
        except Exception as exc:  # noqa: BLE001 - counted; the next company is still scored
            outcomes.fail(name, describe_error(exc))
            continue
        outcomes.ok()
        if count:
            scored[name] = count
    return outcomes.summary(scored=scored)


def dispatch_outbox(db: Database, senders: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Deliver due notifications; the run fails when every attempted message failed."""
    report = notifications.dispatch_due(db.uow(), senders, now)
    # Retried and failed messages both missed their delivery in this run.
    outcomes = Outcomes("messages", succeeded=report.sent, failed=report.retried + report.failed)
    return outcomes.summary(
        sent=report.sent, retried=report.retried, failed=report.failed, skipped=report.skipped
    )


def request_job(db_uow, actor: Actor, kind: str) -> RequestView:  # noqa: ANN001 - UnitOfWork
    """Ask the worker for a sync or scan ("Sync now"); one open request per kind."""
    actor.require(Permission.RUN_COMPANY_SYNC)
    if kind not in ("sync", "full_sync", "dna_scan"):
        raise ValidationError(f"Unknown request '{kind}'.")
    with db_uow as uow:
        repo = WorkerRepository(uow.session)
        existing = repo.pending_request(actor.company_id, kind)
        if existing is not None:
            return _request_view(existing)
        request = JobRequest(
            company_id=actor.company_id, kind=kind, requested_by=actor.username, status="pending"
        )
        repo.add_request(request)
        uow.commit()
        return _request_view(request)


def list_requests(db_uow, actor: Actor) -> list[RequestView]:  # noqa: ANN001 - UnitOfWork
    actor.require(Permission.VIEW_COMPANY_DNA)
    with db_uow as uow:
        return [
            _request_view(r) for r in WorkerRepository(uow.session).list_requests(actor.company_id)
        ]


def _request_view(r: JobRequest) -> RequestView:
    return RequestView(r.id, r.kind, r.requested_by, r.status, r.created_at, r.finished_at, r.error)


def process_requests(
    db: Database,
    settings: Settings,
    encoder_factory: Callable[[], TextEncoder],
    now: datetime,
    models_factory: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Carry out pending requests from the app, oldest first; each one's failure is recorded
    on it and counted in the run's outcome."""
    with db.uow() as uow:
        pending = [
            (r.id, r.company_id, r.kind, dict(r.payload or {}))
            for r in WorkerRepository(uow.session).claim_requests(limit=10)
        ]
    outcomes = Outcomes("requests")
    for request_id, company_id, kind, payload in pending:
        try:
            status, result, error = _carry_out(
                db, settings, encoder_factory, models_factory, now, company_id, kind, payload
            )
        except PeopleOSError as exc:  # written for the people who asked: shown as is
            status, result, error = "failed", None, str(exc)
        except Exception as exc:  # noqa: BLE001 - recorded on the request; the next one runs
            status, result, error = "failed", None, describe_error(exc)
        with db.uow() as uow:
            request = uow.session.get(JobRequest, request_id)
            WorkerRepository(uow.session).finish_request(request, status, now, result, error)
            uow.commit()
        if status == "succeeded":
            outcomes.ok()
        else:
            outcomes.fail(str(request_id), error or "failed")
    return outcomes.summary(processed=len(pending))


def _carry_out(
    db: Database,
    settings: Settings,
    encoder_factory: Callable[[], TextEncoder],
    models_factory: Callable[[], Any] | None,
    now: datetime,
    company_id: uuid.UUID,
    kind: str,
    payload: dict[str, Any],
) -> tuple[str, dict[str, Any] | None, str | None]:
    """One request from the app: its status, result and error."""
    with db.uow() as uow:
        company = CompanyRepository(uow.session).get(company_id)
        if company is None:
            raise NotFoundError("company gone")
        actor = Actor.system(company.id, company.name, "worker")
        startupos_id = str(company.startupos_id)
    if kind == "dna_scan":
        scan = company_dna.scan_company(db.uow(), actor, encoder_factory(), now)
        return "succeeded", {"changes": scan.changes}, None
    if kind == "rescore":
        models = (models_factory or (lambda: model_registry.load_models(settings)))()
        role_id = payload.get("role_id")
        count = scoring.rescore_company(
            db,
            company_id,
            models,
            now,
            trigger=payload.get("trigger") or "role_change",
            role_id=uuid.UUID(role_id) if role_id else None,
            encoder=encoder_factory(),
        )
        return "succeeded", {"scored": count, "role_id": role_id}, None
    client = sync.startupos_client(settings)
    try:
        report = sync.run_sync(
            db.uow, client, startupos_id, full=kind == "full_sync", now=now, actor="worker"
        )
    finally:
        client.close()
    status = "succeeded" if report.status == "succeeded" else "failed"
    return status, report.counts, report.error
