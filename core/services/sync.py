"""StartupOS sync: full and incremental runs over the API, and export-file imports.

The network is read before any transaction opens; the data is then applied in one unit of
work (upserts keyed by StartupOS ids), together with the ``startupos_sync`` row. A failed
run changes no data: it only records a ``failed`` sync row, and running it again is safe.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.config import Settings
from core.db import UnitOfWork
from core.integrations.startupos import (
    CompanySnapshot,
    StartupOSClient,
    StartupOSError,
    parse_export,
)
from core.models import Company, Employee, StartuposSync
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.sync import SyncRepository
from core.services import notifications
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError

MAX_EXPORT_BYTES = 20 * 1024 * 1024
_COMPANY_FIELDS = ("name", "stage", "funding_stage", "runway_months", "team_size")


@dataclass(frozen=True)
class SyncReport:
    sync_id: uuid.UUID
    company_id: uuid.UUID | None
    company_name: str | None
    sync_type: str
    status: str
    counts: dict[str, Any]
    error: str | None = None


def run_sync(
    uow_factory: Callable[[], UnitOfWork],
    client: StartupOSClient,
    startupos_id: str,
    *,
    full: bool,
    now: datetime,
    actor: str = "sync",
) -> SyncReport:
    """Sync one company from the StartupOS API (incremental unless ``full`` or first run)."""
    key = _startupos_uuid(startupos_id)
    with uow_factory() as uow:
        repo = SyncRepository(uow.session)
        company = repo.company_by_startupos_id(key)
        previous = repo.last_succeeded(company.id) if company else None
        company_id = company.id if company else None
        cursor = None if full or previous is None else (previous.counts or {}).get("cursor")
    sync_type = "incremental" if cursor else "full"
    try:
        snapshot = client.fetch(startupos_id, updated_since=cursor)
    except StartupOSError as exc:
        return _record_failure(uow_factory(), company_id, sync_type, str(exc), now)
    uow = uow_factory()
    with uow:
        report = _apply(uow, snapshot, sync_type, now, actor)
        uow.commit()
    return report


def import_file(
    uow_factory: Callable[[], UnitOfWork], content: bytes, *, now: datetime, actor: str = "import"
) -> list[SyncReport]:
    """Import a StartupOS export file: every company in it, or none if any is invalid."""
    if len(content) > MAX_EXPORT_BYTES:
        raise ValidationError("The export file is larger than 20 MB.")
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError("The file is not JSON (expected a StartupOS export).") from None
    try:
        snapshots = parse_export(data)
        for snapshot in snapshots:
            _startupos_uuid(snapshot.company["id"])
    except StartupOSError as exc:
        raise ValidationError(f"The export file is invalid: {exc}") from None
    uow = uow_factory()
    with uow:
        reports = [_apply(uow, s, "file", now, actor) for s in snapshots]
        uow.commit()
    return reports


def _startupos_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationError(f"'{value}' is not a StartupOS company id.") from None


def _record_failure(
    uow: UnitOfWork, company_id: uuid.UUID | None, sync_type: str, error: str, now: datetime
) -> SyncReport:
    row = StartuposSync(
        company_id=company_id,
        sync_type=sync_type,
        sync_status="failed",
        error=error[:1000],
        counts={},
        created_at=now,
    )
    with uow:
        SyncRepository(uow.session).add(row)
        if company_id is not None:
            # Announced in the same transaction; one message per company and hour at most.
            hour = now.replace(minute=0, second=0, microsecond=0).isoformat()
            notifications.enqueue(
                NotificationRepository(uow.session),
                company_id=company_id,
                event_type="sync_failed",
                channel="slack",
                subject="StartupOS sync failed",
                body=f"The {sync_type} sync failed and will be retried. Error: {error[:300]}",
                dedupe_key=f"sync_failed:{company_id}:{hour}",
            )
        uow.commit()
    return SyncReport(row.id, company_id, None, sync_type, "failed", {}, error)


def _apply(
    uow: UnitOfWork, snapshot: CompanySnapshot, sync_type: str, now: datetime, actor: str
) -> SyncReport:
    repo = SyncRepository(uow.session)
    profile = snapshot.company
    company = repo.company_by_startupos_id(_startupos_uuid(profile["id"]))
    values = {name: profile.get(name) for name in _COMPANY_FIELDS}
    if company is None:
        company = Company(
            startupos_id=_startupos_uuid(profile["id"]),
            slug=_free_slug(repo, profile["name"]),
            **values,
        )
        repo.add_company(company)
        company_change = "created"
        previous = None
    else:
        changed = {k: v for k, v in values.items() if getattr(company, k) != v}
        for name, value in changed.items():
            setattr(company, name, value)
        company_change = "updated" if changed else "unchanged"
        previous = repo.last_succeeded(company.id)
    team_counts = _upsert_members(repo, company.id, snapshot.team, now.date())
    merged = _merge(
        previous.data_snapshot if previous and sync_type == "incremental" else None, snapshot
    )
    counts = {
        "company": company_change,
        **team_counts,
        "metrics_received": len(snapshot.metrics),
        "cursor": _newest(
            snapshot.cursor, (previous.counts or {}).get("cursor") if previous else None
        ),
    }
    row = StartuposSync(
        company_id=company.id,
        sync_type=sync_type,
        sync_status="succeeded",
        data_snapshot=merged,
        counts=counts,
        synced_at=now,
        created_at=now,
    )
    repo.add(row)
    AuditRepository(uow.session).add(
        actor=actor,
        company_id=company.id,
        action="startupos.synced",
        entity_type="company",
        entity_id=str(company.id),
        summary={"sync_type": sync_type, **counts},
    )
    return SyncReport(row.id, company.id, company.name, sync_type, "succeeded", counts)


def _upsert_members(
    repo: SyncRepository, company_id: uuid.UUID, team: list[dict], today: date
) -> dict[str, int]:
    existing = repo.members(company_id)
    created = updated = unchanged = 0
    for member in team:
        end = date.fromisoformat(member["end_date"]) if member.get("end_date") else None
        fields = {
            "full_name": member["name"],
            "title": member.get("title"),
            "department": member.get("department"),
            "start_date": date.fromisoformat(member["start_date"])
            if member.get("start_date")
            else None,
            "end_date": end,
            "status": "left" if end is not None and end <= today else "active",
        }
        employee = existing.get(member["id"])
        if employee is None:
            repo.add_employee(
                Employee(company_id=company_id, startupos_member_id=member["id"], **fields)
            )
            created += 1
            continue
        changed = {k: v for k, v in fields.items() if getattr(employee, k) != v}
        for name, value in changed.items():
            setattr(employee, name, value)
        updated += bool(changed)
        unchanged += not changed
    return {
        "team_received": len(team),
        "team_created": created,
        "team_updated": updated,
        "team_unchanged": unchanged,
    }


def _merge(previous: dict[str, Any] | None, snapshot: CompanySnapshot) -> dict[str, Any]:
    """The company's whole record after this run: an incremental run adds to the last one."""
    team = {m["id"]: m for m in (previous or {}).get("team", [])}
    team.update({m["id"]: m for m in snapshot.team})
    metrics = {(p["metric"], p["month"]): p for p in (previous or {}).get("metrics", [])}
    metrics.update({(p["metric"], p["month"]): p for p in snapshot.metrics})
    return {
        "company": snapshot.company,
        "team": sorted(team.values(), key=lambda m: m["id"]),
        "metrics": sorted(metrics.values(), key=lambda p: (p["metric"], p["month"])),
    }


