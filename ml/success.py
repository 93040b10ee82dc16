"""Success probability: gradient boosting on the fit dimensions and the role, calibrated.

Inputs are the seven dimension scores plus what the role asks (its level, the company's
stage) and the level gap. Five isotonic-calibrated boosters are fitted on cross-validation
folds (``CalibratedClassifierCV(cv=5, ensemble=True)``); the probability is their mean and
the spread between them is the uncertainty shown next to it (and their agreement the
prediction's confidence, defined once in ``core.services.scoring.CONFIDENCE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score

from ml.fit import SUCCESS_FEATURES, success_frame

__all__ = ["SUCCESS_FEATURES", "Reliability", "SuccessModel", "reliability", "success_frame"]


@dataclass(frozen=True)
class Reliability:
    """A reliability curve (mean predicted vs observed rate per bin) and the Brier score."""

    predicted: list[float]
    observed: list[float]
    counts: list[int]
    brier: float
    auc: float

    def to_dict(self) -> dict[str, object]:
        return {
            "predicted": self.predicted,
            "observed": self.observed,
            "counts": self.counts,
            "brier": self.brier,
            "auc": self.auc,
        }


def reliability(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> Reliability:
    """Reliability curve on equal-width bins, Brier score and AUC of probabilities ``p``."""
    observed, predicted = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    edges = np.linspace(0, 1, n_bins + 1)
    counts = np.bincount(np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1), minlength=n_bins)
    return Reliability(
        [round(float(v), 4) for v in predicted],
        [round(float(v), 4) for v in observed],
        [int(c) for c in counts if c > 0],
        round(float(brier_score_loss(y, p)), 5),
        round(float(roc_auc_score(y, p)), 5),
    )


class SuccessModel(ClassifierMixin, BaseEstimator):
    """Calibrated gradient boosting; ``predict_interval`` gives the members' spread."""

    def __init__(
        self, max_iter: int = 200, learning_rate: float = 0.05, cv: int = 5, random_state: int = 0
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.cv = cv
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> SuccessModel:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        booster = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_depth=4,
            random_state=self.random_state,
        )
        self.calibrated_ = CalibratedClassifierCV(booster, method="isotonic", cv=self.cv).fit(
            X.to_numpy(dtype=float), np.asarray(y)
        )
        self.classes_ = self.calibrated_.classes_
        return self

    def member_probabilities(self, X: pd.DataFrame) -> np.ndarray:
        """(n, cv) success probabilities of the calibrated members, one column each."""
        data = X[list(self.feature_names_in_)].to_numpy(dtype=float)
        return np.column_stack(
            [m.predict_proba(data)[:, 1] for m in self.calibrated_.calibrated_classifiers_]
        )

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = self.member_probabilities(X).mean(axis=1)
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def predict_interval(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probability, and the lowest and highest of the calibrated members."""
        members = self.member_probabilities(X)
        return members.mean(axis=1), members.min(axis=1), members.max(axis=1)
