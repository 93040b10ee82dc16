"""What a company's retraining costs on 50,000 outcomes, next to one plain XGBoost fit.

Both run in one process on the same 50,000 synthetic labelled hires
(``ml.synthetic.generate_history``, seed 41), so the ratio cancels most of the machine's speed
and load:

- ``retraining``: :func:`ml.training.train_own`, the ml call ``train_company_models`` makes
  after reading the labelled hires from the database (stratified 25 % held out; the fit
  ensemble — XGBoost + torch MLP + the k-means explanation background — and the calibrated
  success model on the rest; both AUCs on the held-out hires, against the prior models).
- ``plain_xgboost``: one ``xgboost.XGBClassifier`` fit on all 50,000 rows of the fit features,
  with the ensemble's tree defaults (``n_estimators``, ``max_depth``, ``learning_rate``) and
  its two threads, the rest XGBoost's own defaults.

Best of a few interleaved repeats counts (``time.perf_counter``). Peak memory is the
process's ``VmHWM``, reset before each step where the kernel allows it, so each step's peak
is its own (otherwise it is the process's peak so far, and ``peak_rss_reset`` says so).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from bench.common import load_average
from bench.scoring import load_or_train, machine
from ml import training
from ml.fit import MODEL_FEATURES, dimension_frame
from ml.fit_model import FitEnsemble
from ml.synthetic import generate_history

ROWS = 50_000
# Unlike the prior's training (2026), evaluation (2027) and the scoring bench's (31) draws.
SEED = 41
REPEATS = {"retraining": 2, "plain_xgboost": 3}

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mb(key: str) -> float | None:
    """A memory figure of /proc/self/status (``VmHWM``, ``VmRSS``) in MB, where it exists."""
    if not _STATUS.exists():
        return None
    for line in _STATUS.read_text().splitlines():
        if line.startswith(f"{key}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def reset_peak_rss() -> bool:
    """Start the peak (VmHWM) again from the current RSS (Linux 4.0+); False if refused."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def plain_xgboost(features: Any, y: np.ndarray) -> Callable[[], object]:
    """One XGBClassifier fit with the ensemble's tree defaults, on every row."""
    defaults = FitEnsemble()

    def fit() -> object:
        return xgb.XGBClassifier(
            n_estimators=defaults.n_estimators,
            max_depth=defaults.max_depth,
            learning_rate=defaults.learning_rate,
            tree_method="hist",
            n_jobs=2,  # as the ensemble's booster (nthread=2)
            random_state=training.PRIOR_SEED,
        ).fit(features, y)

    return fit


def retraining(features: Any, y: np.ndarray, prior: training.TrainedModels) -> Callable[[], Any]:
    """The company retraining path without the database: ``training.train_own``."""

    def fit() -> training.TrainedModels:
        return training.train_own(
            features,
            y,
            prior,
            version="own-bench",
            trained_on=f"benchmark ({len(y):,} synthetic outcomes, seed {SEED})",
            seed=training.PRIOR_SEED,
        )

    return fit


def run(rows: int = ROWS) -> dict[str, Any]:
    load_before = load_average()
    prior, prior_source = load_or_train()
    signals, y, _ = generate_history(rows, SEED)
    features = dimension_frame(signals)[list(MODEL_FEATURES)]
    steps = {
        "plain_xgboost": plain_xgboost(features, y),
        "retraining": retraining(features, y, prior),
    }
    runs: dict[str, list[float]] = {name: [] for name in steps}
    peaks: dict[str, float] = {}
    increases: dict[str, float] = {}
    resettable = True
    kept: training.TrainedModels | None = None
    for round_ in range(max(REPEATS.values())):
        for name, step in steps.items():
            if round_ >= REPEATS[name]:
                continue
            resettable = reset_peak_rss() and resettable
            rss = _status_mb("VmRSS")
            started = time.perf_counter()
            result = step()
            runs[name].append(time.perf_counter() - started)
            peak = _status_mb("VmHWM")
            if peak is not None and rss is not None:
                peaks[name] = max(peaks.get(name, 0.0), peak)
                increases[name] = max(increases.get(name, 0.0), round(peak - rss, 1))
            if name == "retraining":
                kept = result
    best = {name: min(seconds) for name, seconds in runs.items()}
    assert kept is not None
    metrics = kept.metrics
    return {
        "retrain_50k_s": round(best["retraining"], 2),
        "retrain_xgboost_ratio": round(best["retraining"] / best["plain_xgboost"], 1),
        "retraining": {
            "rows": rows,
            "train_rows": metrics["n_train"],
            "held_out_rows": metrics["n_test"],
            "seed": SEED,
            "retraining_s": round(best["retraining"], 2),
            "plain_xgboost_s": round(best["plain_xgboost"], 2),
            "ratio": round(best["retraining"] / best["plain_xgboost"], 1),
            "runs_s": {name: [round(s, 2) for s in seconds] for name, seconds in runs.items()},
            # train(): the two models' fits; the rest of train_own is the split and held-out AUCs
            "fit_and_success_s_of_last_run": metrics["train_seconds"],
            "held_out_auc": metrics["auc"],
            "prior_auc": metrics["prior_auc"],
            "peak_rss_mb": peaks,
            # what the step added over the process's memory when it started (data, prior,
            # libraries already loaded): the step's own cost
            "peak_increase_mb": increases,
            "peak_rss_reset": resettable,
            "plain_xgboost_params": {
                "n_estimators": FitEnsemble().n_estimators,
                "max_depth": FitEnsemble().max_depth,
                "learning_rate": FitEnsemble().learning_rate,
                "tree_method": "hist",
                "n_jobs": 2,
            },
            "prior": prior_source,
            "machine": machine(),
            "load_average_1m": {"before": load_before, "after": load_average()},
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }


def summary(results: dict[str, Any]) -> str:
    r = results["retraining"]
    peaks, more = r["peak_rss_mb"], r["peak_increase_mb"]
    lines = [
        f"retraining on {r['rows']:,} outcomes ({r['train_rows']:,} train, "
        f"{r['held_out_rows']:,} held out): {r['retraining_s']:.1f} s; one plain XGBoost fit on "
        f"the same rows: {r['plain_xgboost_s']:.2f} s; ratio {r['ratio']:.1f}x",
        f"peak RSS: retraining {peaks.get('retraining')} MB (+{more.get('retraining')}), plain "
        f"XGBoost {peaks.get('plain_xgboost')} MB (+{more.get('plain_xgboost')})"
        + ("" if r["peak_rss_reset"] else " (not reset between steps)"),
    ]
    load = r["load_average_1m"]["before"]
    if load > (os.cpu_count() or 1):
        lines.append(f"NOTE: machine busy (load {load:.1f} before the run): timings are inflated")
    return "\n".join(lines)
