"""Culture pulse check answers from employees."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import score_check


class CulturePulseCheck(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "culture_pulse_checks"
    __table_args__ = (
        CheckConstraint(score_check("alignment_score"), name="alignment_score"),
        CheckConstraint(score_check("builder_mindset_score"), name="builder_mindset_score"),
        Index("idx_culture_pulse_company_created", "company_id", "created_at"),
        Index("idx_culture_pulse_employee", "employee_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    employee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    alignment_score: Mapped[int | None]
    builder_mindset_score: Mapped[int | None]
    pulse_data: Mapped[dict[str, Any] | None]
