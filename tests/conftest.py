"""Shared fixtures: databases on SQLite or PostgreSQL, and demo worlds copied from templates.

``PEOPLEOS_TEST_BACKEND=postgresql`` runs the database tests on PostgreSQL at
``PEOPLEOS_TEST_DATABASE_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
Every run creates its own databases (``peopleos_test_<run>_*``) and drops them at the end.
With ``CI`` set an unreachable PostgreSQL fails the run instead of skipping.

The demo worlds are seeded once per run into template databases and copied for each user
(a SQLite file copy, or ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL): one process builds
each template under a lock, and the pytest-xdist workers of the run share it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):
    # One worker per core already keeps the cores busy; torch, OpenMP and BLAS would each
    # start a thread per core in every worker, and those threads spin against each other.
    # Set before numpy (or anything using OpenMP or BLAS) is imported: they read it once.
    for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

from core.db import Database
from core.models import Base
from core.services import database as database_service
from core.services import model_registry

BACKEND = os.environ.get("PEOPLEOS_TEST_BACKEND", "sqlite")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEMO_AS_OF = date(2026, 11, 1)
DEMO_PASSWORD = "peopleos-demo-2026"
RUN_ENV = "PEOPLEOS_TEST_RUN"  # set by the controlling process, inherited by its workers
RUN_DIR_ENV = "PEOPLEOS_TEST_RUN_DIR"
# The test settings: the published test keys, the same in every worker and app server of the
# run whatever PEOPLEOS_DATA_DIR a test sets (a development data key lives in the data dir).
os.environ.setdefault("PEOPLEOS_ENV", "test")


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


def _is_controller(config: pytest.Config) -> bool:
    """The process that runs the session: the only one, or the one steering xdist workers."""
    return not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _is_controller(config):
        # Workers are started later and inherit the environment: they share the run's name
        # (in its database names) and its folder (templates and their locks).
        token = uuid.uuid4().hex[:8]
        os.environ[RUN_ENV] = token
        os.environ[RUN_DIR_ENV] = tempfile.mkdtemp(prefix=f"peopleos-tests-{token}-")
        # Under CI a missing server fails the run here, once, before any worker starts.
        if BACKEND == "postgresql" and os.environ.get("CI"):
            problem = _PostgresDatabases(_pg_server_url()).unreachable()
            if problem:
                pytest.exit(problem, returncode=1)


def pytest_unconfigure(config: pytest.Config) -> None:
    """After every worker has finished: drop what the run left (templates) and its folder."""
    if not _is_controller(config) or RUN_DIR_ENV not in os.environ:
        return
    if BACKEND == "postgresql":
        _PostgresDatabases(_pg_server_url()).drop_run_leftovers()
    shutil.rmtree(os.environ[RUN_DIR_ENV], ignore_errors=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with browser or slow tests first, each in its own order: pytest-xdist hands
    out whole modules in this order, so the long ones start early and the workers finish
    together instead of one waiting for the other's last long module."""
    heavy = Counter(
        item.path
        for item in items
        if item.get_closest_marker("browser") or item.get_closest_marker("slow")
    )
    first: dict[Path, int] = {}
    for index, item in enumerate(items):
        first.setdefault(item.path, index)
    items.sort(key=lambda item: (-heavy[item.path], first[item.path]))


def _run_dir() -> Path:
    return Path(os.environ[RUN_DIR_ENV])


@contextmanager
def _locked(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created if missing), across processes; yields
    whether it is held (without ``wait``, False when another process holds it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pg_server_url() -> str:
    return os.environ.get("PEOPLEOS_TEST_DATABASE_URL", DEFAULT_PG_URL)


class _PostgresDatabases:
    """Creates uniquely named databases on the server and drops them afterwards."""

    def __init__(self, server_url: str) -> None:
        self.server_url = make_url(server_url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        self.prefix = f"peopleos_test_{os.environ[RUN_ENV]}_"

    def unreachable(self) -> str | None:
        """Why the server cannot be used, or None when it answers."""
        try:
            with self.admin.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
            self.admin.dispose()
            return f"PostgreSQL at {self.server_url.render_as_string()} is unreachable: {exc}"
        return None

    def url(self, name: str) -> str:
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None, name: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); returns its URL."""
        name = name or f"{self.prefix}{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        if not name.startswith(f"{self.prefix}tpl_"):  # templates outlive this process
            self.created.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()

    def drop_run_leftovers(self) -> None:
        """Drop every database of this run (its templates, and any a crashed worker left)."""
        try:
            with self.admin.connect() as conn:
                names = conn.scalars(
                    text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"),
                    {"prefix": self.prefix},
                ).all()
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception:  # noqa: BLE001 - no server, nothing was created on it
            pass
        finally:
            self.admin.dispose()


class _Backend:
    """New databases on the test backend: empty ones, and copies of the run's templates."""

    def __init__(self, folder: Path, pg: _PostgresDatabases | None) -> None:
        self.folder = folder
        self.pg = pg

    def new(self, name: str | None = None) -> str:
        if self.pg is None:
            return f"sqlite:///{self.folder / (name or uuid.uuid4().hex)}.db"
        return self.pg.create(name=name and f"{self.pg.prefix}{name}")

    def copy(self, template_url: str, name: str | None = None) -> str:
        """A new database holding what the (idle) template holds."""
        if self.pg is None:
            url = self.new(name)
            source = sqlite3.connect(make_url(template_url).database)
            target = sqlite3.connect(make_url(url).database)
            try:
                source.backup(target)  # a consistent copy, write-ahead log included
            finally:
                target.close()
                source.close()
            return url
        return self.pg.create(
            template=make_url(template_url).database, name=name and f"{self.pg.prefix}{name}"
        )

    def template(self, name: str, build: Callable[[str], None], base: str | None = None) -> str:
        """The URL of the run's template ``name``, built once by ``build(url)`` on an empty
        database (or on a copy of the template ``base``) by whichever process asks first."""
        built = _run_dir() / f"{name}.built"
        with _locked(_run_dir() / f"{name}.lock"):
            if not built.exists():
                home = self if self.pg else _Backend(_run_dir(), None)
                attempt = f"tpl_{name}_{uuid.uuid4().hex[:6]}"  # a failed one is swept at the end
                url = home.copy(base, attempt) if base else home.new(attempt)
                build(url)  # leaves no connection open: a template is copied only when idle
                built.write_text(url)
            return built.read_text()


@pytest.fixture(scope="session")
def _backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Backend]:
    if BACKEND == "sqlite":
        yield _Backend(tmp_path_factory.mktemp("db"), None)
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"PEOPLEOS_TEST_BACKEND must be sqlite or postgresql: {BACKEND}")
    pg = _PostgresDatabases(_pg_server_url())
    problem = pg.unreachable()
    if problem:
        if os.environ.get("CI"):
            pytest.exit(problem, returncode=1)
        pytest.skip(problem)
    try:
        yield _Backend(tmp_path_factory.mktemp("db"), pg)
    finally:
        pg.drop_all()


