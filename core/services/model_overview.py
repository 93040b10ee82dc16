"""What the Models page shows beyond the registry: the feature importance of the fit model
that scores the company's candidates (its champion), measured on their stored features."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.db import UnitOfWork
from core.permissions import Permission
from core.repositories.model_overview import ModelOverviewRepository
from core.repositories.scoring import ScoringRepository
from core.services import model_registry
from core.services.auth import Actor
from ml.fit import FEATURE_LABELS, GROUP_NAMES, GROUPS, MODEL_FEATURES
from ml.importance import mean_abs_points
from ml.training import TrainedModels

# The candidates feature importance is measured on at most: the most recently scored.
IMPORTANCE_SAMPLE = 500


@dataclass(frozen=True)
class DimensionImportance:
    key: str  # ml.fit.SHOWN_DIMENSIONS key
    name: str
    mean_points: float  # fit-score points it moves a candidate's overall, up or down


@dataclass(frozen=True)
class FeatureImportanceRow:
    feature: str  # ml.fit.MODEL_FEATURES name
    label: str
    dimension: str  # the shown dimension's name
    mean_points: float  # fit-score points


@dataclass(frozen=True)
class FeatureImportance:
    """How far each dimension and feature moves the serving fit model's score on average
    (mean absolute fit-score points of its SHAP values, :mod:`ml.importance`), largest first."""

    version: str
    scope: str  # "prior" or "company"
    candidates: int  # how many scored candidates it rests on
    sample_limit: int
    dimensions: list[DimensionImportance]
    features: list[FeatureImportanceRow]


def feature_importance(
    uow: UnitOfWork, actor: Actor, prior: TrainedModels, *, limit: int = IMPORTANCE_SAMPLE
) -> FeatureImportance:
    """Feature importance of the fit model now scoring the company (its champion, else the
    prior): mean absolute fit-score points per feature and per profile dimension, over the stored
    features of its ``limit`` most recently scored candidates (whichever model scored them:
    the features do not depend on the model)."""
    actor.require(Permission.VIEW_MODELS)
    with uow:
        models, scope = model_registry.models_for(
            ScoringRepository(uow.session), actor.company_id, prior
        )
        stored = [
            b["features"]
            for b in ModelOverviewRepository(uow.session).scored_breakdowns(actor.company_id, limit)
            # A breakdown from before a feature existed cannot be explained by this model.
            if isinstance(b.get("features"), dict) and set(MODEL_FEATURES) <= set(b["features"])
        ]
    if not stored:
        return FeatureImportance(models.version, scope, 0, limit, [], [])
    features = pd.DataFrame(stored)[list(MODEL_FEATURES)].astype(float)
    measured = mean_abs_points(models.fit.explain(features), GROUPS)
    return FeatureImportance(
        version=models.version,
        scope=scope,
        candidates=measured.n,
        sample_limit=limit,
        dimensions=[
            DimensionImportance(key, GROUP_NAMES.get(key, key), value)
            for key, value in measured.groups.items()
        ],
        features=[
            FeatureImportanceRow(
                feature,
                FEATURE_LABELS.get(feature, feature),
                GROUP_NAMES.get(GROUPS.get(feature, feature), feature),
                value,
            )
            for feature, value in measured.features.items()
        ],
    )
