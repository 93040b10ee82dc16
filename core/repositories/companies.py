"""Queries on companies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, or_, select

from core.models import Company, Employee, Hire, Role
from core.repositories.base import Repository


@dataclass(frozen=True)
class EmployeeRow:
    full_name: str
    title: str | None
    department: str | None
    startupos_member_id: str | None
    hire_id: uuid.UUID | None


@dataclass(frozen=True)
class PositionRow:
    """A role's title and department: an open role, or the role a hire was made for."""

    title: str | None
    department: str | None


@dataclass(frozen=True)
class TeamRecords:
    """What PeopleOS holds about a company's team, for counting it by function."""

    employees: list[EmployeeRow]  # on the team on the given day
    pending_hires: list[PositionRow]  # hired through PeopleOS, no employee record yet
    open_roles: list[PositionRow]  # roles being hired for


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

    def team_records(self, company_id: uuid.UUID, today: date) -> TeamRecords:
        """Employees on the team ``today``, hires yet to become employees, and open roles."""
        employees = self.session.execute(
            select(
                Employee.full_name,
                Employee.title,
                Employee.department,
                Employee.startupos_member_id,
                Employee.hire_id,
            )
            .where(
                Employee.company_id == company_id,
                Employee.status == "active",
                # The status is set at sync time; an end date reached since then counts too.
                or_(Employee.end_date.is_(None), Employee.end_date > today),
            )
            .order_by(Employee.full_name, Employee.id)
        )
        has_employee = exists().where(Employee.hire_id == Hire.id)
        # A hire with an outcome has been judged on the job, so is no longer "yet to start".
        pending = self.session.execute(
            select(Role.title, Role.department)
            .select_from(Hire)
            .outerjoin(Role, (Role.id == Hire.role_id) & (Role.company_id == company_id))
            .where(Hire.company_id == company_id, Hire.actual_outcome.is_(None), ~has_employee)
            .order_by(Hire.id)
        )
        open_roles = self.session.execute(
            select(Role.title, Role.department)
            .where(Role.company_id == company_id, Role.status == "active")
            .order_by(Role.title, Role.id)
        )
        return TeamRecords(
            [EmployeeRow(*row) for row in employees],
            [PositionRow(*row) for row in pending],
            [PositionRow(*row) for row in open_roles],
        )
