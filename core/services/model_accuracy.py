"""Per model version and prediction type, how accurate the predictions were, measured only
from the outcomes recorded against them (``predictions`` joined to ``outcomes``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.db import UnitOfWork
from core.permissions import Permission
from core.repositories.model_accuracy import ModelAccuracyRepository
from core.services.auth import Actor
from ml import accuracy
from ml.accuracy import Accuracy

# Prediction types in the order the Models page shows them, with their plain names.
KINDS = {"fit_score": "fit", "success_prob": "success", "retention_risk": "retention"}


@dataclass(frozen=True)
class VersionAccuracy:
    model_version: str  # as stored on the predictions, e.g. "fit_ensemble:prior-1"
    prediction_type: str  # fit_score, success_prob, retention_risk
    kind: str  # fit, success, retention
    accuracy: Accuracy


def accuracy_from_outcomes(uow: UnitOfWork, actor: Actor) -> list[VersionAccuracy]:
    """AUC, Brier score, calibration and MAE (with bootstrap intervals and counts) of each
    model version and prediction type, from the company's predictions that have outcomes.

    A person scored several times by one version counts once, by the latest prediction
    before the outcome: repeated rescoring of the same hire must not multiply its weight.
    """
    actor.require(Permission.VIEW_MODELS)
    with uow:
        rows = ModelAccuracyRepository(uow.session).list_scored_outcomes(actor.company_id)
    groups: dict[tuple[str, str], dict[uuid.UUID | int, tuple[float, float]]] = {}
    for i, (version, kind, entity, _, predicted, actual) in enumerate(rows):
        # Oldest first, so a later prediction about the same person replaces an earlier one.
        groups.setdefault((version, kind), {})[entity if entity is not None else i] = (
            predicted,
            actual,
        )
    order = list(KINDS)
    result = []
    for (version, kind), pairs in sorted(
        groups.items(),
        key=lambda g: (order.index(g[0][1]) if g[0][1] in order else len(order), g[0][0]),
    ):
        predicted, actual = zip(*pairs.values(), strict=True)
        result.append(
            VersionAccuracy(
                version, kind, KINDS.get(kind, kind), accuracy.measure(predicted, actual)
            )
        )
    return result
