"""The PeopleOS worker: `python -m core.worker` runs the schedule; `--once JOB` runs one job.

Exactly one worker runs the schedule: a worker first takes the database lease
(``worker_leases``), renews it while it runs, and a second worker waits as a standby until
the lease lapses. Each run is also recorded in ``job_runs``, unique per job and schedule
slot, so even two schedulers could not run the same slot twice. A run holds its own lease,
renewed while it runs: when its worker dies mid-job, the worker that runs the schedule takes
the slot over once that lease lapses (:func:`job_retry_stale`), and the dead worker's result,
should it still arrive, is not recorded. Jobs live in APScheduler's SQLAlchemy job store in
the same database.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

from core.config import SettingsError, get_settings, worker_intervals
from core.db import Database
from core.services import (
    auth,
    culture_pulse,
    database,
    model_registry,
    notifications,
    onboarding,
    privacy,
    retention,
    webhook_delivery,
    worker_jobs,
    worker_runs,
)

log = logging.getLogger("peopleos.worker")

HOUR = timedelta(hours=1)
_state: dict[str, Any] = {}


def _db() -> Database:
    if "db" not in _state:
        _state["db"] = Database(get_settings().database_url)
    return _state["db"]


def _encoder() -> Any:
    if "encoder" not in _state:
        from ml.embeddings import Embedder

        _state["encoder"] = Embedder()
    return _state["encoder"]


def _models() -> Any:
    if "models" not in _state:
        _state["models"] = model_registry.load_models(db=_db())  # the registry row, as on the web
    return _state["models"]


def _senders() -> dict[str, Any]:
    if "senders" not in _state:
        settings = get_settings()
        _state["senders"] = {
            **notifications.senders_from_settings(settings),
            # Webhooks need no setting: the endpoints companies registered are the config.
            "webhook": webhook_delivery.sender(_db(), settings.webhook_private_hosts),
        }
    return _state["senders"]


def _run(job_id: str, scheduled_for: datetime | None = None) -> str:
    """Run ``job_id`` for the slot ``now`` falls in (or for ``scheduled_for``, a stale slot)."""
    now = datetime.now(UTC)
    period, work = _WORK[job_id]
    return worker_runs.run_once(
        _db(),
        job_id,
        scheduled_for or worker_runs.slot(now, period()),
        _state.get("name", "cli"),
        lambda: work(now),
    )


def _db_analyze(now: datetime) -> dict[str, Any]:  # noqa: ARG001 - the slot is the day
    database.analyze(get_settings().database_url)
    return {"analyzed": True}


def _privacy_purge(now: datetime) -> dict[str, Any]:
    """Applications past their consented retention, and login sessions (with the client
    addresses they hold) ended more than 30 days ago."""
    deleted = privacy.purge_expired_applications(_db().uow(), now)
    return {**deleted, "sessions_purged": auth.purge_sessions(_db().uow(), now)}


def _seconds(key: str) -> Callable[[], timedelta]:
    return lambda: timedelta(seconds=worker_intervals()[key])


def _every(period: timedelta) -> Callable[[], timedelta]:
    return lambda: period


# Job id -> (period of its once-per-slot key, the work for a run at ``now``).
_WORK: dict[str, tuple[Callable[[], timedelta], Callable[[datetime], dict[str, Any]]]] = {
    "outbox_dispatch": (
        _seconds("outbox"),
        lambda now: worker_jobs.dispatch_outbox(_db(), _senders(), now),
    ),
    "job_requests": (
        _seconds("requests"),
        lambda now: worker_jobs.process_requests(_db(), get_settings(), _encoder, now, _models),
    ),
    "score_unscored": (
        _every(worker_jobs.SCORE_UNSCORED_EVERY),
        lambda now: worker_jobs.score_unscored(_db(), _models(), _encoder(), now),
    ),
    "sync_incremental": (
        _every(HOUR),
        lambda now: worker_jobs.sync_all(_db(), get_settings(), full=False, now=now),
    ),
    "sync_full": (
        _every(timedelta(days=1)),
        lambda now: worker_jobs.sync_all(_db(), get_settings(), full=True, now=now),
    ),
    "dna_rescan": (
        _every(timedelta(minutes=15)),
        lambda now: worker_jobs.rescan_changed(_db(), _encoder(), now),
    ),
    "privacy_purge": (_every(timedelta(days=1)), _privacy_purge),
    "db_analyze": (_every(timedelta(days=1)), _db_analyze),
    "onboarding_overdue": (
        _every(timedelta(days=1)),
        lambda now: onboarding.notify_overdue(_db().uow(), now),
    ),
    "retention_rescore": (
        _every(timedelta(days=1)),
        lambda now: retention.rescore_all(_db(), now),
    ),
    "model_retrain": (_every(HOUR), lambda now: worker_jobs.retrain_due(_db(), now)),
    "model_promotion": (
        _every(timedelta(days=1)),
        lambda now: worker_jobs.decide_promotions(_db(), now),
    ),
    "culture_pulse": (
        _every(timedelta(days=1)),
        lambda now: culture_pulse.run_schedule(_db().uow(), get_settings(), now),
    ),
}


# Module-level functions: APScheduler's database job store keeps references to them.
def job_outbox_dispatch() -> str:
    return _run("outbox_dispatch")


def job_requests() -> str:
    return _run("job_requests")


def job_score_unscored() -> str:
    return _run("score_unscored")


def job_sync_incremental() -> str:
    return _run("sync_incremental")


def job_sync_full() -> str:
    return _run("sync_full")


def job_dna_rescan() -> str:
    return _run("dna_rescan")


def job_privacy_purge() -> str:
    return _run("privacy_purge")


def job_db_analyze() -> str:
    return _run("db_analyze")


def job_onboarding_overdue() -> str:
    return _run("onboarding_overdue")


def job_culture_pulse() -> str:
    return _run("culture_pulse")


def job_retention_rescore() -> str:
    return _run("retention_rescore")


def job_model_retrain() -> str:
    return _run("model_retrain")


def job_model_promotion() -> str:
    return _run("model_promotion")


def job_retry_stale() -> dict[str, str]:
    """Run again the slots whose worker died mid-run (their run lease lapsed)."""
    periods = {job_id: period() for job_id, (period, _) in _WORK.items()}
    retry = worker_runs.reclaim_stale_runs(_db(), datetime.now(UTC), periods)
    return {f"{job_id}@{slot.isoformat()}": _run(job_id, slot) for job_id, slot in retry}


JOBS: dict[str, Callable[[], str]] = {
    "outbox_dispatch": job_outbox_dispatch,
    "job_requests": job_requests,
    "sync_incremental": job_sync_incremental,
    "sync_full": job_sync_full,
    "dna_rescan": job_dna_rescan,
    "score_unscored": job_score_unscored,
    "privacy_purge": job_privacy_purge,
    "db_analyze": job_db_analyze,
    "onboarding_overdue": job_onboarding_overdue,
    "retention_rescore": job_retention_rescore,
    "culture_pulse": job_culture_pulse,
    "model_retrain": job_model_retrain,
    "model_promotion": job_model_promotion,
}


def build_scheduler(db: Database) -> BlockingScheduler:
    intervals = worker_intervals()
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine), "internal": MemoryJobStore()},
        # A late run is still worth doing within 5 minutes; missed runs collapse into one.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    add = scheduler.add_job
    add(
        job_outbox_dispatch,
        "interval",
        seconds=intervals["outbox"],
        id="outbox_dispatch",
        replace_existing=True,
    )
    add(
        job_requests,
        "interval",
        seconds=intervals["requests"],
        id="job_requests",
        replace_existing=True,
    )
    add(job_sync_incremental, "interval", hours=1, id="sync_incremental", replace_existing=True)
    add(job_sync_full, "cron", hour=3, minute=0, id="sync_full", replace_existing=True)
    add(job_dna_rescan, "interval", minutes=15, id="dna_rescan", replace_existing=True)
    add(job_privacy_purge, "cron", hour=4, minute=0, id="privacy_purge", replace_existing=True)
    add(job_db_analyze, "cron", hour=4, minute=30, id="db_analyze", replace_existing=True)
    add(
        job_onboarding_overdue,
        "cron",
        hour=8,
        minute=0,
        id="onboarding_overdue",
        replace_existing=True,
    )
    add(
        job_retention_rescore,
        "cron",
        hour=2,
        minute=30,
        id="retention_rescore",
        replace_existing=True,
    )
    add(job_culture_pulse, "cron", hour=9, minute=0, id="culture_pulse", replace_existing=True)
    # Retrained as soon as enough outcomes are new (checked hourly; due_kinds decides);
    # challengers promoted or retired once a day, after the night's retention outcomes.
    add(job_model_retrain, "cron", minute=40, id="model_retrain", replace_existing=True)
    add(job_model_promotion, "cron", hour=5, minute=0, id="model_promotion", replace_existing=True)
    add(
        job_score_unscored,
        "interval",
        seconds=worker_jobs.SCORE_UNSCORED_EVERY.total_seconds(),
        id="score_unscored",
        replace_existing=True,
    )
    # Runs a dead worker left unfinished: checked at once (a standby taking over) and then
    # every lease period, the time a run's lease needs to lapse. Bookkeeping of this
    # process, like the lease renewal, so kept out of the database job store.
    add(
        job_retry_stale,
        "interval",
        seconds=intervals["lease"],
        id="retry_stale",
        jobstore="internal",
        next_run_time=datetime.now(UTC),
    )
    return scheduler


def serve(name: str, stop: threading.Event) -> int:
    """Wait for the lease, then run the schedule until stopped or the lease is lost."""
    db = _db()
    ttl = worker_runs.lease_ttl()
    while not stop.is_set():
        if worker_runs.acquire_lease(db, name, datetime.now(UTC), ttl):
            break
        log.info("another worker holds the schedule; standing by")
        stop.wait(ttl.total_seconds() / 3)
    if stop.is_set():
        # The stop may have come while the lease was being taken (the holder stopping with
        # it, as when Ctrl-C reaches both): give it back, or the next worker waits it out.
        worker_runs.release_lease(db, name)
        return 0
    log.info("worker %s runs the schedule", name)
    scheduler = build_scheduler(db)

    def renew() -> None:
        if not worker_runs.acquire_lease(db, name, datetime.now(UTC), ttl):
            log.error("lost the schedule lease; stopping")
            scheduler.shutdown(wait=False)

    scheduler.add_job(
        renew, "interval", seconds=ttl.total_seconds() / 3, id="lease", jobstore="internal"
    )
    # shutdown() before start() raises and is lost, and start() would then block for good:
    # a stop signal that arrives while the schedule is being set up waits for the start.
    started = threading.Event()
    scheduler.add_listener(lambda _: started.set(), EVENT_SCHEDULER_STARTED)

    def watch() -> None:
        stop.wait()
        started.wait()
        scheduler.shutdown(wait=True)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        scheduler.start()
    finally:
        worker_runs.release_lease(db, name)
        log.info("worker %s stopped", name)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.worker", description=__doc__)
    parser.add_argument("--once", choices=sorted(JOBS), help="run one job now and exit")
    parser.add_argument("--name", default=f"{socket.gethostname()}:{os.getpid()}")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("PEOPLEOS_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # httpx logs full request URLs at INFO; a Slack webhook URL is a secret.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        get_settings()
        worker_intervals()
    except SettingsError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    _state["name"] = args.name
    if args.once:
        status = JOBS[args.once]()
        sys.stdout.write(f"{args.once}: {status}\n")
        # A partial run (some companies failed) is a failure for cron, as is a lost lease.
        return 0 if status in ("succeeded", "skipped") else 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return serve(args.name, stop)


if __name__ == "__main__":
    sys.exit(main())
