"""The worker's jobs as use cases, the bookkeeping that makes each slot run once, and
what the pages need to say truthfully when queued work will happen (:func:`waiting_work`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import Settings, worker_intervals
from core.db import Database, UnitOfWork
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


def run_once(
    db: Database,
    job_id: str,
    scheduled_for: datetime,
    worker: str,
    work: Callable[[], dict[str, Any]],
) -> str:
    """Run ``work`` unless this job's slot already ran; records the run and its outcome."""
    now = datetime.now(UTC)
    with db.uow() as uow:
        run = WorkerRepository(uow.session).start_run(job_id, scheduled_for, worker, now)
        uow.commit()
    if run is None:
        return "skipped"
    status, summary, error = "succeeded", None, None
    try:
        summary = work()
    except Exception as exc:  # noqa: BLE001 - a job failure is recorded, never fatal
        status, error = "failed", f"{type(exc).__name__}: {exc}"[:1000]
        log.warning("job %s failed: %s", job_id, type(exc).__name__)
    with db.uow() as uow:
        stored = uow.session.merge(run)
        stored.status, stored.summary, stored.error = status, summary, error
        stored.finished_at = datetime.now(UTC)
        uow.commit()
    return status


def _companies(db: Database) -> list[tuple[uuid.UUID, str, str]]:
    with db.uow() as uow:
        return [
            (c.id, c.name, str(c.startupos_id)) for c in CompanyRepository(uow.session).list_all()
        ]


def sync_all(db: Database, settings: Settings, *, full: bool, now: datetime) -> dict[str, Any]:
    """Sync every company from StartupOS (skipped when no server is configured)."""
    if not settings.startupos_url:
        return {"skipped": "PEOPLEOS_STARTUPOS_URL is not set"}
    client = sync.startupos_client(settings)
    results: dict[str, Any] = {}
    try:
        for _, name, startupos_id in _companies(db):
            report = sync.run_sync(db.uow, client, startupos_id, full=full, now=now, actor="worker")
            results[name] = report.status
    finally:
        client.close()
    return results


def rescan_changed(db: Database, encoder: TextEncoder, now: datetime) -> dict[str, Any]:
    """Rescan the DNA of every company whose StartupOS data changed since its last scan."""
    scanned = []
    for company_id, name, _ in _companies(db):
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
    return {"scanned": scanned}


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
    for company_id, name, _ in _companies(db):
        search.embed_missing(db.uow(), encoder, now, company_id)
        count = scoring.score_unscored(db, company_id, models, now, encoder=encoder, limit=limit)
        if count:
            scored[name] = count
    return {"scored": scored}


def dispatch_outbox(db: Database, senders: dict[str, Any], now: datetime) -> dict[str, Any]:
    report = notifications.dispatch_due(db.uow(), senders, now)
    return {
        "sent": report.sent,
        "retried": report.retried,
        "failed": report.failed,
        "skipped": report.skipped,
    }


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
    """Carry out pending requests from the app, oldest first."""
    with db.uow() as uow:
        pending = [
            (r.id, r.company_id, r.kind, dict(r.payload or {}))
            for r in WorkerRepository(uow.session).claim_requests(limit=10)
        ]
    done = 0
    for request_id, company_id, kind, payload in pending:
        status, result, error = "succeeded", None, None
        try:
            with db.uow() as uow:
                company = CompanyRepository(uow.session).get(company_id)
                if company is None:
                    raise NotFoundError("company gone")
                actor = Actor.system(company.id, company.name, "worker")
                startupos_id = str(company.startupos_id)
            if kind == "dna_scan":
                scan = company_dna.scan_company(db.uow(), actor, encoder_factory(), now)
                result = {"changes": scan.changes}
            elif kind == "rescore":
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
                result = {"scored": count, "role_id": role_id}
            else:
                client = sync.startupos_client(settings)
                try:
                    report = sync.run_sync(
                        db.uow,
                        client,
                        startupos_id,
                        full=kind == "full_sync",
                        now=now,
                        actor="worker",
                    )
                finally:
                    client.close()
                status = "succeeded" if report.status == "succeeded" else "failed"
                result, error = report.counts, report.error
        except PeopleOSError as exc:
            status, error = "failed", str(exc)
        with db.uow() as uow:
            request = uow.session.get(JobRequest, request_id)
            WorkerRepository(uow.session).finish_request(request, status, now, result, error)
            uow.commit()
        done += 1
    return {"processed": done}
