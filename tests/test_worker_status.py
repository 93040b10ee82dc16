"""Whether a worker runs: the lease read as a status, the notices of the pages that queue
work for it, and `make run` starting the web app and the worker under one supervisor."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from core import worker
from core.config import worker_intervals
from core.db import Database
from core.models import Company, Role
from core.models.worker import WorkerLease
from core.services import auth, database, imports, scoring, worker_jobs, worker_runs
from core.services.errors import PermissionDeniedError
from core.services.worker_runs import WorkerStatus
from pages._components import WORKER_DOWN
from tests.helpers import actor_of_role, login_app

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)
NO_WORKER = WorkerStatus(running=False, holder=None, last_heartbeat=None)
STARTED = re.compile(r"(web|worker)\.1 started \(pid=(\d+)\)")  # honcho's own log line


# --- the status, from the lease ---------------------------------------------------------


@pytest.mark.db
def test_worker_status_of_a_live_an_expired_and_a_missing_lease(db: Database) -> None:
    assert worker_runs.worker_status(db.uow(), NOW, ttl=TTL) == NO_WORKER

    renewed = NOW - timedelta(seconds=20)
    assert worker_runs.acquire_lease(db, "alpha", renewed, TTL)
    live = WorkerStatus(running=True, holder="alpha", last_heartbeat=renewed)
    assert worker_runs.worker_status(db.uow(), NOW, ttl=TTL) == live

    # Once the lease lapses the worker counts as down; its last heartbeat is still known.
    lapsed = renewed + TTL
    expired = WorkerStatus(running=False, holder="alpha", last_heartbeat=renewed)
    assert worker_runs.worker_status(db.uow(), lapsed, ttl=TTL) == expired

    # Only the holder can give the lease up; a clean stop leaves no lease at all.
    worker_runs.release_lease(db, "beta")
    assert worker_runs.worker_status(db.uow(), NOW, ttl=TTL) == live
    worker_runs.release_lease(db, "alpha")
    assert worker_runs.worker_status(db.uow(), NOW, ttl=TTL) == NO_WORKER
    assert worker_runs.acquire_lease(db, "beta", NOW, TTL)  # a standby takes over at once


@pytest.mark.db
def test_the_schedule_runs_at_the_intervals_the_pages_promise(db: Database) -> None:
    scheduler = worker.build_scheduler(db)
    every = {
        job.id: job.trigger.interval
        for job in scheduler.get_jobs()
        if isinstance(job.trigger, IntervalTrigger)
    }
    assert every["job_requests"] == timedelta(seconds=worker_intervals()["requests"])
    assert every["score_unscored"] == worker_jobs.SCORE_UNSCORED_EVERY
    # Runs a killed worker left are looked for at once and then every lease period.
    assert every["retry_stale"] == timedelta(seconds=worker_intervals()["lease"])
    retry = scheduler.get_job("retry_stale", jobstore="internal")
    assert retry.next_run_time <= datetime.now(UTC)


# --- what waits for the worker, and the pages' notices ------------------------------------


def _companies(db: Database) -> tuple[Company, Company]:
    with db.uow() as uow:
        found = list(uow.session.scalars(select(Company).order_by(Company.name)))
    return found[0], found[1]


def _queue_rescore(db: Database, company_id: uuid.UUID) -> None:
    """Queue a role's rescoring as a role edit does (roles._rescore)."""
    with db.uow() as uow:
        role_id = uow.session.scalars(
            select(Role.id).where(Role.company_id == company_id).order_by(Role.title)
        ).first()
        scoring.queue_rescore(
            uow.session, company_id, "talent", trigger="role_change", role_id=role_id
        )
        uow.commit()


def _import_one(db: Database, actor: auth.Actor) -> None:
    """Import one candidate with a role and a resume: the worker scores them, not the import."""
    with db.uow() as uow:
        title = uow.session.scalars(
            select(Role.title).where(Role.company_id == actor.company_id).order_by(Role.title)
        ).first()
    email = f"waits.{uuid.uuid4().hex[:8]}@example.com"
    data = (
        "Full Name,E-mail,Job title,CV text\r\n"
        f'Wen Waits,{email},{title},"Experience\nBackend Engineer - Ledgerly | 2020 - Present\n'
        'Skills\nPython, PostgreSQL"\r\n'
    ).encode()
    mapping = {"full_name": "Full Name", "email": "E-mail", "role": "Job title"}
    mapping["resume_text"] = "CV text"
    imports.commit_import(db.uow(), actor, data, "waits.csv", mapping, NOW)


@pytest.fixture
def no_lease(world: Database) -> Iterator[None]:
    """No worker lease before and after the test (the module's world is shared)."""

    def clear() -> None:
        with world.uow() as uow:
            for lease in uow.session.scalars(select(WorkerLease)):
                uow.session.delete(lease)
            uow.commit()

    clear()
    yield
    clear()


