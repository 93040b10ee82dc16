"""Onboarding plans for hires and their 7/30/60/90-day checkpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import ONBOARDING_STATUSES, in_check, score_check


class OnboardingPlan(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "onboarding_plans"
    __table_args__ = (
        CheckConstraint(in_check("status", ONBOARDING_STATUSES), name="status"),
        Index("idx_onboarding_plans_company", "company_id", "status"),
    )

    hire_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hires.id", ondelete="CASCADE"), unique=True
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    plan_data: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(50), default="pending")
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class OnboardingCheckpoint(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "onboarding_checkpoints"
    __table_args__ = (
        CheckConstraint("checkpoint_day > 0", name="checkpoint_day"),
        CheckConstraint(score_check("alignment_score"), name="alignment_score"),
        UniqueConstraint("onboarding_plan_id", "checkpoint_day", name="uq_checkpoint_plan_day"),
        Index("idx_onboarding_checkpoints_due", "company_id", "due_date"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    onboarding_plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("onboarding_plans.id", ondelete="CASCADE")
    )
    checkpoint_day: Mapped[int]
    due_date: Mapped[date | None]
    alignment_score: Mapped[int | None]
    feedback: Mapped[dict[str, Any] | None]
    completed_at: Mapped[datetime | None]
