"""Read models for dashboards: the company overview."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from core.db import UnitOfWork
from core.models import Company
from core.models.enums import CANDIDATE_STATUSES
from core.permissions import Permission
from core.repositories.candidates import CandidateRepository
from core.repositories.companies import CompanyRepository
from core.repositories.hires import HireRepository
from core.repositories.roles import RoleRepository
from core.services.auth import Actor
from core.services.errors import NotFoundError

ACTIVE_STAGES = ("applied", "screening", "interview", "offer")


@dataclass(frozen=True)
class CompanySummary:
    id: uuid.UUID
    name: str
    stage: str
    team_size: int | None
    runway_months: int | None


@dataclass(frozen=True)
class OpenRole:
    id: uuid.UUID
    title: str
    department: str | None
    priority: str | None
    active_candidates: int
    days_open: int


@dataclass(frozen=True)
class RecentHire:
    candidate_name: str | None
    role_title: str | None
    start_date: date | None
    days_to_hire: int
    outcome: str | None
    retention_days: int | None


@dataclass(frozen=True)
class Overview:
    company: CompanySummary
    stage_counts: dict[str, int]
    open_roles: list[OpenRole]
    recent_hires: list[RecentHire]

    @property
    def total_candidates(self) -> int:
        return sum(self.stage_counts.values())

    @property
    def active_pipeline(self) -> int:
        return sum(self.stage_counts[s] for s in ACTIVE_STAGES)

    @property
    def median_days_to_hire(self) -> float | None:
        days = [h.days_to_hire for h in self.recent_hires]
        return statistics.median(days) if days else None


def list_companies(uow: UnitOfWork) -> list[CompanySummary]:
    """Every company (tenant), by name: for the CLI and the worker, never for a page."""
    with uow:
        return [_summary(c) for c in CompanyRepository(uow.session).list_all()]


def get_overview(uow: UnitOfWork, actor: Actor, now: datetime) -> Overview:
    """Pipeline by stage, open roles and hires of the actor's company."""
    actor.require(Permission.VIEW_OVERVIEW)
    company_id = actor.company_id
    with uow:
        session = uow.session
        company = CompanyRepository(session).get(company_id)
        if company is None:
            raise NotFoundError("Company not found.")
        candidates = CandidateRepository(session)
        counts = candidates.count_by_status(company_id)
        per_role = candidates.count_by_role(company_id, active_only=True)
        roles = RoleRepository(session).list_by_status(company_id, ("active",))
        hires = HireRepository(session).list_recent(company_id)
        summary = _summary(company)
        open_roles = sorted(
            (
                OpenRole(
                    id=r.id,
                    title=r.title,
                    department=r.department,
                    priority=r.priority,
                    active_candidates=per_role.get(r.id, 0),
                    days_open=max((now - r.created_at).days, 0),
                )
                for r in roles
            ),
            key=lambda r: (
                ("high", "medium", "low").index(r.priority or "low"),
                -r.active_candidates,
            ),
        )
        recent = [
            RecentHire(
                candidate_name=h.candidate_name,
                role_title=h.role_title,
                start_date=h.start_date,
                days_to_hire=max((h.hired_at - h.applied_at).days, 0),
                outcome=h.actual_outcome,
                retention_days=h.retention_days,
            )
            for h in hires
        ]
    return Overview(
        company=summary,
        stage_counts={s: counts.get(s, 0) for s in CANDIDATE_STATUSES},
        open_roles=open_roles,
        recent_hires=recent,
    )


def _summary(company: Company) -> CompanySummary:
    return CompanySummary(
        id=company.id,
        name=company.name,
        stage=company.stage,
        team_size=company.team_size,
        runway_months=company.runway_months,
    )
