"""Queries for public intake: open roles, candidates by email, and the application's rows."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.models import Candidate, Company, Role
from core.repositories.base import Repository


class IntakeRepository(Repository):
    def open_roles(self, company_slug: str | None = None) -> list[tuple[Role, Company]]:
        """Active roles with their company; all companies, or the one with ``company_slug``."""
        query = (
            select(Role, Company)
            .join(Company, Company.id == Role.company_id)
            .where(Role.status == "active")
            .order_by(Company.name, Role.title)
        )
        if company_slug:
            query = query.where(Company.slug == company_slug)
        return [(r, c) for r, c in self.session.execute(query)]

    def open_role(self, role_id: uuid.UUID) -> tuple[Role, Company] | None:
        row = self.session.execute(
            select(Role, Company)
            .join(Company, Company.id == Role.company_id)
            .where(Role.id == role_id, Role.status == "active")
        ).first()
        return (row[0], row[1]) if row else None

    def candidate_by_email(self, company_id: uuid.UUID, email: str) -> Candidate | None:
        return self.session.scalars(
            select(Candidate)
            .where(Candidate.company_id == company_id, Candidate.email == email)
            .order_by(Candidate.created_at)
        ).first()

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        self.session.flush()
