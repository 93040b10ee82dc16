"""The worker's jobs as use cases, and the bookkeeping that makes each slot run once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import Settings
from core.db import Database
from core.models import JobRequest
from core.permissions import Permission
from core.repositories.companies import CompanyRepository
from core.repositories.sync import SyncRepository
from core.repositories.worker import WorkerRepository
from core.services import company_dna, notifications, scoring, sync
from core.services.auth import Actor
from core.services.errors import (
    NotFoundError,
    PeopleOSError,
    ValidationError,
)
from ml.dna import TextEncoder

log = logging.getLogger("peopleos.worker")
LEASE_NAME = "scheduler"


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


def release_lease(db: Database, holder: str, now: datetime) -> None:
    with db.uow() as uow:
        WorkerRepository(uow.session).release_lease(LEASE_NAME, holder, now)
        uow.commit()


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
    db: Database, models: Any, encoder: TextEncoder, now: datetime, *, limit: int = 1000
) -> dict[str, Any]:
    """Score candidates nobody has scored yet (CSV imports, merges, intake without models)."""
    scored: dict[str, int] = {}
    for company_id, name, _ in _companies(db):
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
                models = (models_factory or (lambda: scoring.load_models(settings)))()
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
