"""The model registry as a report: what the Models page shows (the registered versions of
:func:`model_registry.list_models` and the accuracy from outcomes of
:func:`model_accuracy.accuracy_from_outcomes`) as plain, strict-JSON data, for
``python -m core.cli models list``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from core.services.model_accuracy import VersionAccuracy
from core.services.model_promotion import ABStatus
from core.services.model_registry import ModelsOverview
from ml.training import FIT_MODEL, SUCCESS_MODEL

# Plain names of the registry's model names, as the Models page speaks of them.
MODEL_KINDS = {FIT_MODEL: "fit", SUCCESS_MODEL: "success"}


def _plain(value: Any) -> Any:
    """``value`` with NaN and infinities as None and numpy scalars as Python numbers, so
    the report is strict JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def ab_report(status: ABStatus) -> dict[str, Any]:
    """The A/B block of the Models page as plain data: each arm (version, share, predictions,
    people, outcomes), the AUC difference so far, the verdict now and past decisions."""
    return _plain(
        {
            "running": status.running,
            "min_outcomes": status.min_outcomes,
            "arms": [asdict(a) for a in status.arms],
            "auc_difference": None
            if status.auc_difference is None
            else asdict(status.auc_difference),
            "verdict": status.verdict,
            "reason": status.reason,
            "decisions": [asdict(d) for d in status.decisions],
        }
    )


def registry_report(
    company_name: str,
    overview: ModelsOverview,
    measured: list[VersionAccuracy],
    ab: ABStatus | None = None,
) -> dict[str, Any]:
    """The company's registry report: each version (status, kind, company or prior, what it
    was trained on and when, sizes, features, held-out metrics, its accuracy from outcomes),
    every accuracy from outcomes, with how many outcomes each figure rests on, and (given
    ``ab``) the A/B test (:func:`ab_report`)."""
    accuracy = [
        {
            "model_version": m.model_version,
            "prediction_type": m.prediction_type,
            "kind": m.kind,
            **asdict(m.accuracy),
        }
        for m in measured
    ]
    versions = []
    for v in overview.versions:
        metrics = {k: val for k, val in v.metrics.items() if k != "trained_on"}
        # Fit and success models trained together share one metrics dict: the success
        # model's own held-out AUC is its calibration's (as the Models page shows it).
        own_metrics = metrics.get("success") if v.name == SUCCESS_MODEL else metrics
        versions.append(
            {
                "name": v.name,
                "kind": MODEL_KINDS.get(v.name, v.name),
                "version": v.version,
                "status": v.status,
                "scope": v.scope,
                "trained_at": v.trained_at.isoformat() if v.trained_at else None,
                "trained_on": v.metrics.get("trained_on"),
                "n_train": metrics.get("n_train"),
                "n_test": metrics.get("n_test"),
                "features": v.feature_names,
                "held_out": v.held_out,
                "held_out_auc": (own_metrics or {}).get("auc"),
                "held_out_metrics": metrics,
                # predictions name their model "name:version" (e.g. fit_ensemble:prior-1)
                "accuracy_from_outcomes": [
                    a for a in accuracy if a["model_version"] == f"{v.name}:{v.version}"
                ],
            }
        )
    return _plain(
        {
            "company": company_name,
            "labelled_outcomes": overview.labelled_outcomes,
            "min_company_outcomes": overview.min_company_outcomes,
            "versions": versions,
            "accuracy_from_outcomes": accuracy,
            **({"ab_test": ab_report(ab)} if ab is not None else {}),
        }
    )
