"""Queries on stored predictions and the outcomes matched to them, scoped by company."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, or_, select

from core.models import Outcome, Prediction
from core.repositories.base import Repository


class PredictionRepository(Repository):
    def list_after(
        self,
        company_id: uuid.UUID,
        *,
        prediction_type: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Prediction]:
        """The company's predictions, newest first, starting after the (created_at, id) of
        the last one seen."""
        query = select(Prediction).where(Prediction.company_id == company_id)
        if prediction_type is not None:
            query = query.where(Prediction.prediction_type == prediction_type)
        if after is not None:
            created, last_id = after
            query = query.where(
                or_(
                    Prediction.created_at < created,
                    and_(Prediction.created_at == created, Prediction.id > last_id),
                )
            )
        order = (Prediction.created_at.desc(), Prediction.id.asc())
        return list(self.session.scalars(query.order_by(*order).limit(limit)))

    def list_outcomes(
        self, company_id: uuid.UUID, prediction_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Outcome]:
        """The latest outcome matched to each of these predictions (those that have one)."""
        if not prediction_ids:
            return {}
        rows = self.session.scalars(
            select(Outcome)
            .where(Outcome.company_id == company_id, Outcome.prediction_id.in_(prediction_ids))
            .order_by(Outcome.created_at)
        )
        return {row.prediction_id: row for row in rows if row.prediction_id is not None}
