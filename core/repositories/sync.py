"""Queries for StartupOS syncs: sync runs, companies by StartupOS id, team members."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.models import Company, CompanyDnaDimension, Employee, StartuposSync
from core.repositories.base import Repository


class SyncRepository(Repository):
    def add(self, row: StartuposSync) -> None:
        self.session.add(row)

    def last_succeeded(self, company_id: uuid.UUID) -> StartuposSync | None:
        return self.session.scalars(
            select(StartuposSync)
            .where(StartuposSync.company_id == company_id, StartuposSync.sync_status == "succeeded")
            .order_by(StartuposSync.created_at.desc())
            .limit(1)
        ).first()

    def list(self, company_id: uuid.UUID, limit: int = 50) -> list[StartuposSync]:
        return list(
            self.session.scalars(
                select(StartuposSync)
                .where(StartuposSync.company_id == company_id)
                .order_by(StartuposSync.created_at.desc())
                .limit(limit)
            )
        )

    def company_by_startupos_id(self, startupos_id: uuid.UUID) -> Company | None:
        return self.session.scalars(
            select(Company).where(Company.startupos_id == startupos_id)
        ).one_or_none()

    def slug_taken(self, slug: str) -> bool:
        return self.session.scalar(select(Company.id).where(Company.slug == slug)) is not None

    def add_company(self, company: Company) -> None:
        self.session.add(company)
        self.session.flush()

    def members(self, company_id: uuid.UUID) -> dict[str, Employee]:
        """Employees that came from StartupOS, by their StartupOS member id."""
        rows = self.session.scalars(
            select(Employee).where(
                Employee.company_id == company_id, Employee.startupos_member_id.is_not(None)
            )
        )
        return {e.startupos_member_id: e for e in rows if e.startupos_member_id}

    def add_employee(self, employee: Employee) -> None:
        self.session.add(employee)


class CompanyDnaRepository(Repository):
    def add(self, row: CompanyDnaDimension) -> None:
        self.session.add(row)

    def list(self, company_id: uuid.UUID, dimension_type: str, limit: int = 50) -> list:
        return list(
            self.session.scalars(
                select(CompanyDnaDimension)
                .where(
                    CompanyDnaDimension.company_id == company_id,
                    CompanyDnaDimension.dimension_type == dimension_type,
                )
                .order_by(CompanyDnaDimension.created_at.desc())
                .limit(limit)
            )
        )
