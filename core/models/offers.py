"""Offers made to candidates, and the one-time invitations that let a new hire set a
password."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey


class Offer(UUIDPrimaryKey, CreatedAt, Base):
    """An offer as made when the candidate moved to ``offer`` (a revised one is a new row)."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("salary > 0", name="salary"),
        Index("idx_offers_candidate", "company_id", "candidate_id", "created_at"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    role_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    salary: Mapped[int]  # annual
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date]
    # Why a salary outside the role's band was offered anyway (None: within the band).
    band_exception: Mapped[str | None] = mapped_column(Text)
    made_by: Mapped[str] = mapped_column(String(100))


class UserInvitation(UUIDPrimaryKey, CreatedAt, Base):
    """A one-time link for a new user to set their password; only the token's SHA-256 is
    kept, and it works once, before ``expires_at``."""

    __tablename__ = "user_invitations"
    __table_args__ = (Index("idx_user_invitations_user", "user_id"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
