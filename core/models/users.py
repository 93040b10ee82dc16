"""People who log in to PeopleOS."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps, UUIDPrimaryKey
from core.models.enums import USER_ROLES, in_check


class User(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(in_check("role", USER_ROLES), name="role"),
        Index("idx_users_company", "company_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change or "log out everywhere" so older login cookies stop working.
    token_version: Mapped[int] = mapped_column(default=1)
    # Login cookies issued before this moment are refused (password change, log out everywhere).
    sessions_revoked_at: Mapped[datetime | None]
    employee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    last_login_at: Mapped[datetime | None]
