"""The feedback loop: model outputs, the real outcomes matched to them, the model registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import MODEL_STATUSES, in_check

_NUMBER = Numeric(18, 6, asdecimal=False)


class Prediction(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "predictions"
    __table_args__ = (
        Index("idx_predictions_entity", "entity_type", "entity_id"),
        Index("idx_predictions_company_type", "company_id", "prediction_type"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    entity_type: Mapped[str | None] = mapped_column(String(50))
    entity_id: Mapped[uuid.UUID | None]
    prediction_type: Mapped[str | None] = mapped_column(String(50))
    predicted_value: Mapped[float | None] = mapped_column(_NUMBER)
    confidence: Mapped[float | None] = mapped_column(_NUMBER)
    model_version: Mapped[str | None] = mapped_column(String(50))
    features: Mapped[dict[str, Any] | None]


class Outcome(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "outcomes"
    __table_args__ = (Index("idx_outcomes_prediction", "prediction_id"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    prediction_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE")
    )
    actual_value: Mapped[float | None] = mapped_column(_NUMBER)
    accuracy: Mapped[float | None] = mapped_column(_NUMBER)
    feedback_data: Mapped[dict[str, Any] | None]


class ModelVersion(UUIDPrimaryKey, CreatedAt, Base):
    """A registered model (or the synthetic generator's ground truth, status 'reference')."""

    __tablename__ = "model_versions"
    __table_args__ = (
        CheckConstraint(in_check("status", MODEL_STATUSES), name="status"),
        UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
    )

    # NULL company: a global prior shared by all companies.
    company_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    metrics: Mapped[dict[str, Any] | None]
    feature_names: Mapped[list[Any] | None]
    artifact_path: Mapped[str | None] = mapped_column(String(500))  # its local cache file
    # The pickled model itself, so every process on any machine loads the same one; deferred
    # so listing versions does not read megabytes. NULL only on rows registered before 0017.
    artifact: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    artifact_sha256: Mapped[str | None] = mapped_column(String(64))
    trained_at: Mapped[datetime | None]
