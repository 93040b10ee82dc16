"""Open positions with their generated role intelligence and job description."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps, UUIDPrimaryKey
from core.models.enums import ROLE_PRIORITIES, ROLE_STATUSES, in_check


class Role(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "roles"
    __table_args__ = (
        CheckConstraint(in_check("priority", ROLE_PRIORITIES), name="priority"),
        CheckConstraint(in_check("status", ROLE_STATUSES), name="status"),
        Index("idx_roles_company_status", "company_id", "status"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    department: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    role_intelligence: Mapped[dict[str, Any] | None]
    jd_text: Mapped[str | None] = mapped_column(Text)
    jd_generated_at: Mapped[datetime | None]


class RoleEmbedding(Base):
    """MiniLM embedding of a role's title and job description, for matching and retrieval."""

    __tablename__ = "role_embeddings"
    __table_args__ = (Index("idx_role_embeddings_company", "company_id"),)

    role_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(100))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    text_sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
