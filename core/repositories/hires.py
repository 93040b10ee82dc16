"""Queries on hires."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update

from core.models import (
    Candidate,
    Employee,
    Hire,
    Offer,
    OnboardingCheckpoint,
    OnboardingPlan,
    Role,
    User,
)
from core.repositories.base import Repository


@dataclass(frozen=True)
class HireRow:
    hire_id: uuid.UUID
    candidate_name: str | None
    role_title: str | None
    start_date: date | None
    applied_at: datetime
    hired_at: datetime
    actual_outcome: str | None
    retention_days: int | None


class HireRepository(Repository):
    def list_recent(self, company_id: uuid.UUID, limit: int | None = None) -> list[HireRow]:
        query = (
            select(
                Hire.id,
                Candidate.full_name,
                Role.title,
                Hire.start_date,
                Candidate.created_at,
                Hire.created_at,
                Hire.actual_outcome,
                Hire.retention_days,
            )
            .join(Candidate, Candidate.id == Hire.candidate_id)
            .outerjoin(Role, Role.id == Hire.role_id)
            .where(Hire.company_id == company_id, Candidate.company_id == company_id)
            .order_by(Hire.start_date.desc(), Hire.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [HireRow(*row) for row in self.session.execute(query)]

    def get_for_candidate(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> Hire | None:
        return self.session.scalars(
            select(Hire).where(Hire.company_id == company_id, Hire.candidate_id == candidate_id)
        ).one_or_none()

    def add(self, hire: Hire) -> None:
        self.session.add(hire)
        self.session.flush()

    def username_for(self, company_id: uuid.UUID, hire_id: uuid.UUID) -> str | None:
        """The account made for the hire's employee record, if any."""
        return self.session.scalar(
            select(User.username)
            .join(Employee, Employee.id == User.employee_id)
            .where(Employee.company_id == company_id, Employee.hire_id == hire_id)
            .limit(1)
        )

    def checkpoint_dates(self, company_id: uuid.UUID, hire_id: uuid.UUID) -> list[date]:
        return list(
            self.session.scalars(
                select(OnboardingCheckpoint.due_date)
                .join(OnboardingPlan, OnboardingPlan.id == OnboardingCheckpoint.onboarding_plan_id)
                .where(OnboardingPlan.company_id == company_id, OnboardingPlan.hire_id == hire_id)
                .order_by(OnboardingCheckpoint.checkpoint_day)
            )
        )

    def get(self, company_id: uuid.UUID, hire_id: uuid.UUID) -> Hire | None:
        return self.session.scalars(
            select(Hire).where(Hire.company_id == company_id, Hire.id == hire_id)
        ).one_or_none()

    def id_by_email(self, company_id: uuid.UUID, email: str) -> uuid.UUID | None:
        return self.session.scalar(
            select(Hire.id)
            .join(Candidate, Candidate.id == Hire.candidate_id)
            .where(Hire.company_id == company_id, Candidate.email == email)
            .limit(1)
        )

    def set_left(self, company_id: uuid.UUID, hire_id: uuid.UUID, left_on: date | None) -> None:
        """The hire's employee record: left on ``left_on``, or active (None)."""
        self.session.execute(
            update(Employee)
            .where(Employee.company_id == company_id, Employee.hire_id == hire_id)
            .values(end_date=left_on, status="left" if left_on else "active")
        )

    def latest_offer(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> Offer | None:
        return self.session.scalars(
            select(Offer)
            .where(Offer.company_id == company_id, Offer.candidate_id == candidate_id)
            .order_by(Offer.created_at.desc())
            .limit(1)
        ).first()
