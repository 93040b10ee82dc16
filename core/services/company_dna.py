"""Company DNA: scan the latest StartupOS data into a profile, and read it back."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from core.db import UnitOfWork
from core.models import CompanyDnaDimension
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository, TeamRecords
from core.repositories.notifications import NotificationRepository
from core.repositories.sync import CompanyDnaRepository, SyncRepository
from core.services import notifications, scoring
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from ml import dna
from ml.dna import TextEncoder

_PARTS = ("stage", "culture", "velocity", "team")


@dataclass(frozen=True)
class ScanResult:
    profile: dict[str, Any]
    changes: list[str]
    scanned_at: datetime


@dataclass(frozen=True)
class ScanEntry:
    scanned_at: datetime
    scanner_version: str
    changes: list[str]


@dataclass(frozen=True)
class SyncEntry:
    """One StartupOS sync run, in words: what kind, how it ended, what it brought."""

    started_at: datetime
    finished_at: datetime | None
    kind: str
    status: str
    summary: str
    error: str


@dataclass(frozen=True)
class DnaView:
    company_id: uuid.UUID
    company_name: str
    profile: dict[str, Any] | None
    scanned_at: datetime | None
    metrics: dict[str, list[tuple[str, float]]]
    scans: list[ScanEntry]
    syncs: list[SyncEntry]
    # Counted when read, so a hire or a new role shows at once, not at the next scan.
    team: dict[str, Any]
    recommendations: list[str]


def scan_company(uow: UnitOfWork, actor: Actor, encoder: TextEncoder, now: datetime) -> ScanResult:
    """Scan the company's latest StartupOS snapshot; stores the profile and what changed."""
    actor.require(Permission.RUN_COMPANY_SYNC)
    with uow:
        company = CompanyRepository(uow.session).get(actor.company_id)
        if company is None:
            raise NotFoundError("Company not found.")
        latest = SyncRepository(uow.session).last_succeeded(company.id)
        if latest is None or not latest.data_snapshot:
            raise ValidationError(
                "No StartupOS data yet: sync from StartupOS or import an export file first."
            )
        records = CompanyRepository(uow.session).team_records(company.id, now.date())
        profile = dna.scan(latest.data_snapshot, encoder, now.date(), _staffing(records)).to_dict()
        changes = dna.compare(company.dna_profile, profile)
        company.dna_profile = profile
        company.dna_updated_at = now
        meta = {"scanner_version": profile["scanner_version"], "scanned_at": now.isoformat()}
        parts = {
            "stage": {
                "stage": profile["stage"],
                "runway_months": profile["runway_months"],
                "team_size": profile["team_size"],
                "changes": changes,
            },
            "culture": {"dimensions": profile["culture"]},
            "velocity": profile["velocity"],
            "team": {
                "gaps": profile["team_gaps"],
                "mix": profile["department_mix"],
                "priorities": profile["hiring_priorities"],
                "picture": profile["team"],
            },
        }
        repo = CompanyDnaRepository(uow.session)
        for part in _PARTS:
            repo.add(
                CompanyDnaDimension(
                    company_id=company.id,
                    dimension_type=part,
                    dimension_data={**parts[part], **meta},
                    created_at=now,
                )
            )
        if changes:
            scoring.queue_rescore(uow.session, company.id, actor.username, trigger="dna_change")
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="company_dna.scanned",
            entity_type="company",
            entity_id=str(company.id),
            summary={"changes": changes[:10]},
        )
        notifications.enqueue(
            NotificationRepository(uow.session),
            company_id=company.id,
            event_type="dna_scan_done",
            channel="slack",
            subject=f"Company DNA updated for {company.name}",
            body="\n".join(changes[:10]),
            dedupe_key=f"dna_scan_done:{company.id}:{now.isoformat()}",
        )
        uow.commit()
    return ScanResult(profile, changes, now)


