"""StartupOS sync against a real HTTP server on 127.0.0.1 (the fake), including faults."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.integrations.startupos import StartupOSClient
from core.integrations.startupos_fake import FakeStartupOS
from core.models import Company, Employee, Notification, StartuposSync
from core.services import sync
from core.services.errors import ValidationError
from ml.synthetic import generate_world, startupos_export

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
EXPORT = startupos_export(generate_world(2, 40, 3, date(2026, 11, 1)))
FIRST = EXPORT["companies"][0]
COMPANY_ID = FIRST["company"]["id"]


@pytest.fixture
def fake() -> Iterator[tuple[FakeStartupOS, str]]:
    server = FakeStartupOS(copy.deepcopy(EXPORT), token="t0ken")
    url = server.start()
    yield server, url
    server.stop()


def _client(url: str, token: str = "t0ken", timeout: float = 2.0) -> StartupOSClient:
    # No real sleeping between retries: the backoff schedule is not what is under test here.
    return StartupOSClient(url, token, timeout=timeout, page_size=5, sleep=lambda _s: None)


def _state(db: Database) -> dict:
    with db.uow() as uow:
        s = uow.session
        return {
            "companies": s.scalar(select(func.count()).select_from(Company)),
            "employees": sorted(
                (e.startupos_member_id, e.full_name, e.title, e.status)
                for e in s.scalars(select(Employee))
            ),
            "syncs": [
                (r.sync_type, r.sync_status)
                for r in s.scalars(select(StartuposSync).order_by(StartuposSync.created_at))
            ],
        }


def _sync(db: Database, url: str, *, full: bool = False, now: datetime = NOW, **kw):
    client = _client(url, **kw)
    try:
        return sync.run_sync(db.uow, client, COMPANY_ID, full=full, now=now)
    finally:
        client.close()


def test_full_sync_creates_the_company_and_team_and_twice_changes_nothing(db, fake) -> None:
    server, url = fake
    report = _sync(db, url)
    assert report.status == "succeeded" and report.sync_type == "full"
    assert report.counts["team_created"] == len(FIRST["team"])
    assert report.counts["metrics_received"] == len(FIRST["metrics"])
    state = _state(db)
    assert state["companies"] == 1
    assert len(state["employees"]) == len(FIRST["team"])
    again = _sync(db, url, full=True, now=NOW + timedelta(hours=1))
    assert again.counts["team_created"] == again.counts["team_updated"] == 0
    assert _state(db)["employees"] == state["employees"]
    assert any("limit=5" in r for r in server.requests)  # pagination was exercised


def test_a_500_then_success_is_retried(db, fake) -> None:
    server, url = fake
    server.fail_next({"status": 500})
    report = _sync(db, url)
    assert report.status == "succeeded"
    assert len(_state(db)["employees"]) == len(FIRST["team"])


def test_persistent_errors_fail_the_sync_and_keep_the_previous_data(db, fake) -> None:
    server, url = fake
    _sync(db, url)
    before = _state(db)
    server.touch_member(COMPANY_ID, FIRST["team"][2]["id"], NOW, title="Chief Builder")
    server.fail_next({"status": 503}, {"status": 503}, {"status": 503})
    report = _sync(db, url, full=True, now=NOW + timedelta(hours=1))
    assert report.status == "failed" and "503" in report.error
    after = _state(db)
    assert after["employees"] == before["employees"]
    assert after["syncs"][-1] == ("full", "failed")
    with db.uow() as uow:
        alert = uow.session.scalars(select(Notification)).one()
        assert alert.event_type == "sync_failed" and "503" in alert.body
    # The next run picks the change up: nothing was lost.
    report = _sync(db, url, full=True, now=NOW + timedelta(hours=2))
    assert report.status == "succeeded" and report.counts["team_updated"] == 1


def test_timeouts_are_retried_then_reported(db, fake) -> None:
    server, url = fake
    server.fail_next({"delay": 1.0})
    assert _sync(db, url, timeout=0.3).status == "succeeded"
    server.fail_next({"delay": 1.0}, {"delay": 1.0}, {"delay": 1.0})
    report = _sync(db, url, timeout=0.3, full=True)
    assert report.status == "failed" and "timeout" in report.error


def test_malformed_bodies_are_retried_and_never_half_applied(db, fake) -> None:
    server, url = fake
    server.fail_next({"body": "<html>oops"})
    assert _sync(db, url).status == "succeeded"
    before = _state(db)
    server.fail_next({"body": "{"}, {"body": "[]"}, {"body": "not json"})
    report = _sync(db, url, full=True)
    assert report.status == "failed" and "malformed" in report.error
    assert _state(db)["employees"] == before["employees"]


def test_an_interruption_mid_sync_changes_nothing_and_a_rerun_completes(db, fake) -> None:
    server, url = fake
    # The company profile and the first team page answer; then the connection drops.
    server.fail_next({}, {}, {"drop": True}, {"drop": True}, {"drop": True})
    report = _sync(db, url)
    assert report.status == "failed" and "connection" in report.error
    assert _state(db)["companies"] == 0 and _state(db)["employees"] == []
    assert _sync(db, url).status == "succeeded"
    assert len(_state(db)["employees"]) == len(FIRST["team"])


def test_duplicate_records_and_short_pages_do_not_duplicate(db, fake) -> None:
    server, url = fake
    server.duplicate_records = True
    server.short_pages = True
    report = _sync(db, url)
    assert report.counts["team_received"] == len(FIRST["team"])
    members = [m for m, *_ in _state(db)["employees"]]
    assert len(members) == len(set(members)) == len(FIRST["team"])


def test_incremental_sync_takes_only_changes_and_keeps_the_whole_record(db, fake) -> None:
    server, url = fake
    _sync(db, url)
    changed = FIRST["team"][1]["id"]
    server.touch_member(
        COMPANY_ID, changed, datetime(2026, 11, 5, tzinfo=UTC), end_date="2026-11-04"
    )
    report = _sync(db, url, now=NOW + timedelta(days=4))
    assert report.sync_type == "incremental"
    assert report.counts["team_received"] == 1 and report.counts["team_updated"] == 1
    assert report.counts["cursor"] == "2026-11-05T00:00:00+00:00"
    assert any("updated_since=" in r for r in server.requests)
    with db.uow() as uow:
        latest = uow.session.scalars(
            select(StartuposSync).order_by(StartuposSync.created_at.desc())
        ).first()
        left = uow.session.scalars(
            select(Employee).where(Employee.startupos_member_id == changed)
        ).one()
        assert len(latest.data_snapshot["team"]) == len(FIRST["team"])
        assert left.status == "left" and left.end_date == date(2026, 11, 4)


def test_a_wrong_token_fails_without_retrying(db, fake) -> None:
    server, url = fake
    report = _sync(db, url, token="nope")
    assert report.status == "failed" and "401" in report.error
    assert len(server.requests) == 1


def test_import_file_is_all_or_nothing(db) -> None:
    with pytest.raises(ValidationError, match="not JSON"):
        sync.import_file(db.uow, b"\x00garbage", now=NOW)
    broken = copy.deepcopy(EXPORT)
    broken["companies"][1]["company"]["stage"] = "unicorn"
    with pytest.raises(ValidationError, match="stage"):
        sync.import_file(db.uow, json.dumps(broken).encode(), now=NOW)
    assert _state(db)["companies"] == 0
    reports = sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)
    assert [r.status for r in reports] == ["succeeded", "succeeded"]
    again = sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)
    assert all(r.counts["team_created"] == 0 for r in again)
    assert _state(db)["companies"] == 2


def test_the_shipped_demo_export_is_the_generators_output() -> None:
    shipped = json.loads((ROOT / "data" / "startupos_demo_export.json").read_text())
    assert shipped == startupos_export(generate_world(3, 400, 7, date(2026, 11, 1)))
