"""Shared fixtures: a fresh database per test run on SQLite or PostgreSQL.

``PEOPLEOS_TEST_BACKEND=postgresql`` runs the database tests on PostgreSQL at
``PEOPLEOS_TEST_DATABASE_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
Every run creates its own databases and drops them at the end. With ``CI`` set an
unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

from core.db import Database
from core.models import Base
from core.services import database as database_service

BACKEND = os.environ.get("PEOPLEOS_TEST_BACKEND", "sqlite")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEMO_AS_OF = date(2026, 11, 1)
DEMO_PASSWORD = "peopleos-demo-2026"


def require_shared(path: Path) -> None:
    """Skip when the shared public data sets are not next to the checkout; under CI, fail.

    CI always provides ``../shared/data``; a missing copy there is a broken setup, not a
    reason to skip the tests that measure against real data.
    """
    if path.exists():
        return
    message = f"shared reference data not found at {path}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def pytest_report_header(config: pytest.Config) -> str:
    return f"PeopleOS database backend: {BACKEND}"


def _pg_server_url() -> str:
    return os.environ.get("PEOPLEOS_TEST_DATABASE_URL", DEFAULT_PG_URL)


class _PostgresDatabases:
    """Creates uniquely named databases on the server and drops them afterwards."""

    def __init__(self, server_url: str) -> None:
        self.server_url = make_url(server_url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def check(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text("SELECT 1"))

    def create(self) -> str:
        name = f"peopleos_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def new_database_url(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[], str]]:
    """A factory of URLs of new, empty databases on the test backend."""
    if BACKEND == "sqlite":
        folder = tmp_path_factory.mktemp("db")
        yield lambda: f"sqlite:///{folder / uuid.uuid4().hex}.db"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"PEOPLEOS_TEST_BACKEND must be sqlite or postgresql: {BACKEND}")
    pg = _PostgresDatabases(_pg_server_url())
    try:
        pg.check()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        message = f"PostgreSQL at {pg.server_url.render_as_string()} is unreachable: {exc}"
        if os.environ.get("CI"):
            pytest.exit(message, returncode=1)
        pytest.skip(message)
    try:
        yield pg.create
    finally:
        pg.drop_all()


@pytest.fixture(scope="session")
def migrated_url(new_database_url: Callable[[], str]) -> str:
    url = new_database_url()
    database_service.upgrade(url)
    return url


@pytest.fixture
def db(migrated_url: str) -> Iterator[Database]:
    """The migrated test database, emptied after each test."""
    database = Database(migrated_url)
    try:
        yield database
    finally:
        with database.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(delete(table))
        database.dispose()


def score_world(database: Database) -> None:
    """Score every demo candidate with the prior models, as `demo seed` does (no MiniLM)."""
    from datetime import UTC, datetime

    from core.services import analytics, scoring

    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    scoring.ensure_prior(database.uow(), now)
    models = scoring.load_models()
    for company in analytics.list_companies(database.uow()):
        scoring.rescore_company(database, company.id, models, now, trigger="demo")


@pytest.fixture(scope="session")
def seeded_url(new_database_url: Callable[[], str]) -> str:
    """A database holding the standard demo world (3 companies, 400 candidates, seed 7)."""
    from core.services import demo  # the generator is heavy; load it only when needed

    url = new_database_url()
    database_service.upgrade(url)
    database = Database(url)
    try:
        demo.seed_demo(
            database.uow(),
            companies=3,
            candidates=400,
            seed=7,
            as_of=DEMO_AS_OF,
            password=DEMO_PASSWORD,
        )
        score_world(database)
    finally:
        database.dispose()
    return url


@pytest.fixture
def seeded_db(seeded_url: str) -> Iterator[Database]:
    database = Database(seeded_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def app_env(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app (run in-process by AppTest) at the seeded database."""
    from core.config import get_settings

    monkeypatch.setenv("PEOPLEOS_DATABASE_URL", seeded_url)
    get_settings.cache_clear()
    yield seeded_url
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def world(new_database_url: Callable[[], str]) -> Iterator[Database]:
    """A small demo world (two companies, every role) per test module, for tests that write."""
    from core.services import demo

    url = new_database_url()
    database_service.upgrade(url)
    db = Database(url)
    demo.seed_demo(
        db.uow(), companies=2, candidates=80, seed=5, as_of=DEMO_AS_OF, password=DEMO_PASSWORD
    )
    score_world(db)
    yield db
    db.dispose()


@pytest.fixture
def world_app(world: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The app (run in-process by AppTest) pointed at the module's writable world."""
    from core.config import get_settings

    monkeypatch.setenv("PEOPLEOS_DATABASE_URL", world.url)
    get_settings.cache_clear()
    yield world
    get_settings.cache_clear()
