"""The worker: one schedule across processes, each slot once, requests from the app."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from core import worker
from core.config import get_settings, load_settings
from core.db import Database, make_engine
from core.integrations.startupos import StartupOSClient
from core.integrations.startupos_fake import FakeStartupOS
from core.models import Company, JobRun
from core.models.base import UTCDateTime
from core.services import auth, database, sync, worker_jobs, worker_runs
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


def _wait_until(done: Callable[[], bool], what: str, timeout: float = 180.0) -> None:
    # Start-up (imports of the scoring stack) takes seconds on a busy machine, and over a
    # minute when both suites, an app server and chromium share two slow cores (seen): wait
    # for the state itself, with a generous bound.
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
        assert worker_runs.acquire_lease(db, "gamma", datetime.now(UTC), timedelta(seconds=5))
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
            lambda: any(w == "standby" for _, w in _runs(db, "job_requests")), "takeover", 60
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
    status = worker_runs.worker_status(db.uow(), datetime.now(UTC))
    assert (status.running, status.holder) == (False, None)


def test_a_standby_stopped_as_it_takes_the_lease_gives_it_back(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C reaching a holder and its standby at once: the holder releases the lease, the
    standby takes it in that moment and is stopped; the next worker must not wait it out
    (seen: a fresh-clone run where a new worker could not start after both stopped)."""
    monkeypatch.setitem(worker._state, "db", db)
    stop = threading.Event()
    acquire = worker_runs.acquire_lease

    def acquire_as_the_stop_arrives(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        taken = acquire(*args, **kwargs)
        stop.set()
        return taken

    monkeypatch.setattr(worker_runs, "acquire_lease", acquire_as_the_stop_arrives)
    assert worker.serve("standby", stop) == 0
    monkeypatch.setattr(worker_runs, "acquire_lease", acquire)
    assert worker_runs.acquire_lease(db, "next", datetime.now(UTC), timedelta(seconds=5))


def test_run_once_skips_a_slot_that_already_ran(db: Database) -> None:
    calls = []
    first = worker_runs.run_once(db, "demo", NOW, "a", lambda: calls.append(1) or {"n": 1})
    second = worker_runs.run_once(db, "demo", NOW, "b", lambda: calls.append(2) or {"n": 2})
    failed = worker_runs.run_once(db, "demo", NOW + timedelta(minutes=1), "a", lambda: 1 / 0)
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
        assert result["processed"] == 2
        assert result["outcome"] == {"unit": "requests", "succeeded": 2, "failed": 0}
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


# --- a run's lease and fencing token: a dead worker's slot is taken over ---------------------

TTL = timedelta(seconds=60)


def _run_row(db: Database, job_id: str, slot: datetime) -> JobRun:
    with db.uow() as uow:
        return uow.session.scalars(
            select(JobRun).where(JobRun.job_id == job_id, JobRun.scheduled_for == slot)
        ).one()


def test_a_run_whose_worker_died_is_taken_over_and_the_dead_worker_records_nothing(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The kill simulation: a run started and never finished; time passes its lease."""
    killed = worker_runs.start_run(db, "demo", NOW, "killed", NOW, TTL)
    assert killed is not None and killed.attempt == 1
    # While the lease is live the slot is still the first worker's.
    assert worker_runs.start_run(db, "demo", NOW, "standby", NOW + TTL / 2, TTL) is None

    later = NOW + TTL + timedelta(seconds=1)
    standby = worker_runs.start_run(db, "demo", NOW, "standby", later, TTL)
    assert standby is not None and (standby.id, standby.attempt) == (killed.id, 2)
    # The new holder's lease is live: nobody else takes the run over from it.
    assert worker_runs.start_run(db, "demo", NOW, "third", later, TTL) is None
    assert worker_runs.finish_run(db, standby, "succeeded", later, {"n": 2})

    # The killed worker comes back (a paused VM) and tries to record its outcome.
    with caplog.at_level("WARNING", logger="peopleos.worker"):
        assert not worker_runs.finish_run(db, killed, "failed", later, {"n": 1}, "late")
        assert not worker_runs.renew_run(db, killed, later, TTL)
    assert "lost its lease (attempt 1)" in caplog.text
    run = _run_row(db, "demo", NOW)
    assert (run.status, run.worker, run.attempt, run.summary, run.error) == (
        "succeeded",
        "standby",
        2,
        {"n": 2},
        None,
    )
    # A finished run is never run again, however old its lease.
    assert worker_runs.start_run(db, "demo", NOW, "fourth", later + timedelta(days=1), TTL) is None


def test_run_once_takes_over_a_stale_run_but_not_a_live_one(db: Database) -> None:
    now = datetime.now(UTC)
    dead = worker_runs.start_run(db, "demo", NOW, "dead", now - 2 * TTL, TTL)
    alive = worker_runs.start_run(db, "demo", NOW + TTL, "alive", now, TTL)
    assert dead is not None and alive is not None
    calls: list[str] = []

    live = worker_runs.run_once(db, "demo", NOW + TTL, "b", lambda: calls.append("live") or {})
    taken = worker_runs.run_once(db, "demo", NOW, "b", lambda: calls.append("stale") or {"n": 1})
    assert (live, taken, calls) == ("skipped", "succeeded", ["stale"])
    assert not worker_runs.finish_run(db, dead, "succeeded", datetime.now(UTC), {"n": 0})
    run = _run_row(db, "demo", NOW)
    assert (run.status, run.worker, run.attempt, run.summary) == ("succeeded", "b", 2, {"n": 1})
    assert _run_row(db, "demo", NOW + TTL).status == "running"  # still the live worker's


def test_of_workers_taking_over_one_stale_run_at_once_exactly_one_gets_it(db: Database) -> None:
    assert worker_runs.start_run(db, "demo", NOW, "dead", NOW, TTL) is not None
    later = NOW + 2 * TTL
    barrier = threading.Barrier(4)
    tickets: list[worker_runs.RunTicket | None] = []

    def take(name: str) -> None:
        barrier.wait()
        tickets.append(worker_runs.start_run(db, "demo", NOW, name, later, TTL))

    threads = [threading.Thread(target=take, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [t for t in tickets if t is not None]
    assert len(tickets) == 4 and len(won) == 1 and won[0].attempt == 2
    assert _run_row(db, "demo", NOW).attempt == 2


def test_a_long_run_renews_its_lease_so_it_is_not_taken_over(db: Database) -> None:
    ttl = timedelta(seconds=0.9)
    seen: list[worker_runs.RunTicket | None] = []

    def long_job() -> dict[str, int]:
        time.sleep(2 * ttl.total_seconds())  # longer than one lease: the heartbeat renews it
        seen.append(worker_runs.start_run(db, "long", NOW, "other", datetime.now(UTC), ttl))
        return {"n": 1}

    assert worker_runs.run_once(db, "long", NOW, "busy", long_job, ttl=ttl) == "succeeded"
    assert seen == [None]
    run = _run_row(db, "long", NOW)
    assert (run.status, run.worker, run.attempt) == ("succeeded", "busy", 1)


def test_the_worker_runs_a_stale_current_slot_again_and_closes_passed_ones(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the schedule's holder does every lease period (and at once when it starts)."""
    now = datetime.now(UTC)
    day = worker_runs.slot(now, timedelta(days=1))
    minute = worker_runs.slot(now, timedelta(seconds=60)) - timedelta(minutes=5)
    stale = now - 2 * TTL
    for job_id, slot in (("sync_full", day), ("outbox_dispatch", minute), ("retired", NOW)):
        assert worker_runs.start_run(db, job_id, slot, "dead", stale, TTL) is not None
    assert worker_runs.start_run(db, "dna_rescan", NOW, "alive", now, TTL) is not None
    calls: list[datetime] = []
    monkeypatch.setattr(worker, "_state", {"db": db, "name": "holder"})
    monkeypatch.setitem(
        worker._WORK,
        "sync_full",
        (lambda: timedelta(days=1), lambda at: calls.append(at) or {"synced": 3}),
    )

    assert worker.job_retry_stale() == {f"sync_full@{day.isoformat()}": "succeeded"}
    assert len(calls) == 1
    retried = _run_row(db, "sync_full", day)
    assert (retried.status, retried.worker, retried.attempt) == ("succeeded", "holder", 2)
    # A passed slot (the next regular run covers it) and an unknown job are closed, not
    # left running; a live run is left to its worker.
    for job_id, slot in (("outbox_dispatch", minute), ("retired", NOW)):
        closed = _run_row(db, job_id, slot)
        assert (closed.status, closed.error) == ("failed", worker_runs.ABANDONED)
    assert _run_row(db, "dna_rescan", NOW).status == "running"
    assert worker.job_retry_stale() == {}


# --- a job's status reflects its companies' failures ---------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real client, without its waits between retries (keeps the test fast)."""
    monkeypatch.setattr(
        sync,
        "startupos_client",
        lambda s: StartupOSClient(s.startupos_url, s.startupos_token, sleep=lambda _: None),
    )


def test_sync_full_is_failed_when_every_company_failed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)
    _no_backoff(monkeypatch)
    settings = load_settings(
        {
            "PEOPLEOS_STARTUPOS_URL": f"http://127.0.0.1:{_closed_port()}",
            "PEOPLEOS_STARTUPOS_TOKEN": "tok",
        }
    )
    status = worker_runs.run_once(
        db, "sync_full", NOW, "w", lambda: worker_jobs.sync_all(db, settings, full=True, now=NOW)
    )
    assert status == "failed"
    run = _run_row(db, "sync_full", NOW)
    assert run.status == "failed" and run.error == "3 of 3 companies failed"
    outcome = run.summary["outcome"]
    assert (outcome["succeeded"], outcome["failed"]) == (0, 3)
    assert all("ConnectError" in message for message in outcome["errors"].values())


def test_a_sync_where_some_companies_failed_is_partial(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)
    _no_backoff(monkeypatch)
    # The server knows one of the three companies: the other two get a 404.
    server = FakeStartupOS({**EXPORT, "companies": EXPORT["companies"][:1]}, token="tok")
    url = server.start()
    try:
        settings = load_settings({"PEOPLEOS_STARTUPOS_URL": url, "PEOPLEOS_STARTUPOS_TOKEN": "tok"})
        status = worker_runs.run_once(
            db, "sync", NOW, "w", lambda: worker_jobs.sync_all(db, settings, full=False, now=NOW)
        )
    finally:
        server.stop()
    assert status == "partial"
    run = _run_row(db, "sync", NOW)
    assert (run.status, run.error) == ("partial", "2 of 3 companies failed")
    assert run.summary["outcome"]["succeeded"] == 1
    assert all("(404)" in message for message in run.summary["outcome"]["errors"].values())


def test_a_job_failure_is_stored_without_the_exception_message(db: Database) -> None:
    """A database error's message can quote row data (an email): only its type is kept."""

    def leaky() -> dict[str, str]:
        raise RuntimeError("duplicate key (email)=(jane@example.com)")

    assert worker_runs.run_once(db, "leaky", NOW, "w", leaky) == "failed"
    assert _run_row(db, "leaky", NOW).error == "RuntimeError"


# --- migration 0010: runs recorded before it ---------------------------------------------


def test_migration_0010_gives_old_runs_a_lapsed_lease_and_downgrades_partial_to_failed(
    new_database_url: Callable[[], str],
) -> None:
    url = new_database_url()
    database.upgrade(url, "0009")
    engine = make_engine(url)
    # job_runs as revision 0009 has it (the ORM table has the newer columns).
    runs_0009 = sa.table(
        "job_runs",
        *(sa.column(name, sa.String()) for name in ("job_id", "status", "worker")),
        *(sa.column(name, UTCDateTime()) for name in ("scheduled_for", "started_at")),
        *(sa.column(name, UTCDateTime()) for name in ("finished_at", "created_at")),
        sa.column("id", sa.Uuid()),
    )
    started = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            for status, finished in (("running", None), ("succeeded", started)):
                conn.execute(
                    runs_0009.insert().values(
                        id=uuid.uuid4(),
                        job_id=f"job_{status}",
                        status=status,
                        worker="old",
                        scheduled_for=started,
                        started_at=started,
                        finished_at=finished,
                        created_at=started,
                    )
                )
        database.upgrade(url)
        db = Database(url)
        try:
            old = _run_row(db, "job_running", started)
            assert (old.attempt, old.lease_expires_at) == (1, old.started_at)
            # The run a killed worker left before the upgrade is stale from its start on.
            later = started + timedelta(seconds=1)
            taken = worker_runs.start_run(db, "job_running", started, "new", later, TTL)
            assert taken is not None and taken.attempt == 2
            assert worker_runs.finish_run(db, taken, "partial", later, None, "1 of 2 failed")
        finally:
            db.dispose()
        database.downgrade(url, "0009")
        with engine.connect() as conn:
            statuses = dict(conn.execute(text("SELECT job_id, status FROM job_runs")).all())
        assert statuses == {"job_running": "failed", "job_succeeded": "succeeded"}
    finally:
        engine.dispose()