def get_company_dna(uow: UnitOfWork, actor: Actor, today: date | None = None) -> DnaView:
    """The stored profile, today's team picture, metric series, scan and sync history."""
    actor.require(Permission.VIEW_COMPANY_DNA)
    today = today or datetime.now(UTC).date()
    with uow:
        companies = CompanyRepository(uow.session)
        company = companies.get(actor.company_id)
        if company is None:
            raise NotFoundError("Company not found.")
        syncs = SyncRepository(uow.session)
        latest = syncs.last_succeeded(company.id)
        profile = company.dna_profile
        picture = dna.team_picture(
            company.stage,
            ((latest.data_snapshot or {}).get("team") or []) if latest else [],
            _staffing(companies.team_records(company.id, today)),
            today,
            company.team_size or 0,
        )
        velocity = (profile or {}).get("velocity") or {}
        recommendations = dna.recommendations(
            company.runway_months, velocity.get("label"), picture.gaps
        )
        metrics: dict[str, list[tuple[str, float]]] = {}
        for point in (latest.data_snapshot or {}).get("metrics", []) if latest else []:
            metrics.setdefault(point["metric"], []).append((point["month"], point["value"]))
        scans = [
            ScanEntry(
                r.created_at,
                r.dimension_data.get("scanner_version", "?"),
                r.dimension_data.get("changes", []),
            )
            for r in CompanyDnaRepository(uow.session).list(company.id, "stage")
        ]
        return DnaView(
            company_id=company.id,
            company_name=company.name,
            profile=profile,
            scanned_at=company.dna_updated_at,
            metrics={k: sorted(v) for k, v in metrics.items()},
            scans=scans,
            syncs=[
                SyncEntry(
                    started_at=s.created_at,
                    # A failed run is recorded when it ends; a finished one sets synced_at.
                    finished_at=s.synced_at
                    or (s.created_at if s.sync_status == "failed" else None),
                    kind=_SYNC_KINDS.get(s.sync_type or "", s.sync_type or "unknown"),
                    status=(s.sync_status or "unknown").capitalize(),
                    summary=describe_sync_counts(s.counts or {}),
                    error=plain_error(s.error),
                )
                for s in syncs.list(company.id, limit=20)
            ],
            team=picture.to_dict(),
            recommendations=recommendations,
        )


def _staffing(records: TeamRecords) -> dna.Staffing:
    return dna.Staffing(
        employees=tuple(
            dna.Seat(
                e.title, e.department, e.full_name, e.startupos_member_id, e.hire_id is not None
            )
            for e in records.employees
        ),
        pending_hires=tuple(dna.Seat(p.title, p.department) for p in records.pending_hires),
        open_roles=tuple(dna.Seat(r.title, r.department) for r in records.open_roles),
    )


_SYNC_KINDS = {"full": "Full sync", "incremental": "Incremental sync", "file": "File import"}
_COMPANY_CHANGE = {
    "created": "company record created",
    "updated": "company record updated",
    "unchanged": "company record unchanged",
}


def describe_sync_counts(counts: dict[str, Any]) -> str:
    """A sync run's counts in words, e.g. "company record created; 15 team members received"."""
    rest = dict(counts)
    parts: list[str] = []
    change = rest.pop("company", None)
    if change is not None:
        parts.append(_COMPANY_CHANGE.get(str(change), f"company record {change}"))
    received = rest.pop("team_received", None)
    split = [(rest.pop(k, None), word) for k, word in _TEAM_SPLIT]
    if received is not None:
        text = f"{received} team member{'' if received == 1 else 's'} received"
        shown = [f"{n} {word}" for n, word in split if n is not None]
        parts.append(text + (f" ({', '.join(shown)})" if shown else ""))
    metrics = rest.pop("metrics_received", None)
    if metrics is not None:
        parts.append(f"{metrics} metric point{'' if metrics == 1 else 's'} received")
    cursor = rest.pop("cursor", None)
    if cursor:
        parts.append(f"changes up to {_moment(str(cursor))}")
    parts += [f"{key.replace('_', ' ')}: {value}" for key, value in sorted(rest.items())]
    return "; ".join(parts) or "nothing received"


_TEAM_SPLIT = (
    ("team_created", "new"),
    ("team_updated", "changed"),
    ("team_unchanged", "unchanged"),
)


def _moment(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# StartupOS client errors (core.integrations.startupos) and what they mean for a person.
_ERRORS: tuple[tuple[str, str], ...] = (
    (r"^HTTP 429 on (?P<path>\S+)", "StartupOS asked us to slow down (HTTP 429) on {path}."),
    (
        r"^HTTP (?P<code>5\d\d) on (?P<path>\S+)",
        "StartupOS had a server error (HTTP {code}) on {path}.",
    ),
    (
        r"^HTTP (?P<code>\d+) on (?P<path>\S+)",
        "StartupOS refused the request (HTTP {code}) on {path}.",
    ),
    (r"^timeout on (?P<path>\S+)", "StartupOS did not answer in time on {path}."),
    (
        r"^connection error on (?P<path>\S+?): (?P<kind>\w+)",
        "Could not connect to StartupOS for {path} ({kind}).",
    ),
    (r"^malformed (?P<what>.+)", "StartupOS sent data that could not be read: {what}."),
)


def plain_error(error: str | None) -> str:
    """A sync error in plain words; unknown errors as recorded, as one sentence."""
    if not error:
        return ""
    text = error.strip()
    for pattern, words in _ERRORS:
        match = re.match(pattern, text)
        if match:
            return words.format(**match.groupdict())
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
