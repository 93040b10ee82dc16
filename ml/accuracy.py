"""Accuracy of predictions against the outcomes that followed them, with bootstrap intervals.

Predicted values are on the 0-1 scale (a fit score of 72 is 0.72); actual outcomes are 1
(success, left), 0 (failure, stayed) or 0.5 (a neutral hire outcome). AUC, Brier score and
calibration use only the yes/no outcomes; the mean absolute error uses them all and is
shown on the 0-100 score scale. Every figure carries the number of outcomes behind it and
a seeded percentile bootstrap 95 % interval (the same data gives the same interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

RESAMPLES = 1000
SEED = 20261129
BINS = 5


@dataclass(frozen=True)
class Estimate:
    """A figure, its bootstrap 95 % interval, and how many outcomes it rests on."""

    value: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class CalibrationBin:
    """Outcomes whose prediction fell in [lower, upper): their mean prediction and rate."""

    lower: float
    upper: float
    n: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class Accuracy:
    n: int  # every outcome (the MAE's)
    n_binary: int  # the yes/no outcomes (AUC, Brier, calibration)
    auc: Estimate | None  # None unless both outcomes occur
    brier: Estimate | None
    mae: Estimate | None  # on the 0-100 scale
    calibration: list[CalibrationBin]


def _auc_rows(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """AUC of each row (Mann-Whitney with average ranks for ties); NaN for one class."""
    ranks = rankdata(scores, axis=1)
    positives = labels.sum(axis=1)
    negatives = labels.shape[1] - positives
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((ranks * labels).sum(axis=1) - positives * (positives + 1) / 2) / (
            positives * negatives
        )
    return np.where((positives > 0) & (negatives > 0), auc, np.nan)


def _estimate(point: float, samples: np.ndarray, n: int) -> Estimate:
    samples = samples[~np.isnan(samples)]
    if not len(samples):
        return Estimate(point, point, point, n)
    low, high = np.percentile(samples, [2.5, 97.5])
    return Estimate(float(point), float(low), float(high), n)


def calibration_bins(
    predicted: np.ndarray, actual: np.ndarray, bins: int = BINS
) -> list[CalibrationBin]:
    """Equal-width bins of the prediction, only those holding outcomes."""
    edges = np.round(np.linspace(0.0, 1.0, bins + 1), 9)  # 0.6 is 0.6, not 0.6000000000000001
    which = np.clip(np.digitize(predicted, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append(
                CalibrationBin(
                    float(edges[b]),
                    float(edges[b + 1]),
                    int(mask.sum()),
                    float(predicted[mask].mean()),
                    float(actual[mask].mean()),
                )
            )
    return out


def measure(
    predicted: Sequence[float] | np.ndarray,
    actual: Sequence[float] | np.ndarray,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    bins: int = BINS,
) -> Accuracy:
    """AUC, Brier score, calibration and MAE of ``predicted`` against ``actual``."""
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(actual, dtype=float)
    if p.shape != y.shape or p.ndim != 1:
        raise ValueError("predicted and actual must be two arrays of the same length")
    rng = np.random.default_rng(seed)
    mae = None
    if len(p):
        idx = rng.integers(0, len(p), size=(resamples, len(p)))
        errors = 100 * np.abs(p - y)
        mae = _estimate(float(errors.mean()), errors[idx].mean(axis=1), len(p))
    binary = (y == 0) | (y == 1)
    pb, yb = p[binary], y[binary]
    auc = brier = None
    if len(pb):
        idx = rng.integers(0, len(pb), size=(resamples, len(pb)))
        squared = (pb - yb) ** 2
        brier = _estimate(float(squared.mean()), squared[idx].mean(axis=1), len(pb))
        if yb.min() != yb.max():
            point = float(_auc_rows(pb[None, :], yb[None, :])[0])
            auc = _estimate(point, _auc_rows(pb[idx], yb[idx]), len(pb))
    return Accuracy(len(p), len(pb), auc, brier, mae, calibration_bins(pb, yb, bins))


@dataclass(frozen=True)
class Figures:
    """AUC, Brier score and MAE without intervals, for slices such as one month's outcomes."""

    n: int  # every outcome (the MAE's)
    n_binary: int  # the yes/no outcomes (AUC, Brier)
    auc: float | None  # None unless both outcomes occur
    brier: float | None
    mae: float | None  # on the 0-100 scale


def figures(
    predicted: Sequence[float] | np.ndarray, actual: Sequence[float] | np.ndarray
) -> Figures:
    """The point figures of :func:`measure` (same definitions), without its bootstrap."""
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(actual, dtype=float)
    if p.shape != y.shape or p.ndim != 1:
        raise ValueError("predicted and actual must be two arrays of the same length")
    binary = (y == 0) | (y == 1)
    pb, yb = p[binary], y[binary]
    auc = None
    if len(pb) and yb.min() != yb.max():
        auc = float(_auc_rows(pb[None, :], yb[None, :])[0])
    return Figures(
        n=len(p),
        n_binary=len(pb),
        auc=auc,
        brier=float(((pb - yb) ** 2).mean()) if len(pb) else None,
        mae=float(100 * np.abs(p - y).mean()) if len(p) else None,
    )
