"""Feature importance of the fit ensemble: how many fit-score points each feature, and each
dimension, moves a candidate's overall fit on average (up or down), over a sample.

A candidate's SHAP values (logit space, :class:`ml.fit_model.Explanation`) become fit-score
points the way the profile's waterfall shows them (:func:`ml.fit.score_points`: they add up
from the average candidate's score to the candidate's). A feature's importance is the mean
absolute value of its points; a dimension's is the mean absolute value of its features'
points summed per candidate, the dimension's bar in the waterfall. It is not the sum of its
features' importances (features of one dimension can push opposite ways).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ml.fit import score_points

if TYPE_CHECKING:  # xgboost loads only when a model is unpickled
    from ml.fit_model import Explanation


@dataclass(frozen=True)
class Importance:
    """Mean absolute fit-score points, largest first, and how many candidates they rest on."""

    n: int
    features: dict[str, float]  # feature -> mean |points|
    groups: dict[str, float]  # group -> mean |sum of its features' points|


def _ranked(names: list[str], values: np.ndarray) -> dict[str, float]:
    order = sorted(range(len(names)), key=lambda i: (-values[i], names[i]))
    return {names[i]: float(values[i]) for i in order}


def points(explanation: Explanation) -> np.ndarray:
    """(n, p) fit-score points of each candidate's features (each row adds up to the
    candidate's score minus the average candidate's)."""
    names = list(explanation.feature_names)
    rows = [
        score_points(dict(zip(names, row, strict=True)), explanation.base_value, out)[1]
        for row, out in zip(np.asarray(explanation.values), explanation.output, strict=True)
    ]
    return np.array([[r[f] for f in names] for r in rows], dtype=float).reshape(-1, len(names))


def mean_abs_points(explanation: Explanation, groups: Mapping[str, str]) -> Importance:
    """Per feature and per group (``groups``: feature -> group; a feature missing from it
    is its own group), the mean absolute fit-score points over the explained rows."""
    names = list(explanation.feature_names)
    values = points(explanation)
    if not len(values):
        return Importance(0, {}, {})
    keys = list(dict.fromkeys(groups.get(f, f) for f in names))
    summed = np.column_stack(
        [values[:, [groups.get(f, f) == k for f in names]].sum(axis=1) for k in keys]
    )
    return Importance(
        n=len(values),
        features=_ranked(names, np.abs(values).mean(axis=0)),
        groups=_ranked(keys, np.abs(summed).mean(axis=0)),
    )
