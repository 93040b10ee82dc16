"""A/B testing of model versions: the deterministic split and the difference of two arms.

The split hashes the entity's id (sha256, not Python's per-process ``hash``), so every web
process and worker puts the same candidate in the same arm, and a person keeps their arm
across rescoring. The difference is a seeded percentile bootstrap: each arm's outcomes are
resampled on their own (the arms hold different people).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

import numpy as np

from ml.accuracy import RESAMPLES, SEED, Estimate, _auc_rows

CHAMPION = "champion"
CHALLENGER = "challenger"
ARMS = (CHAMPION, CHALLENGER)


def arm_for(entity_id: uuid.UUID | str, share: float) -> str:
    """The arm of ``entity_id``: "challenger" for a ``share`` of ids, else "champion"."""
    if not 0.0 <= share <= 1.0:
        raise ValueError("the challenger's share must be between 0 and 1")
    digest = hashlib.sha256(f"peopleos-ab:{entity_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    return CHALLENGER if position < share else CHAMPION


def _binary(predicted: Sequence[float], actual: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(actual, dtype=float)
    keep = (y == 0) | (y == 1)  # a neutral outcome (0.5) has no place in an AUC
    return p[keep], y[keep]


def auc_difference(
    champion: tuple[Sequence[float], Sequence[float]],
    challenger: tuple[Sequence[float], Sequence[float]],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Estimate | None:
    """Challenger AUC minus champion AUC, each on its own arm's (predicted, actual) pairs,
    with a bootstrap 95 % interval; ``n`` is the smaller arm's yes/no outcomes. None when
    an arm lacks either outcome."""
    pa, ya = _binary(*champion)
    pb, yb = _binary(*challenger)
    if not len(ya) or not len(yb) or ya.min() == ya.max() or yb.min() == yb.max():
        return None
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, len(pa), size=(resamples, len(pa)))
    ib = rng.integers(0, len(pb), size=(resamples, len(pb)))
    point = float(_auc_rows(pb[None, :], yb[None, :])[0] - _auc_rows(pa[None, :], ya[None, :])[0])
    samples = _auc_rows(pb[ib], yb[ib]) - _auc_rows(pa[ia], ya[ia])
    samples = samples[~np.isnan(samples)]
    if not len(samples):
        return Estimate(point, point, point, min(len(ya), len(yb)))
    low, high = np.percentile(samples, [2.5, 97.5])
    return Estimate(point, float(low), float(high), min(len(ya), len(yb)))
