"""Events counted by the database-backed rate limiter (logins, intake, API)."""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey


class RateLimitEvent(UUIDPrimaryKey, CreatedAt, Base):
    """One counted event in a bucket such as ``login-fail:user:<username>``.

    Kept in the database so every web process, the API and the worker agree.
    """

    __tablename__ = "rate_limit_events"
    __table_args__ = (Index("idx_rate_limit_events_bucket", "bucket", "created_at"),)

    bucket: Mapped[str] = mapped_column(String(200))
