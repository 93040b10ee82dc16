"""What the benchmark parts share: percentiles, machine load, a small demo company, and the
results file."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[max(1, min(99, round(q))) - 1]


def summary_of(seconds: list[float]) -> dict[str, Any]:
    """p50, p95 and max of some timings, rounded, with how many there were."""
    return {
        "n": len(seconds),
        "p50_s": round(percentile(seconds, 50), 4),
        "p95_s": round(percentile(seconds, 95), 4),
        "max_s": round(max(seconds), 4),
    }


def load_average() -> float:
    """The 1-minute load average; above the core count, other processes compete."""
    return round(os.getloadavg()[0], 2)


def merge(results: dict[str, Any], path: Path = RESULTS) -> dict[str, Any]:
    """Merge one part's keys into the results file (atomically) and return the whole."""
    current = json.loads(path.read_text()) if path.exists() else {}
    current.update(results)
    partial = path.with_suffix(path.suffix + ".tmp")
    partial.write_text(json.dumps(current, indent=2) + "\n")
    partial.replace(path)
    return current


def demo_company_database(name: str, *, candidates: int, seed: int) -> str:
    """A fresh SQLite file holding one demo company (with open roles) and the prior models'
    registry rows; its URL."""
    from core.db import Database
    from core.services import database, demo, model_registry

    folder = Path(tempfile.mkdtemp(prefix=f"peopleos-bench-{name}-"))
    url = f"sqlite:///{folder / f'{name}.db'}"
    database.upgrade(url)
    db = Database(url)
    try:
        demo.seed_demo(
            db.uow(),
            companies=1,
            candidates=candidates,
            seed=seed,
            as_of=date(2026, 11, 1),
            password="peopleos-bench-2026",
        )
        model_registry.ensure_prior(db.uow(), datetime.now(UTC))
    finally:
        db.dispose()
    return url
