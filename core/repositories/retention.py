"""Queries of the retention model: employees and what their features read, its predictions.

The pulse query reads answers as team aggregates' inputs only: the answer's team, round
date and scores, never ``employee_id`` (answers are anonymous; see core.models.culture_pulse).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select

from core.models import (
    CulturePulse,
    CulturePulseCheck,
    Employee,
    Hire,
    OnboardingCheckpoint,
    OnboardingPlan,
    Outcome,
    Prediction,
    Role,
)
from core.repositories.base import Repository

ENTITY = "employee"
PREDICTION = "retention_risk"


class RetentionRepository(Repository):
    def list_employees(self, company_id: uuid.UUID) -> list[Employee]:
        """Every employee, current and former, oldest start first."""
        return list(
            self.session.scalars(
                select(Employee)
                .where(Employee.company_id == company_id)
                .order_by(Employee.start_date, Employee.id)
            )
        )

    def list_hire_roles(self, company_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
        """Hire id -> the role it filled."""
        rows = self.session.execute(
            select(Hire.id, Hire.role_id).where(Hire.company_id == company_id)
        )
        return {hire_id: role_id for hire_id, role_id in rows}

    def list_roles(self, company_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str | None, Any]]:
        """(id, title, department, role_intelligence) of every role."""
        rows = self.session.execute(
            select(Role.id, Role.title, Role.department, Role.role_intelligence).where(
                Role.company_id == company_id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def list_checkpoint_scores(
        self, company_id: uuid.UUID
    ) -> list[tuple[uuid.UUID, datetime, int]]:
        """(hire id, completed at, alignment 0-100) of every answered onboarding checkpoint."""
        rows = self.session.execute(
            select(
                OnboardingPlan.hire_id,
                OnboardingCheckpoint.completed_at,
                OnboardingCheckpoint.alignment_score,
            )
            .join(OnboardingPlan, OnboardingPlan.id == OnboardingCheckpoint.onboarding_plan_id)
            .where(
                OnboardingCheckpoint.company_id == company_id,
                OnboardingPlan.company_id == company_id,
                OnboardingCheckpoint.completed_at.is_not(None),
                OnboardingCheckpoint.alignment_score.is_not(None),
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def list_pulse_answers(
        self, company_id: uuid.UUID, since: datetime
    ) -> list[
        tuple[uuid.UUID, str | None, datetime, int | None, int | None, Any, Any, datetime | None]
    ]:
        """(answer id, team, round date, alignment, eNPS, answers, round id, round closes)
        of the anonymous pulse answers since ``since``. No column that could name a person
        is read."""
        rows = self.session.execute(
            select(
                CulturePulseCheck.id,
                CulturePulseCheck.team,
                CulturePulseCheck.created_at,
                CulturePulseCheck.alignment_score,
                CulturePulseCheck.enps,
                CulturePulseCheck.pulse_data,
                CulturePulseCheck.pulse_id,
                CulturePulse.closes_at,
            )
            .outerjoin(
                CulturePulse,
                and_(
                    CulturePulse.id == CulturePulseCheck.pulse_id,
                    CulturePulse.company_id == company_id,
                ),
            )
            .where(
                CulturePulseCheck.company_id == company_id,
                CulturePulseCheck.created_at >= since,
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def add_predictions(self, rows: list[Prediction]) -> None:
        self.session.add_all(rows)

    def list_predictions_since(
        self, company_id: uuid.UUID, day_start: datetime
    ) -> list[Prediction]:
        """The retention predictions made since ``day_start`` (a rescore replaces them)."""
        return list(
            self.session.scalars(
                select(Prediction).where(
                    Prediction.company_id == company_id,
                    Prediction.entity_type == ENTITY,
                    Prediction.prediction_type == PREDICTION,
                    Prediction.created_at >= day_start,
                )
            )
        )

    def delete_predictions(self, rows: list[Prediction]) -> None:
        for row in rows:
            self.session.delete(row)

    def list_latest_predictions(self, company_id: uuid.UUID) -> list[Prediction]:
        """Each employee's latest retention prediction."""
        rows = self.session.scalars(
            select(Prediction)
            .where(
                Prediction.company_id == company_id,
                Prediction.entity_type == ENTITY,
                Prediction.prediction_type == PREDICTION,
            )
            .order_by(Prediction.created_at.desc(), Prediction.id)
        )
        latest: dict[uuid.UUID | None, Prediction] = {}
        for row in rows:
            latest.setdefault(row.entity_id, row)
        return list(latest.values())

    def list_open_predictions(self, company_id: uuid.UUID) -> list[Prediction]:
        """Retention predictions with no outcome yet."""
        return list(
            self.session.scalars(
                select(Prediction)
                .outerjoin(
                    Outcome,
                    and_(Outcome.prediction_id == Prediction.id, Outcome.company_id == company_id),
                )
                .where(
                    Prediction.company_id == company_id,
                    Prediction.entity_type == ENTITY,
                    Prediction.prediction_type == PREDICTION,
                    Outcome.id.is_(None),
                )
            )
        )

    def add_outcomes(self, rows: list[Outcome]) -> None:
        self.session.add_all(rows)

    def list_closed_predictions(
        self, company_id: uuid.UUID
    ) -> list[tuple[float, float, str | None]]:
        """(predicted probability, actual 0/1, model version) of predictions with an outcome."""
        rows = self.session.execute(
            select(Prediction.predicted_value, Outcome.actual_value, Prediction.model_version)
            .join(Outcome, Outcome.prediction_id == Prediction.id)
            .where(
                Prediction.company_id == company_id,
                Outcome.company_id == company_id,
                Prediction.entity_type == ENTITY,
                Prediction.prediction_type == PREDICTION,
            )
        )
        return [(float(p), float(a), v) for p, a, v in rows if p is not None and a is not None]


def to_date(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment
