"""Test helpers: independent SQL counts to check pages and services against."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from core.db import Database
from core.models import Candidate, Company, Hire, Role


def company_ids_by_name(db: Database) -> dict[str, uuid.UUID]:
    with db.uow() as uow:
        return {c.name: c.id for c in uow.session.scalars(select(Company))}


def expected_overview(db: Database, company_id: uuid.UUID) -> dict[str, int]:
    """The overview's figures computed straight from the tables."""
    with db.uow() as uow:
        s = uow.session
        open_roles = s.scalar(
            select(func.count()).where(Role.company_id == company_id, Role.status == "active")
        )
        active = s.scalar(
            select(func.count()).where(
                Candidate.company_id == company_id,
                Candidate.status.in_(("applied", "screening", "interview", "offer")),
            )
        )
        hires = s.scalar(select(func.count()).where(Hire.company_id == company_id))
    return {"Open roles": open_roles, "Active pipeline": active, "Hires": hires}
