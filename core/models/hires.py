"""Hires: candidates who accepted an offer, with their real outcome."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import HIRE_OUTCOMES, in_check, score_check


class Hire(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "hires"
    __table_args__ = (
        CheckConstraint(in_check("actual_outcome", HIRE_OUTCOMES), name="actual_outcome"),
        CheckConstraint(score_check("predicted_fit_score"), name="predicted_fit_score"),
        CheckConstraint("retention_days IS NULL OR retention_days >= 0", name="retention_days"),
        Index("idx_hires_company", "company_id"),
    )

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), unique=True
    )
    role_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    start_date: Mapped[date | None]
    predicted_fit_score: Mapped[int | None]
    actual_outcome: Mapped[str | None] = mapped_column(String(50))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    retention_days: Mapped[int | None]
