"""Queries on onboarding plans and their checkpoints."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from core.models import (
    Candidate,
    Employee,
    Hire,
    OnboardingCheckpoint,
    OnboardingPlan,
    Role,
)
from core.repositories.base import Repository


class OnboardingRepository(Repository):
    def list_plans(
        self, company_id: uuid.UUID
    ) -> list[tuple[OnboardingPlan, Hire, str, str | None]]:
        """Every plan with its hire, the hire's name and role title, latest start first."""
        rows = self.session.execute(
            select(OnboardingPlan, Hire, Candidate.full_name, Role.title)
            .join(Hire, Hire.id == OnboardingPlan.hire_id)
            .join(Candidate, Candidate.id == Hire.candidate_id)
            .outerjoin(Role, Role.id == Hire.role_id)
            .where(OnboardingPlan.company_id == company_id)
            .order_by(Hire.start_date.desc(), OnboardingPlan.id)
        )
        return [(plan, hire, name or "", title) for plan, hire, name, title in rows]

    def plan_row(
        self, company_id: uuid.UUID, plan_id: uuid.UUID
    ) -> tuple[OnboardingPlan, Hire, str, str | None] | None:
        """One plan as :meth:`list_plans` gives it."""
        row = self.session.execute(
            select(OnboardingPlan, Hire, Candidate.full_name, Role.title)
            .join(Hire, Hire.id == OnboardingPlan.hire_id)
            .join(Candidate, Candidate.id == Hire.candidate_id)
            .outerjoin(Role, Role.id == Hire.role_id)
            .where(OnboardingPlan.company_id == company_id, OnboardingPlan.id == plan_id)
        ).first()
        return None if row is None else (row[0], row[1], row[2] or "", row[3])

    def get_plan(self, company_id: uuid.UUID, plan_id: uuid.UUID) -> OnboardingPlan | None:
        return self.session.scalars(
            select(OnboardingPlan).where(
                OnboardingPlan.company_id == company_id, OnboardingPlan.id == plan_id
            )
        ).one_or_none()

    def plan_of_hire(self, company_id: uuid.UUID, hire_id: uuid.UUID) -> OnboardingPlan | None:
        return self.session.scalars(
            select(OnboardingPlan).where(
                OnboardingPlan.company_id == company_id, OnboardingPlan.hire_id == hire_id
            )
        ).first()

    def plan_of_employee(
        self, company_id: uuid.UUID, employee_id: uuid.UUID
    ) -> OnboardingPlan | None:
        return self.session.scalars(
            select(OnboardingPlan)
            .join(Employee, Employee.hire_id == OnboardingPlan.hire_id)
            .where(Employee.company_id == company_id, Employee.id == employee_id)
        ).first()

    def checkpoints(
        self, company_id: uuid.UUID, plan_ids: list[uuid.UUID]
    ) -> list[OnboardingCheckpoint]:
        if not plan_ids:
            return []
        return list(
            self.session.scalars(
                select(OnboardingCheckpoint)
                .where(
                    OnboardingCheckpoint.company_id == company_id,
                    OnboardingCheckpoint.onboarding_plan_id.in_(plan_ids),
                )
                .order_by(
                    OnboardingCheckpoint.onboarding_plan_id, OnboardingCheckpoint.checkpoint_day
                )
            )
        )

    def overdue(self, before: date) -> list[tuple[OnboardingCheckpoint, str, str]]:
        """Open checkpoints of live plans due before ``before``, every company's (the
        worker's reminder), with the hire's name and the company id as text."""
        rows = self.session.execute(
            select(OnboardingCheckpoint, Candidate.full_name)
            .join(OnboardingPlan, OnboardingPlan.id == OnboardingCheckpoint.onboarding_plan_id)
            .join(Hire, Hire.id == OnboardingPlan.hire_id)
            .join(Candidate, Candidate.id == Hire.candidate_id)
            .where(
                OnboardingCheckpoint.completed_at.is_(None),
                OnboardingCheckpoint.due_date < before,
                OnboardingPlan.status.not_in(("completed", "cancelled")),
            )
            .order_by(OnboardingCheckpoint.due_date)
        )
        return [(checkpoint, name or "", str(checkpoint.company_id)) for checkpoint, name in rows]
