"""The CLI: `python -m core.cli ...` once in a subprocess (the entry point itself), every
command through the same `main()` in this process (no seconds of imports per call)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from core.db import Database, make_engine
from core.models import SEED_TABLES, User
from core.services import database
from tests.conftest import DEMO_PASSWORD
from tests.helpers import run_cli as _cli

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[1]


def test_db_upgrade_creates_the_seed_tables_and_downgrade_drops_them(
    new_database_url: Callable[[], str],
) -> None:
    url = new_database_url()
    result = _cli("db", "upgrade", url=url)
    assert result.returncode == 0, result.stderr
    assert f"Database at revision {database.head_revision()}" in result.stdout
    engine = make_engine(url)
    try:
        assert set(SEED_TABLES) <= set(inspect(engine).get_table_names())
        result = _cli("db", "downgrade", url=url)
        assert result.returncode == 0, result.stderr
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_invalid_setting_is_reported_by_name() -> None:
    """The one run of the real entry point: a bad setting is a message, not a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "db", "current"],
        cwd=ROOT,
        env={**os.environ, "PEOPLEOS_DATABASE_URL": "mysql://root@localhost/x"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "PEOPLEOS_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_demo_seed_prints_logins_and_is_idempotent(new_database_url: Callable[[], str]) -> None:
    url = new_database_url()
    assert _cli("db", "upgrade", url=url).returncode == 0
    # 20 candidates a company: nothing checked here depends on the size, but the MiniLM
    # scan after the seed takes time in proportion to it.
    args = (
        "demo",
        "seed",
        "--companies",
        "2",
        "--candidates",
        "40",
        "--seed",
        "3",
        "--as-of",
        "2026-11-01",
    )
    first = _cli(*args, url=url)
    assert first.returncode == 0, first.stderr
    assert "Loaded the demo world" in first.stdout
    assert "founder." in first.stdout and "talent." in first.stdout
    assert "Bayes AUC" in first.stdout
    assert DEMO_PASSWORD not in first.stdout + first.stderr  # output ends up in logs
    again = _cli(*args, url=url)
    assert again.returncode == 0, again.stderr
    assert "already loaded; nothing changed" in again.stdout
    other_seed = _cli(
        "demo",
        "seed",
        "--companies",
        "2",
        "--candidates",
        "40",
        "--seed",
        "4",
        "--as-of",
        "2026-11-01",
        url=url,
    )
    assert other_seed.returncode == 2
    assert "--reset" in other_seed.stderr
    if_empty = _cli("demo", "seed", "--if-empty", url=url)
    assert if_empty.returncode == 0
    assert "already holds data" in if_empty.stdout and "founder." in if_empty.stdout


def test_demo_seed_refuses_production_and_writes_nothing(
    new_database_url: Callable[[], str], monkeypatch
) -> None:
    url = new_database_url()
    assert _cli("db", "upgrade", url=url).returncode == 0
    monkeypatch.setenv("PEOPLEOS_ENV", "production")
    monkeypatch.setenv("PEOPLEOS_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("PEOPLEOS_DATA_KEY", "ZGF0YS1rZXktb2YtYS1wcm9kdWN0aW9uLXNlcnZlcjE=")
    result = _cli("demo", "seed", "--companies", "1", "--candidates", "10", url=url)
    assert result.returncode == 2
    assert "never loaded when PEOPLEOS_ENV=production" in result.stderr
    assert DEMO_PASSWORD not in result.stdout + result.stderr
    database = Database(url)
    try:
        with database.uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(User)) == 0
    finally:
        database.dispose()


def test_demo_seed_rejects_bad_sizes(new_database_url: Callable[[], str]) -> None:
    url = new_database_url()
    assert _cli("db", "upgrade", url=url).returncode == 0
    result = _cli("demo", "seed", "--companies", "0", url=url)
    assert result.returncode == 2
    assert "--companies must be between" in result.stderr


@pytest.mark.slow
def test_users_commands_manage_accounts_with_passwords_from_stdin(
    new_database_url: Callable[[], str],
) -> None:
    url = new_database_url()
    assert _cli("db", "upgrade", url=url).returncode == 0
    seeded = _cli(
        "demo",
        "seed",
        "--companies",
        "1",
        "--candidates",
        "30",
        "--seed",
        "2",
        "--as-of",
        "2026-11-01",
        url=url,
    )
    assert seeded.returncode == 0, seeded.stderr
    company = "Quillpay"
    created = _cli(
        "users",
        "create",
        "--company",
        company,
        "--username",
        "Ops.Lead",
        "--email",
        "ops@example.com",
        "--name",
        "Ops Lead",
        "--role",
        "talent_lead",
        "--password-stdin",
        url=url,
        stdin="a-long-pass-for-ops\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created ops.lead (talent_lead)" in created.stdout
    assert "a-long-pass-for-ops" not in created.stdout + created.stderr
    listed = _cli("users", "list", "--company", company, url=url)
    assert "ops.lead" in listed.stdout and "talent_lead" in listed.stdout
    assert _cli("users", "set-role", "ops.lead", "interviewer", url=url).returncode == 0
    assert _cli("users", "disable", "ops.lead", url=url).returncode == 0
    listed = _cli("users", "list", "--company", company, url=url)
    line = next(x for x in listed.stdout.splitlines() if x.startswith("ops.lead"))
    assert "interviewer" in line and "disabled" in line
    weak = _cli("users", "reset-password", "ops.lead", "--password-stdin", url=url, stdin="short\n")
    assert weak.returncode == 2 and "at least 12" in weak.stderr
    missing = _cli("users", "disable", "nobody", url=url)
    assert missing.returncode == 2 and "No user 'nobody'" in missing.stderr
