"""StartupOS sync runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import SYNC_STATUSES, SYNC_TYPES, in_check


class StartuposSync(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "startupos_sync"
    __table_args__ = (
        CheckConstraint(in_check("sync_type", SYNC_TYPES), name="sync_type"),
        CheckConstraint(in_check("sync_status", SYNC_STATUSES), name="sync_status"),
        Index("idx_startupos_sync_company", "company_id", "created_at"),
    )

    company_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE")
    )
    sync_type: Mapped[str | None] = mapped_column(String(50))
    data_snapshot: Mapped[dict[str, Any] | None]
    sync_status: Mapped[str | None] = mapped_column(String(50))
    counts: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    synced_at: Mapped[datetime | None]
