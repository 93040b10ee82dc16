"""Queries on users."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Company, User
from core.repositories.base import Repository


class UserRepository(Repository):
    def list_with_company(self) -> list[tuple[User, str]]:
        """Every user with their company's name (admin and CLI use only)."""
        rows = self.session.execute(
            select(User, Company.name)
            .join(Company, Company.id == User.company_id)
            .order_by(Company.name, User.username)
        )
        return [(user, name) for user, name in rows]
