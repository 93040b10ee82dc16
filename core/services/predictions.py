"""The company's stored predictions, each with the model version that made it and, once
known, the real outcome matched to it: what the learning loop learns from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from core.db import UnitOfWork
from core.permissions import Permission
from core.repositories.predictions import PredictionRepository
from core.services import cursors
from core.services.auth import Actor
from core.services.errors import ValidationError

MAX_LIMIT = 200


@dataclass(frozen=True)
class PredictionRow:
    id: uuid.UUID
    prediction_type: str | None
    entity_type: str | None
    entity_id: uuid.UUID | None
    predicted_value: float | None
    confidence: float | None
    model_version: str | None
    made_at: datetime
    actual_value: float | None  # None until an outcome is matched
    matched_at: datetime | None


@dataclass(frozen=True)
class PredictionPage:
    rows: list[PredictionRow]
    next_cursor: str | None


def _cursor(made_at: datetime, prediction_id: uuid.UUID) -> str:
    return cursors.encode({"c": made_at.isoformat(), "i": str(prediction_id)})


def _position(cursor: str) -> tuple[datetime, uuid.UUID]:
    data = cursors.decode(cursor)
    try:
        moment = datetime.fromisoformat(data["c"])
        if moment.tzinfo is None:
            raise ValueError(data["c"])
        return moment, uuid.UUID(data["i"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError("The cursor does not belong to this list.") from None


def list_predictions(
    uow: UnitOfWork,
    actor: Actor,
    *,
    prediction_type: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> PredictionPage:
    """A page of the company's predictions, newest first, with their outcomes."""
    actor.require(Permission.VIEW_MODELS)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}.")
    after = _position(cursor) if cursor else None
    with uow:
        repo = PredictionRepository(uow.session)
        found = repo.list_after(
            actor.company_id, prediction_type=prediction_type, after=after, limit=limit + 1
        )
        page = found[:limit]
        outcomes = repo.list_outcomes(actor.company_id, [p.id for p in page])
        rows = [
            PredictionRow(
                id=p.id,
                prediction_type=p.prediction_type,
                entity_type=p.entity_type,
                entity_id=p.entity_id,
                predicted_value=p.predicted_value,
                confidence=p.confidence,
                model_version=p.model_version,
                made_at=p.created_at,
                actual_value=outcomes[p.id].actual_value if p.id in outcomes else None,
                matched_at=outcomes[p.id].created_at if p.id in outcomes else None,
            )
            for p in page
        ]
        last = page[-1] if len(found) > limit else None
        next_cursor = _cursor(last.created_at, last.id) if last is not None else None
        return PredictionPage(rows=rows, next_cursor=next_cursor)
