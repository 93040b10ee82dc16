"""Training and evaluation of the fit ensemble and the success model.

The *prior* models are trained on the synthetic hiring history (``ml.synthetic``), whose
true success function is known, so :func:`evaluate` can put the fit model's held-out AUC
next to the best achievable (Bayes) AUC. A company's own models are trained the same way
on its labelled hires once it has :data:`MIN_COMPANY_OUTCOMES` of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ml import artifacts
from ml.fit import MODEL_FEATURES, SUCCESS_FEATURES, dimension_frame, success_frame
from ml.synthetic import bayes_auc, generate_history

if TYPE_CHECKING:  # xgboost and scikit-learn load only when a model is trained or unpickled
    from ml.fit_model import FitEnsemble
    from ml.success import SuccessModel

FIT_MODEL = "fit_ensemble"
SUCCESS_MODEL = "success_gbm"
# Bump when the features, the model classes or the training recipe change.
PRIOR_VERSION = "prior-1"
PRIOR_SEED = 2026
PRIOR_TRAIN_SIZE = 30_000
EVAL_SIZE = 20_000
MIN_COMPANY_OUTCOMES = 200


@dataclass
class TrainedModels:
    """A fitted fit ensemble and success model, trained together on the same rows."""

    version: str
    fit: FitEnsemble
    success: SuccessModel
    trained_on: str
    metrics: dict[str, Any] = field(default_factory=dict)
    fit_features: tuple[str, ...] = MODEL_FEATURES
    success_features: tuple[str, ...] = SUCCESS_FEATURES


def train(
    features: pd.DataFrame, y: np.ndarray, *, version: str, trained_on: str, seed: int
) -> TrainedModels:
    """Fit both models on ``features`` (:data:`ml.fit.MODEL_FEATURES`) and labels ``y``."""
    from ml.fit_model import FitEnsemble
    from ml.success import SuccessModel

    started = time.perf_counter()
    fit = FitEnsemble(random_state=seed).fit(features[list(MODEL_FEATURES)], y)
    success = SuccessModel(random_state=seed).fit(success_frame(features), y)
    return TrainedModels(
        version=version,
        fit=fit,
        success=success,
        trained_on=trained_on,
        metrics={"n_train": len(y), "train_seconds": round(time.perf_counter() - started, 1)},
    )


def train_prior(seed: int = PRIOR_SEED, n: int = PRIOR_TRAIN_SIZE) -> TrainedModels:
    """The prior models, trained on ``n`` synthetic historical hires, with held-out metrics."""
    signals, y, _ = generate_history(n, seed)
    models = train(
        dimension_frame(signals),
        y,
        version=PRIOR_VERSION,
        trained_on=f"synthetic hiring history ({n:,} hires, seed {seed})",
        seed=seed,
    )
    models.metrics.update(evaluate(models, seed=seed + 1))
    return models


def train_own(
    features: pd.DataFrame,
    y: np.ndarray,
    prior: TrainedModels,
    *,
    version: str,
    trained_on: str,
    seed: int,
    test_share: float = 0.25,
) -> TrainedModels:
    """A company's own models from its labelled hires, judged against ``prior`` on held-out hires.

    A stratified ``test_share`` of the hires is held out; the new models learn from the rest.
    ``metrics`` gets both AUCs on the held-out hires and ``better_than_prior``.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    y = np.asarray(y, dtype=int)
    train_idx, test_idx = train_test_split(
        np.arange(len(y)), test_size=test_share, stratify=y, random_state=seed
    )
    models = train(
        features.iloc[train_idx], y[train_idx], version=version, trained_on=trained_on, seed=seed
    )
    held_out = features.iloc[test_idx][list(MODEL_FEATURES)]
    auc = float(roc_auc_score(y[test_idx], models.fit.decision_function(held_out)))
    prior_auc = float(roc_auc_score(y[test_idx], prior.fit.decision_function(held_out)))
    models.metrics.update(
        {
            "auc": round(auc, 5),
            "prior_auc": round(prior_auc, 5),
            "better_than_prior": auc > prior_auc,
            "n_test": len(test_idx),
            "positives": int(y.sum()),
        }
    )
    return models


def evaluate(models: TrainedModels, *, seed: int, n: int = EVAL_SIZE) -> dict[str, Any]:
    """Held-out metrics on a fresh synthetic draw: AUCs next to the Bayes AUC, calibration."""
    from sklearn.metrics import roc_auc_score

    from ml.success import reliability

    signals, y, p_true = generate_history(n, seed)
    features = dimension_frame(signals)
    logit = models.fit.decision_function(features)
    members = models.fit.member_probabilities(features)
    p_success = models.success.predict_proba(success_frame(features))[:, 1]
    best = bayes_auc()
    auc = float(roc_auc_score(y, logit))
    return {
        "auc": round(auc, 5),
        "bayes_auc": round(best, 5),
        "auc_ratio": round(auc / best, 4),
        "sample_auc_of_truth": round(float(roc_auc_score(y, p_true)), 5),
        "xgboost_auc": round(float(roc_auc_score(y, members[:, 0])), 5),
        "mlp_auc": round(float(roc_auc_score(y, members[:, 1])), 5),
        "n_test": n,
        "eval_seed": seed,
        "success": reliability(y, p_success).to_dict(),
    }


def dump(models: TrainedModels, path: Path) -> None:
    """Write ``models`` to ``path`` atomically."""
    artifacts.dump(models, path)


def load(path: Path) -> TrainedModels:
    """Models written by :func:`dump`."""
    return artifacts.load(path, TrainedModels, "PeopleOS models")
