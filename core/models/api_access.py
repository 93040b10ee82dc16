"""Access to the REST API: refresh tokens of logged-in users and keys of service accounts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey


class ApiRefreshToken(UUIDPrimaryKey, CreatedAt, Base):
    """One refresh token of an API login. Only its SHA-256 is kept. Every refresh spends
    the token (``used_at``) and issues the next of the same family (one login); a spent
    token presented again means it was copied, so the whole family is revoked."""

    __tablename__ = "api_refresh_tokens"
    __table_args__ = (
        Index("idx_api_refresh_tokens_family", "family_id"),
        Index("idx_api_refresh_tokens_expires", "expires_at"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    client_address: Mapped[str | None] = mapped_column(String(64))


class ApiKey(UUIDPrimaryKey, CreatedAt, Base):
    """A service account's key: its holder acts for the company with exactly the listed
    permissions. The secret is shown once; only its SHA-256 and a short prefix (to tell
    keys apart in lists) are kept."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("idx_api_keys_company", "company_id", "revoked_at"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    permissions: Mapped[list[Any]]
    created_by: Mapped[str] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
