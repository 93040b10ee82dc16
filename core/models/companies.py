"""Companies (tenants, mirrored from StartupOS) and their DNA dimensions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey
from core.models.enums import COMPANY_STAGES, in_check


class Company(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint(in_check("stage", COMPANY_STAGES), name="stage"),
        CheckConstraint("runway_months IS NULL OR runway_months >= 0", name="runway"),
        CheckConstraint("team_size IS NULL OR team_size >= 0", name="team_size"),
        Index("idx_companies_startupos_id", "startupos_id"),
        Index("idx_dna_profile", "dna_profile", postgresql_using="gin"),
    )

    startupos_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(255))
    # Public handle for the careers page URL (?company=slug).
    slug: Mapped[str | None] = mapped_column(String(60), unique=True)
    stage: Mapped[str] = mapped_column(String(50))
    funding_stage: Mapped[str | None] = mapped_column(String(50))
    runway_months: Mapped[int | None]
    team_size: Mapped[int | None]
    dna_profile: Mapped[dict[str, Any] | None]
    dna_updated_at: Mapped[datetime | None]


class CompanyDnaDimension(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "company_dna_dimensions"
    __table_args__ = (Index("idx_company_dna_dimensions_company", "company_id", "dimension_type"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    dimension_type: Mapped[str] = mapped_column(String(50))
    dimension_data: Mapped[dict[str, Any]]
