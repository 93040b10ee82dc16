"""Employees: the StartupOS team plus everyone hired through PeopleOS."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps, UUIDPrimaryKey
from core.models.enums import EMPLOYEE_STATUSES, in_check


class Employee(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint(in_check("status", EMPLOYEE_STATUSES), name="status"),
        CheckConstraint("level IS NULL OR (level >= 0 AND level <= 3)", name="level"),
        CheckConstraint("salary IS NULL OR salary > 0", name="salary"),
        UniqueConstraint("company_id", "startupos_member_id", name="uq_employees_startupos_member"),
        Index("idx_employees_company_status", "company_id", "status"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    startupos_member_id: Mapped[str | None] = mapped_column(String(64))
    hire_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hires.id", ondelete="SET NULL"))
    full_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    department: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="active")
    # For the retention model: level 0-3 (junior, mid, senior, staff+), annual salary in
    # the company's currency, and the last change of title, level or pay.
    level: Mapped[int | None]
    salary: Mapped[int | None]
    last_change_on: Mapped[date | None]
