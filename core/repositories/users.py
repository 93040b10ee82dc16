"""Queries on users."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from core.models import Company, User
from core.repositories.base import Repository


def normalise_username(username: str) -> str:
    """Usernames are stored and looked up lower-case and trimmed."""
    return username.strip().lower()


class UserRepository(Repository):
    def get_by_username(self, username: str) -> User | None:
        """Usernames are global (one login page); callers check the company themselves."""
        return self.session.scalars(
            select(User).where(User.username == normalise_username(username))
        ).one_or_none()

    def get(self, company_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
        return self.session.scalars(
            select(User).where(User.company_id == company_id, User.id == user_id)
        ).one_or_none()

    def list(self, company_id: uuid.UUID) -> list[User]:
        return list(
            self.session.scalars(
                select(User).where(User.company_id == company_id).order_by(User.username)
            )
        )

    def count_active_admins(self, company_id: uuid.UUID) -> int:
        return (
            self.session.scalar(
                select(func.count()).where(
                    User.company_id == company_id, User.role == "admin", User.is_active
                )
            )
            or 0
        )

    def add(self, user: User) -> None:
        self.session.add(user)

    def list_with_company(self) -> list[tuple[User, str]]:
        """Every user with their company's name (admin CLI and demo output only)."""
        rows = self.session.execute(
            select(User, Company.name)
            .join(Company, Company.id == User.company_id)
            .order_by(Company.name, User.username)
        )
        return [(user, name) for user, name in rows]
