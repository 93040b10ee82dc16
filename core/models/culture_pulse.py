"""Culture pulse: the rounds (pulses), who was asked, and the anonymous answers.

An answer (``culture_pulse_checks``) is stored apart from who gave it: its ``employee_id``
stays empty and its ``created_at`` is the pulse's opening time, so neither links it back to
a person. Who answered lives only in ``culture_pulse_participants`` (for the reminder), as a
flag without a time. ``employee_id`` is kept for the seed schema and is never written.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import score_check


class CulturePulse(UUIDPrimaryKey, CreatedAt, Base):
    """One round of the survey, with the questions as they were asked."""

    __tablename__ = "culture_pulses"
    __table_args__ = (Index("idx_culture_pulses_company_opened", "company_id", "opened_at"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # [{"key", "text", "scale": "agree5" | "nps", "value"?, "dimension"?}]: a snapshot, so a
    # later DNA rescan does not change what an earlier round asked.
    questions: Mapped[list[Any]]
    opened_by: Mapped[str] = mapped_column(String(100))  # a username, or "worker"
    reminded_at: Mapped[datetime | None]


class CulturePulseParticipant(UUIDPrimaryKey, Base):
    """An employee asked in a pulse; ``answered`` (no time kept) drives the one reminder."""

    __tablename__ = "culture_pulse_participants"
    __table_args__ = (
        UniqueConstraint("pulse_id", "employee_id", name="uq_culture_pulse_participant"),
        Index("idx_culture_pulse_participants_employee", "company_id", "employee_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    pulse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("culture_pulses.id", ondelete="CASCADE"))
    employee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    team: Mapped[str | None] = mapped_column(String(100))  # their department when asked
    answered: Mapped[bool] = mapped_column(default=False)
    reminded: Mapped[bool] = mapped_column(default=False)


class CulturePulseCheck(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "culture_pulse_checks"
    __table_args__ = (
        CheckConstraint(score_check("alignment_score"), name="alignment_score"),
        CheckConstraint(score_check("builder_mindset_score"), name="builder_mindset_score"),
        CheckConstraint("enps IS NULL OR (enps >= 0 AND enps <= 10)", name="enps"),
        Index("idx_culture_pulse_company_created", "company_id", "created_at"),
        Index("idx_culture_pulse_employee", "employee_id"),
        Index("idx_culture_pulse_checks_pulse", "company_id", "pulse_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # Seed column; never written (see the module docstring).
    employee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    pulse_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("culture_pulses.id", ondelete="CASCADE")
    )
    team: Mapped[str | None] = mapped_column(String(100))
    alignment_score: Mapped[int | None]  # 0-100, from the stated-value questions
    builder_mindset_score: Mapped[int | None]  # 0-100
    enps: Mapped[int | None]  # the 0-10 answer
    # {"answers": {question key: 1-5 or 0-10}, "comment": str | None}
    pulse_data: Mapped[dict[str, Any] | None]
