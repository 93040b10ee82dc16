"""Queries that decide when a company's models are retrained: the last training or
attempt of a kind of model, and the new outcomes since."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from core.models import AuditLog, ModelVersion, Outcome, Prediction
from core.repositories.base import Repository

# Audit actions that mark a retraining attempt of one kind (entity_id = the kind).
ATTEMPT_ACTIONS = ("models.retrained", "models.retrain_skipped")


class ModelRetrainingRepository(Repository):
    def get_latest_training(self, company_id: uuid.UUID, names: Sequence[str]) -> datetime | None:
        """When the company's newest own model of these registry names was registered."""
        return self.session.scalar(
            select(func.max(ModelVersion.created_at)).where(
                ModelVersion.company_id == company_id, ModelVersion.name.in_(names)
            )
        )

    def get_latest_attempt(self, company_id: uuid.UUID, kind: str) -> datetime | None:
        """When retraining of ``kind`` last ran for the company (trained or skipped)."""
        return self.session.scalar(
            select(func.max(AuditLog.created_at)).where(
                AuditLog.company_id == company_id,
                AuditLog.action.in_(ATTEMPT_ACTIONS),
                AuditLog.entity_type == "model_kind",
                AuditLog.entity_id == kind,
            )
        )

    def count_outcomes_since(
        self, company_id: uuid.UUID, prediction_types: Sequence[str], since: datetime | None
    ) -> int:
        """People (or employees) with an outcome recorded after ``since`` on a prediction of
        these types: a hire's outcome closes every earlier prediction about them, one person."""
        query = (
            select(func.count(func.distinct(Prediction.entity_id)))
            .select_from(Outcome)
            .join(Prediction, Prediction.id == Outcome.prediction_id)
            .where(
                Outcome.company_id == company_id,
                Prediction.company_id == company_id,
                Prediction.prediction_type.in_(prediction_types),
            )
        )
        if since is not None:
            query = query.where(Outcome.created_at > since)
        return int(self.session.scalar(query) or 0)
