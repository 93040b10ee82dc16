"""Alembic: upgrade creates every table, the schema equals the ORM, downgrade removes it."""

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core.db import make_engine
from core.models import SEED_TABLES, Base
from core.services import database

pytestmark = pytest.mark.db


def test_upgrade_creates_every_table_and_matches_the_orm(
    new_database_url: Callable[[], str],
) -> None:
    url = new_database_url()
    database.upgrade(url)
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(SEED_TABLES) <= tables
        assert set(Base.metadata.tables) | {"alembic_version"} == tables
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == [], f"schema drift between migrations and ORM: {diff}"
        if engine.dialect.name == "postgresql":
            indexes = {i["name"]: i for i in inspect(engine).get_indexes("companies")}
            assert indexes["idx_dna_profile"]["dialect_options"]["postgresql_using"] == "gin"
            columns = {c["name"]: c for c in inspect(engine).get_columns("companies")}
            assert columns["dna_profile"]["type"].__class__.__name__ == "JSONB"
    finally:
        engine.dispose()
    assert database.current_revision(url) == database.head_revision()


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(
    new_database_url: Callable[[], str],
) -> None:
    url = new_database_url()
    database.upgrade(url)
    database.downgrade(url, "base")
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    assert database.current_revision(url) is None
    database.upgrade(url)
    assert database.current_revision(url) == database.head_revision()


def test_migrating_down_and_up_keeps_every_row(new_database_url: Callable[[], str]) -> None:
    """Batch migrations rebuild SQLite tables; no row may be lost through cascades."""
    from datetime import date

    from sqlalchemy import func, select

    from core.db import Database
    from core.services import demo

    url = new_database_url()
    database.upgrade(url)
    db = Database(url)
    try:
        demo.seed_demo(
            db.uow(),
            companies=1,
            candidates=30,
            seed=2,
            as_of=date(2026, 11, 1),
            password="peopleos-demo-2026",
        )
        tables = (
            "companies",
            "roles",
            "candidates",
            "users",
            "interviews",
            "hires",
            "employees",
            "culture_pulse_checks",
            "onboarding_checkpoints",
        )

        def counts() -> dict[str, int]:
            with db.engine.connect() as conn:
                return {
                    t: conn.execute(
                        select(func.count()).select_from(Base.metadata.tables[t])
                    ).scalar()
                    for t in tables
                }

        before = counts()
        assert all(before.values())
        with db.engine.connect() as conn:
            interviewers = conn.execute(
                select(func.count()).where(
                    Base.metadata.tables["interviews"].c.interviewer_id.is_not(None)
                )
            ).scalar()
        database.downgrade(url, "0001")
        database.upgrade(url)
        assert counts() == before
        with db.engine.connect() as conn:
            assert (
                conn.execute(
                    select(func.count()).where(
                        Base.metadata.tables["interviews"].c.interviewer_id.is_not(None)
                    )
                ).scalar()
                == interviewers
            )
    finally:
        db.dispose()
