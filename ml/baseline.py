"""A transparent baseline success model: standardised logistic regression.

It scores the demo world's historical hires so the feedback loop has real
predictions to match outcomes against before the fit ensemble exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

BASELINE_NAME = "success_baseline"
BASELINE_VERSION = "logreg-1"


class BaselineSuccessModel(ClassifierMixin, BaseEstimator):
    """Logistic regression on standardised features; probabilities of success."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> BaselineSuccessModel:
        self.feature_names_ = list(X.columns)
        self.pipeline_: Pipeline = make_pipeline(
            StandardScaler(), LogisticRegression(C=self.C, max_iter=1000)
        )
        self.pipeline_.fit(X.to_numpy(dtype=float), np.asarray(y))
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.pipeline_.predict_proba(X[self.feature_names_].to_numpy(dtype=float))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)
