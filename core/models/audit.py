"""Append-only audit log of data changes and personal-data views."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey


class AuditLog(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("idx_audit_log_company_created", "company_id", "created_at"),
        Index("idx_audit_log_entity", "entity_type", "entity_id"),
    )

    # No foreign keys: audit rows outlive what they describe (GDPR erasure, deleted users).
    company_id: Mapped[uuid.UUID | None]
    actor_user_id: Mapped[uuid.UUID | None]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any] | None]
    client_address: Mapped[str | None] = mapped_column(String(64))
