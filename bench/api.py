"""The REST API's candidate list for a role with 10,000 candidates, over real HTTP.

One demo company (``demo.seed_demo``, 10,000 candidates, seed 13, every candidate scored by
the prior models) whose candidates all apply to its first role, built once into
``data/local/bench/api-10k.db`` and reused. ``uvicorn api.main:app`` serves it on a free
port; a talent lead logs in once, then asks ``GET /api/v1/roles/{id}/candidates`` (50 a
page): the first page in each sort (newest, fit, success), and the following pages by cursor
through the whole role, as an integration reading everything would. Each timing is one
request's round trip (the client on the same machine).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import load_average, summary_of
from core.config import PROJECT_ROOT

CANDIDATES = int(os.environ.get("PEOPLEOS_BENCH_API_CANDIDATES", "10000"))
SIZE = f"{CANDIDATES // 1000}k"
PASSWORD = "peopleos-bench-2026"
TARGET_P95_S = 0.3
FIRST_PAGES = 20  # of each sort


def database_path() -> Path:
    return PROJECT_ROOT / "data" / "local" / "bench" / f"api-{SIZE}.db"


def ensure_database() -> tuple[str, str, float | None]:
    """(URL, the role's id, seconds it took to build or None when reused)."""
    from sqlalchemy import select, update

    from core.db import Database
    from core.models import Candidate, Role
    from core.services import database, demo, model_registry, scoring

    path = database_path()
    url = f"sqlite:///{path}"
    built = None
    if not path.exists():
        started = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        work = f"sqlite:///{partial}"
        database.upgrade(work)
        db = Database(work)
        try:
            now = datetime.now(UTC)
            demo.seed_demo(
                db.uow(),
                companies=1,
                candidates=CANDIDATES,
                seed=13,
                as_of=date(2026, 11, 1),
                password=PASSWORD,
            )
            with db.uow() as uow:  # every candidate applies to the first role
                company_id, role_id = uow.session.execute(
                    select(Role.company_id, Role.id).order_by(Role.created_at, Role.id).limit(1)
                ).one()
                uow.session.execute(
                    update(Candidate)
                    .where(Candidate.company_id == company_id)
                    .values(role_id=role_id)
                )
                uow.commit()
            model_registry.ensure_prior(db.uow(), now)
            models = model_registry.load_models(db=db)
            scoring.rescore_company(db, company_id, models, now, trigger="demo")
        finally:
            db.dispose()
        database.analyze(work)
        partial.replace(path)
        built = round(time.perf_counter() - started, 1)
    db = Database(url)
    try:
        with db.uow() as uow:
            role_id = uow.session.scalar(select(Role.id).order_by(Role.created_at, Role.id))
    finally:
        db.dispose()
    return url, str(role_id), built


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _talent_lead(url: str) -> str:
    from sqlalchemy import select

    from core.db import Database
    from core.models import User

    db = Database(url)
    try:
        with db.uow() as uow:
            return uow.session.scalar(select(User.username).where(User.role == "talent_lead"))
    finally:
        db.dispose()


def run() -> dict[str, Any]:
    url, role_id, built = ensure_database()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PEOPLEOS_DATABASE_URL": url},
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.get("/openapi.json")
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("uvicorn did not start") from None
                    time.sleep(0.3)
            pair = client.post(
                "/auth/token", json={"username": _talent_lead(url), "password": PASSWORD}
            ).json()
            client.headers["Authorization"] = f"Bearer {pair['access_token']}"
            path = f"/roles/{role_id}/candidates"
            client.get(path)  # warm-up: connections, the first query plan
            first: list[float] = []
            for _ in range(FIRST_PAGES):
                for sort in ("newest", "fit", "success"):
                    started = time.perf_counter()
                    answer = client.get(path, params={"sort": sort, "limit": 50})
                    first.append(time.perf_counter() - started)
                    answer.raise_for_status()
            following: list[float] = []
            seen = 0
            cursor = None
            while True:
                params = {"sort": "fit", "limit": 50, **({"cursor": cursor} if cursor else {})}
                started = time.perf_counter()
                answer = client.get(path, params=params)
                following.append(time.perf_counter() - started)
                answer.raise_for_status()
                page = answer.json()
                seen += len(page["items"])
                cursor = page["next_cursor"]
                if cursor is None:
                    break
    finally:
        server.terminate()
        server.wait(timeout=30)
    every = first + following
    return {
        f"api_candidates_p95_s_{SIZE}": summary_of(every)["p95_s"],
        f"api_candidates_{SIZE}": {
            "candidates_in_role": seen,
            "first_pages": summary_of(first),
            "cursor_pages": summary_of(following),
            "all": summary_of(every),
            "target_p95_s": TARGET_P95_S,
            "database_built_s": built,
            "load_average": load_average(),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }


def summary(results: dict[str, Any]) -> str:
    part = results[f"api_candidates_{SIZE}"]
    p95 = results[f"api_candidates_p95_s_{SIZE}"]
    verdict = "met" if p95 < TARGET_P95_S else "MISSED"
    return (
        f"API candidate list, role with {part['candidates_in_role']} candidates: p95 "
        f"{p95 * 1000:.0f} ms over {part['all']['n']} requests (first pages p95 "
        f"{part['first_pages']['p95_s'] * 1000:.0f} ms, cursor pages p95 "
        f"{part['cursor_pages']['p95_s'] * 1000:.0f} ms); target {TARGET_P95_S * 1000:.0f} ms "
        f"{verdict}"
    )
