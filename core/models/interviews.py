"""Interviews with generated questions and structured feedback."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import (
    INTERVIEW_STATUSES,
    INTERVIEW_TYPES,
    SCORECARD_RECOMMENDATIONS,
    in_check,
    score_check,
)


class Interview(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "interviews"
    __table_args__ = (
        CheckConstraint(in_check("interview_type", INTERVIEW_TYPES), name="interview_type"),
        CheckConstraint(score_check("score"), name="score"),
        CheckConstraint(in_check("status", INTERVIEW_STATUSES), name="status"),
        CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes BETWEEN 15 AND 480",
            name="duration_minutes",
        ),
        Index("idx_interviews_candidate", "candidate_id"),
        Index("idx_interviews_interviewer", "company_id", "interviewer_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    role_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    interview_type: Mapped[str | None] = mapped_column(String(50))
    scheduled_at: Mapped[datetime | None]
    conducted_at: Mapped[datetime | None]
    # The lead interviewer; the whole panel (the lead included) is in interview_panelists.
    interviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name the time was set in
    duration_minutes: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="scheduled", server_default="scheduled")
    # The invitation's iCalendar SEQUENCE: bumped by every reschedule and the cancellation.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    questions: Mapped[list[Any] | None]
    feedback: Mapped[dict[str, Any] | None]
    score: Mapped[int | None]


class InterviewPanelist(UUIDPrimaryKey, CreatedAt, Base):
    """One user on an interview's panel (invited, and later expected to give feedback)."""

    __tablename__ = "interview_panelists"
    __table_args__ = (
        UniqueConstraint("interview_id", "user_id", name="uq_interview_panelists_interview_user"),
        Index("idx_interview_panelists_user", "company_id", "user_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class InterviewScorecard(UUIDPrimaryKey, CreatedAt, Base):
    """One panelist's structured feedback on one interview. Submitted feedback is final: a
    correction is a new version (``supersedes_id`` names the one it replaces)."""

    __tablename__ = "interview_scorecards"
    __table_args__ = (
        UniqueConstraint(
            "interview_id", "interviewer_id", "version", name="uq_interview_scorecards_version"
        ),
        CheckConstraint(
            in_check("recommendation", SCORECARD_RECOMMENDATIONS), name="recommendation"
        ),
        CheckConstraint("version >= 1", name="version"),
        Index("idx_interview_scorecards_interview", "company_id", "interview_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    interviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version: Mapped[int]
    ratings: Mapped[dict[str, Any]]  # dimension -> 1-4 on the anchored scale
    evidence: Mapped[dict[str, Any]]  # dimension -> what was seen, in the interviewer's words
    recommendation: Mapped[str] = mapped_column(String(20))
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("interview_scorecards.id", ondelete="SET NULL")
    )