@pytest.mark.db
def test_waiting_work_counts_only_the_own_companys_requests_and_unscored_candidates(
    world: Database, no_lease: None
) -> None:
    first, second = _companies(world)
    founder = actor_of_role(world, first.id, "founder")
    other = actor_of_role(world, second.id, "founder")
    now = datetime.now(UTC)
    before, others_before = (
        worker_jobs.waiting_work(world.uow(), a, now) for a in (founder, other)
    )
    worker_jobs.request_job(world.uow(), founder, "dna_scan")
    _import_one(world, founder)

    after = worker_jobs.waiting_work(world.uow(), founder, now)
    assert after.requests.get("dna_scan", 0) == before.requests.get("dna_scan", 0) + 1
    assert after.unscored == before.unscored + 1
    assert after.worker == NO_WORKER
    assert worker_jobs.waiting_work(world.uow(), other, now) == others_before
    with pytest.raises(PermissionDeniedError):
        worker_jobs.waiting_work(world.uow(), actor_of_role(world, first.id, "employee"), now)


def _notices(at) -> tuple[list[str], list[str]]:  # noqa: ANN001 - an AppTest
    return [w.value for w in at.warning], [i.value for i in at.info]


@pytest.mark.db
@pytest.mark.parametrize(
    ("page", "role", "waiting", "promise"),
    [
        ("company_dna", "founder", "a StartupOS sync", "picks up requests every"),
        ("roles", "talent_lead", "rescoring candidates after", "picks up requests every"),
        ("imports", "talent_lead", "wait for a first fit score", "scores waiting candidates"),
    ],
)
def test_a_page_that_queued_work_says_whether_the_worker_runs(
    world_app: Database, no_lease: None, page: str, role: str, waiting: str, promise: str
) -> None:
    first, second = _companies(world_app)
    if page == "company_dna":
        worker_jobs.request_job(world_app.uow(), actor_of_role(world_app, first.id, role), "sync")
    elif page == "roles":
        _queue_rescore(world_app, first.id)
    else:
        _import_one(world_app, actor_of_role(world_app, second.id, role))
    company = second if page == "imports" else first
    at = login_app(actor_of_role(world_app, company.id, role).username, page)
    assert not at.exception, at.exception

    # No lease: the notice, never the promise.
    warnings, infos = _notices(at)
    (notice,) = [w for w in warnings if waiting in w]
    assert WORKER_DOWN in notice and "heartbeat" not in notice
    assert not [i for i in infos if promise in i]

    # A live lease: the promise, with the interval the schedule really has.
    assert worker_runs.acquire_lease(world_app, "web-test", datetime.now(UTC), TTL)
    at.run()
    assert not at.exception, at.exception
    warnings, infos = _notices(at)
    assert not [w for w in warnings if WORKER_DOWN in w]
    (said,) = [i for i in infos if waiting in i and promise in i]
    if page == "imports":
        assert "every 5 minutes, up to 1,000 at a time" in said
    else:
        assert f"every {worker_intervals()['requests']:g} seconds" in said

    # A lease that lapsed ten minutes ago: the notice again, with the last heartbeat.
    worker_runs.release_lease(world_app, "web-test")
    gone = datetime.now(UTC) - timedelta(minutes=10)
    assert worker_runs.acquire_lease(world_app, "web-test", gone - TTL, TTL)
    at.run()
    warnings, _ = _notices(at)
    (notice,) = [w for w in warnings if waiting in w]
    assert WORKER_DOWN in notice and "Its last heartbeat" in notice


# --- make run: one supervisor, two processes ----------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_run_serve_line(port: int) -> str:
    """The command `PORT=<port> make run` ends with (the supervisor), as make prints it."""
    printed = subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        env={**os.environ, "PORT": str(port)},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return printed.strip().splitlines()[-1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_make_run_starts_the_web_app_and_the_worker_and_ctrl_c_stops_both(
    new_database_url: Callable[[], str], tmp_path: Path
) -> None:
    url = new_database_url()
    database.upgrade(url)
    port = _free_port()
    line = _make_run_serve_line(port)
    assert "honcho start" in line and f"--port {port}" in line
    log = tmp_path / "supervisor.log"
    env = {**os.environ, "PEOPLEOS_DATABASE_URL": url}
    with log.open("w") as out:
        # Its own process group, as a terminal's foreground job: Ctrl-C signals the group.
        supervisor = subprocess.Popen(
            ["sh", "-c", line],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pids: dict[str, int] = {}
    db = Database(url)
    try:
        deadline = time.monotonic() + 40
        web_up = status = None
        while time.monotonic() < deadline and not (web_up and status and status.running):
            time.sleep(0.5)
            assert supervisor.poll() is None, log.read_text()
            try:
                web_up = httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).text
            except httpx.TransportError:
                web_up = None
            status = worker_runs.worker_status(db.uow(), datetime.now(UTC))
        text = log.read_text()
        assert web_up == "ok", text
        assert status is not None and status.running, text
        pids = {m[1]: int(m[2]) for m in STARTED.finditer(text)}
        assert set(pids) == {"web", "worker"}, text
        # The lease is held by the worker the supervisor started (the Procfile execs it).
        assert status.holder is not None and status.holder.endswith(f":{pids['worker']}")

        os.killpg(supervisor.pid, signal.SIGINT)
        supervisor.wait(timeout=20)
        text = log.read_text()
        assert "worker.1 stopped (rc=0)" in text and "web.1 stopped (rc=0)" in text, text
        assert not [name for name, pid in pids.items() if _alive(pid)]
        # The worker stopped cleanly: it gave its lease up, so pages say it is not running.
        assert worker_runs.worker_status(db.uow(), datetime.now(UTC)) == NO_WORKER
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    finally:
        db.dispose()
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait(timeout=10)
        for pid in pids.values():  # the supervisor's children run in sessions of their own
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
