"""Company DNA: scan the latest StartupOS data into a profile, and read it back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.db import UnitOfWork
from core.models import CompanyDnaDimension
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
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
    created_at: datetime
    sync_type: str | None
    status: str | None
    counts: dict[str, Any]
    error: str | None


@dataclass(frozen=True)
class DnaView:
    company_id: uuid.UUID
    company_name: str
    profile: dict[str, Any] | None
    scanned_at: datetime | None
    metrics: dict[str, list[tuple[str, float]]]
    scans: list[ScanEntry]
    syncs: list[SyncEntry]


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
        profile = dna.scan(latest.data_snapshot, encoder, now.date()).to_dict()
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


def get_company_dna(uow: UnitOfWork, actor: Actor) -> DnaView:
    """The stored profile, metric series, scan history and sync history."""
    actor.require(Permission.VIEW_COMPANY_DNA)
    with uow:
        company = CompanyRepository(uow.session).get(actor.company_id)
        if company is None:
            raise NotFoundError("Company not found.")
        syncs = SyncRepository(uow.session)
        latest = syncs.last_succeeded(company.id)
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
            profile=company.dna_profile,
            scanned_at=company.dna_updated_at,
            metrics={k: sorted(v) for k, v in metrics.items()},
            scans=scans,
            syncs=[
                SyncEntry(s.created_at, s.sync_type, s.sync_status, s.counts or {}, s.error)
                for s in syncs.list(company.id, limit=20)
            ],
        )
