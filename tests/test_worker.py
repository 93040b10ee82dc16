"""The worker: one schedule across processes, each slot once, requests from the app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core import worker
from core.config import get_settings, load_settings
from core.db import Database
from core.integrations.startupos_fake import FakeStartupOS
from core.models import Company, JobRun
from core.services import auth, database, sync, worker_jobs
from core.services.errors import PermissionDeniedError
from ml.embeddings import Embedder

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[1]
EXPORT = json.loads((ROOT / "data" / "startupos_demo_export.json").read_text())
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _worker(url: str, name: str, folder: Path) -> subprocess.Popen:
    """Start a worker whose output goes to ``folder/<name>.log``, readable while it runs."""
    env = {
        **os.environ,
        "PEOPLEOS_DATABASE_URL": url,
        "PEOPLEOS_WORKER_OUTBOX_SECONDS": "1",
        "PEOPLEOS_WORKER_REQUESTS_SECONDS": "1",
        "PEOPLEOS_WORKER_LEASE_SECONDS": "3",
    }
    with (folder / f"{name}.log").open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "core.worker", "--name", name],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_until(done: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    # Start-up (imports of the scoring stack) takes seconds on a busy machine: wait for
    # the state itself, not for a fixed time.
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.2)


def _says(folder: Path, name: str, text: str) -> bool:
    return text in (folder / f"{name}.log").read_text()


def _runs(db: Database, job_id: str) -> list[tuple[datetime, str]]:
    with db.uow() as uow:
        return [
            (r.scheduled_for, r.worker)
            for r in uow.session.scalars(select(JobRun).where(JobRun.job_id == job_id))
        ]


@pytest.mark.slow
def test_two_workers_started_at_once_run_each_slot_once(
    new_database_url: Callable[[], str], tmp_path: Path
) -> None:
    url = new_database_url()
    database.upgrade(url)
    first, second = _worker(url, "alpha", tmp_path), _worker(url, "beta", tmp_path)
    try:
        _wait_until(
            lambda: any(
                _says(tmp_path, a, "runs the schedule") and _says(tmp_path, b, "standing by")
                for a, b in (("alpha", "beta"), ("beta", "alpha"))
            ),
            "one worker runs the schedule, the other stands by",
        )
        time.sleep(5)  # several one-second outbox slots
    finally:
        for proc in (first, second):
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=30) for proc in (first, second)]
    outputs = [(tmp_path / f"{name}.log").read_text() for name in ("alpha", "beta")]
    assert codes == [0, 0], outputs
    db = Database(url)
    try:
        runs = _runs(db, "outbox_dispatch")
        slots = [s for s, _ in runs]
        assert len(runs) >= 3, outputs
        assert len(slots) == len(set(slots))  # every slot ran once
        assert len({w for _, w in runs}) == 1  # one worker held the schedule
        # The lease was released on SIGTERM, so a new worker can start at once.
        assert worker_jobs.acquire_lease(db, "gamma", datetime.now(UTC), timedelta(seconds=5))
    finally:
        db.dispose()


@pytest.mark.slow
def test_a_standby_worker_takes_over_when_the_holder_dies(
    new_database_url: Callable[[], str], tmp_path: Path
) -> None:
    url = new_database_url()
    database.upgrade(url)
    db = Database(url)
    holder = _worker(url, "holder", tmp_path)
    standby = None
    try:
        _wait_until(lambda: any(w == "holder" for _, w in _runs(db, "job_requests")), "holder")
        standby = _worker(url, "standby", tmp_path)
        _wait_until(lambda: _says(tmp_path, "standby", "standing by"), "standby waits")
        holder.kill()  # no clean shutdown: the lease must lapse
        holder.wait(timeout=10)
        _wait_until(
            lambda: any(w == "standby" for _, w in _runs(db, "job_requests")), "takeover", 30
        )
        workers = [w for _, w in sorted(_runs(db, "job_requests"))]
        assert workers[0] == "holder" and workers[-1] == "standby"
        slots = [s for s, _ in _runs(db, "job_requests")]
        assert len(slots) == len(set(slots))
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
        if standby is not None:
            standby.send_signal(signal.SIGTERM)
            standby.wait(timeout=30)
        db.dispose()


def test_a_stop_signal_while_the_schedule_starts_still_stops_the_worker(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C right after `make run` starts: the signal lands between lease and schedule."""
    monkeypatch.setitem(worker._state, "db", db)
    stop = threading.Event()
    build = worker.build_scheduler

    def build_then_signal(database: Database):  # noqa: ANN202 - a BlockingScheduler
        scheduler = build(database)
        start = scheduler.start

        def late_start() -> None:
            time.sleep(0.3)  # the watcher sees the signal before the schedule runs
            start()

        scheduler.start = late_start
        stop.set()
        return scheduler

    monkeypatch.setattr(worker, "build_scheduler", build_then_signal)
    returned: list[int] = []
    thread = threading.Thread(target=lambda: returned.append(worker.serve("early", stop)))
    thread.daemon = True  # on failure it would block for good
    thread.start()
    thread.join(timeout=15)
    assert returned == [0]
    # It stopped cleanly: the lease is given up for the next worker.
    status = worker_jobs.worker_status(db.uow(), datetime.now(UTC))
    assert (status.running, status.holder) == (False, None)


