"""Test helpers: logged-in AppTests, and independent SQL to check pages and services."""

from __future__ import annotations

import statistics
import uuid
from pathlib import Path

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

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
        spans = s.execute(
            select(Candidate.created_at, Hire.created_at)
            .join(Hire, Hire.candidate_id == Candidate.id)
            .where(Hire.company_id == company_id)
        ).all()
    days = sorted((hired - applied).days for applied, hired in spans)
    return {
        "Open roles": open_roles,
        "Active pipeline": active,
        "Hires": len(days),
        "Median days to hire": round(statistics.median(days)),
    }


APP = Path(__file__).resolve().parents[1] / "app.py"


def login_app(username: str, page: str | None = None) -> AppTest:
    """Run app.py as ``username`` (as after a login), optionally switched to ``page``."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py").run()
    return at
