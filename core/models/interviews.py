"""Interviews with generated questions and structured feedback."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import INTERVIEW_TYPES, in_check, score_check


class Interview(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "interviews"
    __table_args__ = (
        CheckConstraint(in_check("interview_type", INTERVIEW_TYPES), name="interview_type"),
        CheckConstraint(score_check("score"), name="score"),
        Index("idx_interviews_candidate", "candidate_id"),
        Index("idx_interviews_interviewer", "company_id", "interviewer_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    role_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    interview_type: Mapped[str | None] = mapped_column(String(50))
    scheduled_at: Mapped[datetime | None]
    conducted_at: Mapped[datetime | None]
    interviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    questions: Mapped[list[Any] | None]
    feedback: Mapped[dict[str, Any] | None]
    score: Mapped[int | None]