@pytest.fixture(scope="session", autouse=True)
def _prior_models() -> None:
    """Make the prior models (fit and success; retention) before any test needs them, once
    per checkout: copied from this machine's cache of priors, else trained (and cached).

    They live in data/local, shared by every process of the run (and by a SQLite and a
    PostgreSQL run side by side). Each has a lock of its own, and a process first takes one
    that nobody holds: where they must be trained, two processes train the two at once, one
    per core, while the others wait for both.
    """
    from core.services import prior_cache, retention_models
    from ml import retention as rm
    from ml import synthetic_retention, training

    fit = model_registry.artifact_path(training.PRIOR_VERSION)
    # The retention prior too: else every test process of a fresh clone that scores
    # retention first would train its own copy at the same time.
    retention = retention_models.artifact_file(retention_models.PRIOR_VERSION)
    priors = (
        (fit, lambda: training.dump(training.train_prior(), fit)),
        (retention, lambda: rm.dump(synthetic_retention.train_prior(), retention)),
    )
    for wait in (False, True):
        for artifact, train in priors:
            if artifact.exists():
                continue
            with _locked(artifact.with_name(f".{artifact.name}.lock"), wait=wait) as held:
                if held and not artifact.exists():
                    prior_cache.build(artifact, train)


@pytest.fixture(scope="session")
def new_database_url(_backend: _Backend) -> Callable[[], str]:
    """A factory of URLs of new, empty databases on the test backend."""
    return _backend.new


def score_world(database: Database) -> None:
    """Score every demo candidate with the prior models, as `demo seed` does (no MiniLM)."""
    from datetime import UTC, datetime

    from core.services import analytics, scoring

    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    model_registry.ensure_prior(database.uow(), now)
    models = model_registry.load_models()
    for company in analytics.list_companies(database.uow()):
        scoring.rescore_company(database, company.id, models, now, trigger="demo")


def _seed_demo(url: str, companies: int, candidates: int, seed: int) -> None:
    from core.services import demo  # the generator is heavy; load it only when needed

    database = Database(url)
    try:
        demo.seed_demo(
            database.uow(),
            companies=companies,
            candidates=candidates,
            seed=seed,
            as_of=DEMO_AS_OF,
            password=DEMO_PASSWORD,
        )
    finally:
        database.dispose()


def _scored(url: str) -> None:
    database = Database(url)
    try:
        score_world(database)
    finally:
        database.dispose()


def _schema_template(backend: _Backend) -> str:
    """An empty database migrated to the newest revision."""
    return backend.template("schema", database_service.upgrade)


def _seeded_template(backend: _Backend) -> str:
    """The standard demo world (3 companies, 400 candidates, seed 7), every candidate scored."""

    def build(url: str) -> None:
        _seed_demo(url, companies=3, candidates=400, seed=7)
        _scored(url)

    return backend.template("seeded", build, base=_schema_template(backend))


def _world_template(backend: _Backend) -> str:
    """The small demo world (2 companies, 80 candidates, seed 5), every candidate scored."""

    def build(url: str) -> None:
        _seed_demo(url, companies=2, candidates=80, seed=5)
        _scored(url)

    return backend.template("world", build, base=_schema_template(backend))


@pytest.fixture(scope="session")
def migrated_url(_backend: _Backend) -> str:
    return _backend.copy(_schema_template(_backend))


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


@pytest.fixture(scope="session")
def seeded_url(_backend: _Backend) -> str:
    """A database holding the standard demo world (3 companies, 400 candidates, seed 7)."""
    return _backend.copy(_seeded_template(_backend))


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
def world(_backend: _Backend) -> Iterator[Database]:
    """A small demo world (two companies, every role) per test module, for tests that write."""
    db = Database(_backend.copy(_world_template(_backend)))
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


@pytest.fixture
def empty_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Another machine: a data folder (so a models folder) and a cache of priors that start
    empty."""
    from core.config import get_settings

    monkeypatch.setenv("PEOPLEOS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PEOPLEOS_PRIOR_CACHE", str(tmp_path / "prior-cache"))
    get_settings.cache_clear()
    model_registry.clear_loaded()
    yield tmp_path
    get_settings.cache_clear()
    model_registry.clear_loaded()