def test_run_once_skips_a_slot_that_already_ran(db: Database) -> None:
    calls = []
    first = worker_jobs.run_once(db, "demo", NOW, "a", lambda: calls.append(1) or {"n": 1})
    second = worker_jobs.run_once(db, "demo", NOW, "b", lambda: calls.append(2) or {"n": 2})
    failed = worker_jobs.run_once(db, "demo", NOW + timedelta(minutes=1), "a", lambda: 1 / 0)
    assert (first, second, failed) == ("succeeded", "skipped", "failed")
    assert calls == [1]
    with db.uow() as uow:
        broken = uow.session.scalars(select(JobRun).where(JobRun.status == "failed")).one()
        assert "ZeroDivisionError" in broken.error


def test_requests_from_the_app_are_carried_out_by_the_worker(db: Database) -> None:
    server = FakeStartupOS(EXPORT, token="tok")
    url = server.start()
    try:
        sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)
        with db.uow() as uow:
            company = uow.session.scalars(select(Company).where(Company.name == "Quillpay")).one()
        founder = auth.Actor(None, "founder", "F", "founder", company.id, company.name)
        first = worker_jobs.request_job(db.uow(), founder, "sync")
        again = worker_jobs.request_job(db.uow(), founder, "sync")
        assert first.id == again.id  # one open request per kind
        worker_jobs.request_job(db.uow(), founder, "dna_scan")
        settings = load_settings({"PEOPLEOS_STARTUPOS_URL": url, "PEOPLEOS_STARTUPOS_TOKEN": "tok"})
        result = worker_jobs.process_requests(db, settings, Embedder, NOW)
        assert result == {"processed": 2}
        views = worker_jobs.list_requests(db.uow(), founder)
        assert {v.kind: v.status for v in views} == {"sync": "succeeded", "dna_scan": "succeeded"}
        with db.uow() as uow:
            assert uow.session.get(Company, company.id).dna_profile is not None
        talent = auth.Actor(None, "t", "T", "talent_lead", company.id, company.name)
        with pytest.raises(PermissionDeniedError):
            worker_jobs.request_job(db.uow(), talent, "sync")
    finally:
        server.stop()


def test_once_runs_one_job_and_reports_it(
    new_database_url: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`python -m core.worker --once`, through its `main()` in this process (the worker
    processes above start the real entry point)."""
    url = new_database_url()
    database.upgrade(url)
    monkeypatch.setenv("PEOPLEOS_DATABASE_URL", url)
    monkeypatch.setattr(worker, "_state", {})  # the job opens its own database here
    get_settings.cache_clear()
    try:
        code = worker.main(["--once", "sync_incremental"])
    finally:
        get_settings.cache_clear()
        if "db" in worker._state:
            worker._state["db"].dispose()
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "sync_incremental: succeeded" in printed.out
