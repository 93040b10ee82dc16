"""Queries of model accuracy: predictions joined to the outcomes that followed them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from core.models import Outcome, Prediction
from core.repositories.base import Repository

ScoredOutcome = tuple[str, str, uuid.UUID | None, datetime, float, float]


class ModelAccuracyRepository(Repository):
    def list_scored_outcomes(self, company_id: uuid.UUID) -> list[ScoredOutcome]:
        """(model version, prediction type, entity, predicted at, predicted, actual) of
        every company prediction with an outcome, oldest first (the shared prior's
        predictions of this company only: predictions carry the company)."""
        rows = self.session.execute(
            select(
                Prediction.model_version,
                Prediction.prediction_type,
                Prediction.entity_id,
                Prediction.created_at,
                Prediction.predicted_value,
                Outcome.actual_value,
            )
            .join(Outcome, Outcome.prediction_id == Prediction.id)
            .where(
                Prediction.company_id == company_id,
                Outcome.company_id == company_id,
                Prediction.model_version.is_not(None),
                Prediction.prediction_type.is_not(None),
                Prediction.predicted_value.is_not(None),
                Outcome.actual_value.is_not(None),
            )
            .order_by(Prediction.created_at, Prediction.id)
        )
        return [(v, t, e, c, float(p), float(a)) for v, t, e, c, p, a in rows]
