"""Reading a candidate's stored fit: its dimensions, how they add up to the overall (the
fit story), its score history, and what-if scoring that stores nothing.

The overall fit is not an average of the dimensions: it is the ensemble's estimate of a
successful hire, and :func:`fit_story` says how each shown dimension moved it from the
average candidate's score, in score points, from the same SHAP values the waterfall shows.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.db import UnitOfWork
from core.models import FitScoreDimension
from core.permissions import Permission
from core.repositories.scoring import ScoringRepository
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.scope import ensure_visible
from ml.fit import (
    FEATURE_LABELS,
    GROUP_NAMES,
    GROUPS,
    MODEL_FEATURES,
    SHOWN_DIMENSIONS,
    dimension_scores,
    fit_score,
    score_points,
)
from ml.training import TrainedModels

# A dimension whose bar is at least this high (or at most 100 minus it) but moved the
# overall the other way by at least STORY_POINTS points gets a sentence of its own.
HIGH_BAR, STORY_POINTS = 60, 0.5


@dataclass(frozen=True)
class FitStory:
    """How the overall fit follows from the shown dimensions, in fit-score points.

    ``base`` is the average candidate's score (the model's average over the candidates it
    learned from); ``points`` is what each shown dimension added or took away (the SHAP
    values of its features, all scaled by one factor), in :data:`SHOWN_DIMENSIONS` order;
    ``base + sum(points) == score``, the fit score unrounded. ``lines`` are the sentences
    the profile shows.
    """

    base: float
    score: float
    points: dict[str, float]
    feature_points: dict[str, float]
    names: dict[str, str]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class WhatIf:
    features: dict[str, float]
    fit_score: int
    logit: float
    base_value: float
    contributions: dict[str, float]
    groups: dict[str, float]
    story: FitStory | None = None


@dataclass(frozen=True)
class Insight:
    """Everything the candidate page shows about one candidate's fit."""

    candidate_id: uuid.UUID
    fit_score: int | None
    success_probability: int | None
    breakdown: dict[str, Any] | None
    dimensions: list[dict[str, Any]]
    risks: list[dict[str, Any]]
    genome: dict[str, Any] | None
    history: list[dict[str, Any]] = field(default_factory=list)
    model_label: str | None = None
    # How the overall follows from the dimensions (None before the first score).
    story: FitStory | None = None
    # CONFIDENCE of the stored fit ("fit_score") and success ("success_prob") estimates.
    confidence: dict[str, float] = field(default_factory=dict)


def _plain(points: float) -> str:
    return f"{points:+.1f}"


def fit_story(
    contributions: Mapping[str, float],
    base_value: float,
    output: float,
    bars: Mapping[str, float] | None = None,
) -> FitStory:
    """How the overall fit follows from the shown dimensions (see :class:`FitStory`).

    ``contributions`` are the SHAP values of the model features (they add up from
    ``base_value`` to ``output``); ``bars`` the shown dimension scores, when known, let a
    dimension whose bar and push disagree say why.
    """
    base, feature_points, score = score_points(contributions, base_value, output)
    points = {key: 0.0 for key in SHOWN_DIMENSIONS}
    for feature, value in feature_points.items():
        group = GROUPS.get(feature, feature)
        points[group] = points.get(group, 0.0) + value
    names = {key: GROUP_NAMES.get(key, key) for key in points}
    lines = [
        f"The overall fit, {round(score)}/100, is the model's estimate of how likely this hire "
        "is to succeed, out of 100. It is not an average of the dimension scores: it starts "
        f"from the average candidate's {base:.0f} (the average of the candidates the model "
        "learned from) and each dimension moves it up or down by the points in the waterfall.",
        _pushes(points, names),
    ]
    for key, bar in (bars or {}).items():
        moved = points.get(key, 0.0)
        if (bar >= HIGH_BAR and moved <= -STORY_POINTS) or (
            bar <= 100 - HIGH_BAR and moved >= STORY_POINTS
        ):
            lines.append(_against(key, bar, moved, feature_points, names))
    return FitStory(base, score, points, feature_points, names, tuple(lines))


def _pushes(points: Mapping[str, float], names: Mapping[str, str]) -> str:
    """Which dimensions pushed the fit up and which pulled it down, biggest first."""
    ranked = sorted(points.items(), key=lambda kv: -abs(kv[1]))
    up = [f"{names[k]} {_plain(v)}" for k, v in ranked if v >= 0.05]
    down = [f"{names[k]} {_plain(v)}" for k, v in ranked if v <= -0.05]
    return (
        f"Pushed it up: {', '.join(up) if up else 'nothing'}. "
        f"Pulled it down: {', '.join(down) if down else 'nothing'} (score points)."
    )


def _against(
    key: str,
    bar: float,
    moved: float,
    feature_points: Mapping[str, float],
    names: Mapping[str, str],
) -> str:
    """Why a dimension with a high (low) bar moved the fit down (up)."""
    direction = "added" if moved > 0 else "took off"
    head = f"{names[key]} scores {bar:.0f} yet {direction} {abs(moved):.1f} points"
    parts = sorted(
        ((f, v) for f, v in feature_points.items() if GROUPS.get(f) == key and abs(v) >= 0.05),
        key=lambda fv: -abs(fv[1]),
    )
    if len(parts) > 1:
        within = ", ".join(f"{FEATURE_LABELS.get(f, f)} {_plain(v)}" for f, v in parts)
        return f"{head}: within it, {within}."
    return (
        f"{head}: the model weighs each dimension against the average candidate's and "
        "together with the rest of the profile, not on its own."
    )


