"""Data-subject requests (access, erasure) from the careers page, verified by email."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey


class PrivacyRequest(UUIDPrimaryKey, CreatedAt, Base):
    """One request: asked for by email, confirmed through a one-time link (only the token's
    SHA-256 is kept), then fulfilled by an admin before ``due_at``. ``email`` is cleared when
    an erasure is fulfilled; ``email_sha256`` stays as the record of whom it was about."""

    __tablename__ = "privacy_requests"
    __table_args__ = (
        CheckConstraint("kind IS NULL OR kind IN ('access', 'erasure')", name="kind"),
        CheckConstraint("status IN ('pending', 'confirmed', 'fulfilled')", name="status"),
        Index("idx_privacy_requests_company_status", "company_id", "status", "due_at"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(255))
    email_sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(20))  # chosen when the link is opened
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]  # the link's end
    status: Mapped[str] = mapped_column(String(20), default="pending")
    confirmed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]  # GDPR Art. 12(3): one month from the confirmed request
    fulfilled_at: Mapped[datetime | None]
    fulfilled_by: Mapped[str | None] = mapped_column(String(100))