def _newest(*stamps: str | None) -> str | None:
    present = [s for s in stamps if s]
    return max(present, key=datetime.fromisoformat) if present else None


def resolve_startupos_id(uow: UnitOfWork, company: str) -> str:
    """A StartupOS id given directly, or looked up from a PeopleOS company name."""
    try:
        return str(uuid.UUID(company))
    except ValueError:
        pass
    with uow:
        found = CompanyRepository(uow.session).find(company)
        if found is None:
            raise NotFoundError(f"No company '{company}'.")
        return str(found.startupos_id)


def _company_startupos_id(uow: UnitOfWork, actor: Actor) -> str:
    actor.require(Permission.RUN_COMPANY_SYNC)
    with uow:
        company = CompanyRepository(uow.session).get(actor.company_id)
        if company is None:
            raise NotFoundError("Company not found.")
        return str(company.startupos_id)


def sync_my_company(
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    client: StartupOSClient,
    *,
    full: bool,
    now: datetime,
) -> SyncReport:
    """ "Sync now" from the app: the actor's own company only."""
    startupos_id = _company_startupos_id(uow_factory(), actor)
    return run_sync(uow_factory, client, startupos_id, full=full, now=now, actor=actor.username)


def import_for_my_company(
    uow_factory: Callable[[], UnitOfWork], actor: Actor, content: bytes, *, now: datetime
) -> SyncReport:
    """Import the actor's company from an uploaded export; other companies in it are ignored."""
    startupos_id = _company_startupos_id(uow_factory(), actor)
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError("The file is not JSON (expected a StartupOS export).") from None
    entries = data.get("companies") if isinstance(data, dict) else None
    mine = [
        e
        for e in entries or []
        if isinstance(e, dict)
        and isinstance(e.get("company"), dict)
        and e["company"].get("id") == startupos_id
    ]
    if not mine:
        raise ValidationError(f"This export holds no data for {actor.company_name}.")
    only = {**data, "companies": mine}
    return import_file(uow_factory, json.dumps(only).encode(), now=now, actor=actor.username)[0]


def startupos_client(settings: Settings) -> StartupOSClient:
    """A client for the configured StartupOS server, or a clear error when none is set."""
    if not settings.startupos_url or not settings.startupos_token:
        raise ValidationError(
            "StartupOS is not configured: set PEOPLEOS_STARTUPOS_URL and PEOPLEOS_STARTUPOS_TOKEN."
        )
    return StartupOSClient(settings.startupos_url, settings.startupos_token)


def _free_slug(repo: SyncRepository, name: str) -> str:
    """A careers-page handle from the company name, unique among companies."""
    base = "".join(ch for ch in (name.lower().split() or ["company"])[0] if ch.isalnum())
    base = base or "company"
    slug, n = base, 2
    while repo.slug_taken(slug):
        slug, n = f"{base}{n}", n + 1
    return slug
