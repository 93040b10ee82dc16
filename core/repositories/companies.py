"""Queries on companies."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from core.models import Company
from core.repositories.base import Repository


class CompanyRepository(Repository):
    def get(self, company_id: uuid.UUID) -> Company | None:
        return self.session.get(Company, company_id)

    def list_all(self) -> list[Company]:
        # The tenant list itself; callers restrict it to the acting user's company.
        return list(self.session.scalars(select(Company).order_by(Company.name)))

    def find(self, name_or_id: str) -> Company | None:
        """A company by id or by exact name (case-insensitive)."""
        try:
            return self.get(uuid.UUID(name_or_id))
        except ValueError:
            pass
        return self.session.scalars(
            select(Company).where(func.lower(Company.name) == name_or_id.strip().lower())
        ).one_or_none()
