"""The worker's jobs as use cases, the app's requests to the worker, and what the pages
need to say truthfully when queued work will happen (:func:`waiting_work`). The bookkeeping
that makes each slot run once lives in :mod:`core.services.worker_runs`; each job here
reports its items' outcomes (:class:`~core.services.worker_runs.Outcomes`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.config import Settings, worker_intervals
from core.db import Database, UnitOfWork
from core.models import JobRequest
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.scoring import ScoringRepository
from core.repositories.sync import SyncRepository
from core.repositories.worker import WorkerRepository
from core.services import (
    company_dna,
    model_promotion,
    model_registry,
    model_retraining,
    notifications,
    scoring,
    search,
    sync,
)
from core.services.auth import Actor
from core.services.errors import (
    NotFoundError,
    PeopleOSError,
    PermissionDeniedError,
    ValidationError,
)
from core.services.worker_runs import Outcomes, WorkerStatus, describe_error, read_worker_status
from ml.dna import TextEncoder

log = logging.getLogger("peopleos.worker")
# The scoring pass for candidates nobody has scored yet (imports, merges): how often the
# worker runs it and how many candidates of a company one pass scores at most.
SCORE_UNSCORED_EVERY = timedelta(minutes=5)
SCORE_UNSCORED_LIMIT = 1000
# waiting_work counts unscored candidates up to this many (a page needs no exact 50,000).
UNSCORED_COUNT_CAP = 10_000
# Roles whose pages queue work for the worker: DNA (sync, scan), roles (rescore), imports.
RETRAIN = "retrain"  # the request kind of "Retrain now" (Models page)
_QUEUES_WORK = (
    Permission.VIEW_COMPANY_DNA,
    Permission.MANAGE_ROLES,
    Permission.IMPORT_CANDIDATES,
)


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
    result: dict[str, Any] | None = None  # what the worker reported (e.g. retrain results)


def waiting_work(uow: UnitOfWork, actor: Actor, now: datetime) -> WaitingWork:
    """What of the actor's company's work waits for the worker, and whether one runs."""
    if not any(actor.can(permission) for permission in _QUEUES_WORK):
        raise PermissionDeniedError("Your role does not allow this.")
    intervals = worker_intervals()
    with uow:
        repo = WorkerRepository(uow.session)
        status = read_worker_status(repo, now, timedelta(seconds=intervals["lease"]))
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


def retrain_due(db: Database, now: datetime) -> dict[str, Any]:
    """Retrain each company's models that are due (model_retraining.due_kinds); one
    company's failure does not stop the others."""
    outcomes = Outcomes("companies")
    trained = 0
    for company_id, name, _ in _companies(db):
        try:
            results = model_retraining.retrain_if_due(
                db, Actor.system(company_id, name, "worker"), now
            )
        except Exception as exc:  # noqa: BLE001 - counted; the next company is still tried
            log.exception("retraining failed for a company")
            outcomes.fail(name, describe_error(exc))
            continue
        trained += sum(r.status == "challenger" for r in results)
        outcomes.ok()
    return outcomes.summary(challengers=trained)


def decide_promotions(db: Database, now: datetime) -> dict[str, Any]:
    """Promote or retire each company's challengers whose arms have enough outcomes."""
    outcomes = Outcomes("companies")
    decided: dict[str, int] = {}
    for company_id, name, _ in _companies(db):
        try:
            decisions = model_promotion.decide_promotion(
                db.uow(), Actor.system(company_id, name, "worker"), now
            )
        except Exception as exc:  # noqa: BLE001 - counted; the next company is still decided
            log.exception("promotion decision failed for a company")
            outcomes.fail(name, describe_error(exc))
            continue
        for d in decisions:
            decided[d.decision] = decided.get(d.decision, 0) + 1
        outcomes.ok()
    return outcomes.summary(**decided)


def dispatch_outbox(db: Database, senders: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Deliver due notifications; the run fails when every attempted message failed."""
    report = notifications.dispatch_due(db.uow(), senders, now)
    # Retried and failed messages both missed their delivery in this run.
    outcomes = Outcomes("messages", succeeded=report.sent, failed=report.retried + report.failed)
    return outcomes.summary(
        sent=report.sent, retried=report.retried, failed=report.failed, skipped=report.skipped
    )


def _queue(uow: UnitOfWork, actor: Actor, kind: str, audit: str | None = None) -> RequestView:
    """The company's open request of ``kind``, or a new one (audited as ``audit``): one
    open request per kind, so asking twice queues nothing twice."""
    with uow:
        repo = WorkerRepository(uow.session)
        existing = repo.pending_request(actor.company_id, kind)
        if existing is not None:
            return _request_view(existing)
        request = JobRequest(
            company_id=actor.company_id, kind=kind, requested_by=actor.username, status="pending"
        )
        repo.add_request(request)
        if audit is not None:
            AuditRepository(uow.session).add(
                **actor.audit_fields(),
                action=audit,
                entity_type="company",
                entity_id=str(actor.company_id),
                summary={},
            )
        uow.commit()
        return _request_view(request)


def request_job(db_uow, actor: Actor, kind: str) -> RequestView:  # noqa: ANN001 - UnitOfWork
    """Ask the worker for a sync or scan ("Sync now"); one open request per kind."""
    actor.require(Permission.RUN_COMPANY_SYNC)
    if kind not in ("sync", "full_sync", "dna_scan"):
        raise ValidationError(f"Unknown request '{kind}'.")
    return _queue(db_uow, actor, kind)


def request_retrain(uow: UnitOfWork, actor: Actor) -> RequestView:
    """Ask the worker to retrain the company's models ("Retrain now"); one open request."""
    actor.require(Permission.TRAIN_MODELS)
    return _queue(uow, actor, RETRAIN, audit="models.retrain_requested")


def list_model_requests(uow: UnitOfWork, actor: Actor) -> list[RequestView]:
    """The company's latest retrain requests, newest first (the Models page's job status)."""
    actor.require(Permission.VIEW_MODELS)
    with uow:
        rows = WorkerRepository(uow.session).list_requests(actor.company_id, kind=RETRAIN)
        return [_request_view(r) for r in rows]


def list_requests(db_uow, actor: Actor) -> list[RequestView]:  # noqa: ANN001 - UnitOfWork
    actor.require(Permission.VIEW_COMPANY_DNA)
    with db_uow as uow:
        return [
            _request_view(r) for r in WorkerRepository(uow.session).list_requests(actor.company_id)
        ]


def _request_view(r: JobRequest) -> RequestView:
    return RequestView(
        r.id, r.kind, r.requested_by, r.status, r.created_at, r.finished_at, r.error, r.result
    )


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
    if kind == RETRAIN:
        results = model_retraining.retrain_company(db, actor, now, why="Retrain now")
        return "succeeded", {r.kind: f"{r.status}: {r.reason}" for r in results}, None
    if kind == "rescore":
        models = (models_factory or (lambda: model_registry.load_models(settings, db=db)))()
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