def candidate_insight(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> Insight:
    """The stored fit of one candidate with its dimensions, their story and score history."""
    # Interviewers never see scores: the model must not bias the interview they run.
    actor.require(Permission.VIEW_SCORES)
    with uow:
        repo = ScoringRepository(uow.session)
        found = repo.candidates(actor.company_id, [candidate_id])
        if not found:
            raise NotFoundError("Candidate not found.")
        # VIEW_SCORES does not imply every candidate: the scope is checked on its own.
        candidate = ensure_visible(uow.session, actor, found[0])
        stored = repo.dimensions(actor.company_id, candidate_id)
        history = [
            {
                "scored_at": p.created_at,
                "type": p.prediction_type,
                "value": p.predicted_value,
                "confidence": p.confidence,
                "model_version": p.model_version,
                "trigger": (p.features or {}).get("trigger"),
            }
            for p in repo.predictions(actor.company_id, candidate_id)
        ]
        breakdown = candidate.fit_breakdown
        label = (
            f"{breakdown['model']} {breakdown['version']} ({breakdown['scope']}: "
            f"{breakdown['trained_on']})"
            if breakdown
            else None
        )
        dimensions = _shown_dimensions(stored, breakdown)
        story = None
        if breakdown and breakdown.get("contributions"):
            story = fit_story(
                breakdown["contributions"],
                float(breakdown["base_value"]),
                float(breakdown["logit"]),
                {d["key"]: d["score"] for d in dimensions},
            )
            for d in dimensions:
                d["points"] = story.points.get(d["key"])
        return Insight(
            candidate_id=candidate.id,
            fit_score=candidate.fit_score,
            success_probability=candidate.success_probability,
            breakdown=breakdown,
            dimensions=dimensions,
            risks=list(candidate.risk_indicators or []),
            genome=candidate.genome_profile,
            history=history,
            model_label=label,
            story=story,
            confidence=_latest_confidence(history),
        )


def _shown_dimensions(
    stored: list[FitScoreDimension], breakdown: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The shown dimensions in order, from the stored rows.

    A candidate scored before Track record was a shown dimension has no row for it; it is
    computed from the stored signals and evidence by the same function scoring uses.
    """
    rows = {d.dimension_type: {"score": d.score, "reasoning": d.reasoning} for d in stored}
    missing = [key for key in SHOWN_DIMENSIONS if key not in rows]
    if missing and rows and breakdown and breakdown.get("signals"):
        computed = dimension_scores(breakdown["signals"], breakdown.get("evidence") or {})
        rows.update(
            {
                d.key: {"score": d.score, "reasoning": d.reasoning}
                for d in computed
                if d.key in missing
            }
        )
    return [
        {"key": key, "name": name, **rows[key]}
        for key, name in SHOWN_DIMENSIONS.items()
        if key in rows
    ]


def _latest_confidence(history: list[dict[str, Any]]) -> dict[str, float]:
    """The stored CONFIDENCE of the newest fit and success prediction (history is newest
    first), so the profile shows the number the predictions table holds."""
    latest: dict[str, float] = {}
    for row in history:
        if row["confidence"] is not None:
            latest.setdefault(row["type"], float(row["confidence"]))
    return latest


def what_if(models: TrainedModels, features: dict[str, float], changes: dict[str, float]) -> WhatIf:
    """The score and explanation with some features changed (nothing is stored)."""
    unknown = set(changes) - set(MODEL_FEATURES)
    if unknown:
        raise ValidationError(f"Unknown feature(s): {', '.join(sorted(unknown))}.")
    values = {**{f: float(features[f]) for f in MODEL_FEATURES}, **changes}
    for name, value in changes.items():
        if not math.isfinite(value):
            raise ValidationError(f"{FEATURE_LABELS[name]} must be a number.")
    explanation = models.fit.explain(pd.DataFrame([values])[list(MODEL_FEATURES)])
    logit = float(explanation.output[0])
    contributions = dict(zip(MODEL_FEATURES, map(float, explanation.values[0]), strict=True))
    return WhatIf(
        features=values,
        fit_score=round(fit_score(logit)),
        logit=logit,
        base_value=explanation.base_value,
        contributions=contributions,
        groups={g: float(v) for g, v in explanation.grouped(GROUPS).iloc[0].items()},
        story=fit_story(contributions, explanation.base_value, logit),
    )


def candidate_what_if(
    uow: UnitOfWork,
    actor: Actor,
    candidate_id: uuid.UUID,
    models: TrainedModels,
    changes: dict[str, float],
) -> WhatIf:
    """The candidate's fit with some of their features changed, scored and explained by
    ``models`` (nothing is stored): for those who see the candidate's scores."""
    insight = candidate_insight(uow, actor, candidate_id)
    features = (insight.breakdown or {}).get("features")
    if not features:
        raise ValidationError("The candidate is not scored yet; score them first.")
    return what_if(models, features, changes)


def group_names() -> dict[str, str]:
    return dict(GROUP_NAMES)


def feature_labels() -> dict[str, str]:
    return dict(FEATURE_LABELS)


def feature_groups() -> dict[str, str]:
    """The shown dimension each model feature belongs to."""
    return dict(GROUPS)
