"""Fit scoring: dimension scores, the ensemble's score and explanation, success, risk, genome.

A candidate is scored when they apply (inside the intake transaction), when their role or
the company DNA changes (the worker rescans in batches), and on demand. Each scoring writes
the candidate's fit columns, its ``fit_score_dimensions`` rows (the shown dimensions,
``ml.fit.SHOWN_DIMENSIONS``) and two ``predictions`` rows (fit score and success
probability) naming the model version, each with a :data:`CONFIDENCE`.

The overall fit is not an average of the dimensions: it is the ensemble's estimate of a
successful hire, and :func:`fit_story` says how each shown dimension moved it from the
average candidate's score, in score points, from the same SHAP values the waterfall shows.

Models are trained offline (``python -m core.cli models train``, the demo seed, the
worker's start-up) and loaded read-only here: a request never trains.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.db import Database, UnitOfWork
from core.models import (
    Candidate,
    Company,
    FitScoreDimension,
    JobRequest,
    ModelVersion,
    Prediction,
    Role,
)
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.scoring import ScoringRepository
from core.repositories.worker import WorkerRepository
from core.services import notifications
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from ml import training
from ml.fit import (
    FEATURE_LABELS,
    GROUP_NAMES,
    GROUPS,
    MODEL_FEATURES,
    SHOWN_DIMENSIONS,
    CachedEncoder,
    DimensionScore,
    culture_texts,
    dimension_frame,
    dimension_scores,
    extract_signals,
    fit_score,
    score_points,
    success_frame,
    with_role_skills,
)
from ml.genome import build_genome
from ml.risk import RiskIndicator, assess_risks, is_high_risk
from ml.training import FIT_MODEL, SUCCESS_MODEL, TrainedModels

if TYPE_CHECKING:  # xgboost loads only with the models
    from ml.fit_model import Explanation

log = logging.getLogger(__name__)
BATCH_SIZE = 200
# Stages a candidate advances into; a high-risk candidate moving into one alerts the team.
ADVANCING = ("screening", "interview", "offer", "hired")
TRIGGERS = ("intake", "on_demand", "role_change", "dna_change", "demo", "backfill")
# The one meaning of "confidence", wherever it is stored or shown (predictions.confidence,
# the profile, the score history, the Models page); computed by confidence().
CONFIDENCE = (
    "Confidence is how closely the separately trained models behind an estimate agree: "
    "100% minus the gap between the highest and the lowest of their answers (the fit "
    "score's two models, the success probability's five). It is not the chance that the "
    "estimate is right."
)
# A dimension whose bar is at least this high (or at most 100 minus it) but moved the
# overall the other way by at least STORY_POINTS points gets a sentence of its own.
HIGH_BAR, STORY_POINTS = 60, 0.5


class ModelsMissingError(ValidationError):
    """The fit models have not been trained on this machine yet."""


@dataclass(frozen=True)
class ScoreResult:
    candidate_id: uuid.UUID
    fit_score: int
    success_probability: int
    high_risk: bool


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


# --------------------------------------------------------------------------- models


def models_dir(settings: Settings | None = None) -> Path:
    """Where model artifacts live (registry rows name files in it)."""
    return (settings or get_settings()).local_dir / "models"


def artifact_path(version: str, settings: Settings | None = None) -> Path:
    return models_dir(settings) / f"peopleos-{version}.pkl"


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> TrainedModels:  # noqa: ARG001 - mtime keys the cache
    return training.load(Path(path))


def load_models(settings: Settings | None = None) -> TrainedModels:
    """The prior models from disk (cached per process); never trains."""
    path = artifact_path(training.PRIOR_VERSION, settings)
    if not path.exists():
        raise ModelsMissingError(
            "The fit models are not trained on this machine yet: run "
            "`python -m core.cli models train` (make run does it for you)."
        )
    return _load_file(path)


def _load_file(path: Path) -> TrainedModels:
    return _load(str(path), path.stat().st_mtime)


def ensure_prior(uow: UnitOfWork, now: datetime, *, settings: Settings | None = None) -> str:
    """Train the prior models if their artifact is missing, and register them.

    Returns what happened ("trained", "loaded"). Registration is idempotent.
    """
    path = artifact_path(training.PRIOR_VERSION, settings)
    if path.exists():
        models, outcome = load_models(settings), "loaded"
    else:
        models = training.train_prior()
        training.dump(models, path)
        models, outcome = load_models(settings), "trained"
    with uow:
        _register(ScoringRepository(uow.session), models, None, "champion", path, now)
        uow.commit()
    return outcome


def _register(
    repo: ScoringRepository,
    models: TrainedModels,
    company_id: uuid.UUID | None,
    status: str,
    path: Path,
    now: datetime,
) -> None:
    """Registry rows of a fit and a success model trained together (once per version)."""
    for name, features in (
        (FIT_MODEL, list(models.fit_features)),
        (SUCCESS_MODEL, list(models.success_features)),
    ):
        if repo.model_version(name, models.version) is None:
            repo.add_model_version(
                ModelVersion(
                    id=uuid.uuid5(uuid.NAMESPACE_URL, f"peopleos:model:{name}:{models.version}"),
                    company_id=company_id,
                    name=name,
                    version=models.version,
                    status=status,
                    metrics={**models.metrics, "trained_on": models.trained_on},
                    feature_names=features,
                    artifact_path=path.name,
                    trained_at=now,
                    created_at=now,
                )
            )


@dataclass(frozen=True)
class OwnModelReport:
    version: str
    status: str  # "champion" (now scores the company) or "challenger" (kept, not used)
    auc: float
    prior_auc: float
    labelled: int


def train_company_models(
    db: Database, actor: Actor, prior: TrainedModels, now: datetime
) -> OwnModelReport:
    """Train the company's own models from its labelled hires; adopt them only if better.

    The new fit model must beat the prior on the company's held-out hires to become the
    company's champion (the previous one retires); otherwise it is kept as a challenger
    and the prior goes on scoring. Needs ``MIN_COMPANY_OUTCOMES`` labelled hires of both
    kinds. Trains outside any transaction, then registers in one.
    """
    actor.require(Permission.TRAIN_MODELS)
    with db.uow() as uow:
        rows = ScoringRepository(uow.session).labelled_hires(actor.company_id)
    need = training.MIN_COMPANY_OUTCOMES
    if len(rows) < need:
        raise ValidationError(
            f"{actor.company_name} has {len(rows)} labelled hiring outcomes with a stored fit; "
            f"its own model needs {need}. Until then the prior scores its candidates."
        )
    features = pd.DataFrame([breakdown["features"] for breakdown, _ in rows])
    y = np.array([1 if outcome == "success" else 0 for _, outcome in rows])
    if y.min() == y.max():
        raise ValidationError("Its own model needs both successful and unsuccessful hires.")
    version = f"own-{str(actor.company_id)[:8]}-{now:%Y%m%d%H%M%S}"
    models = training.train_own(
        features[list(MODEL_FEATURES)],
        y,
        prior,
        version=version,
        trained_on=f"{actor.company_name}'s hiring outcomes ({len(rows)} hires)",
        seed=training.PRIOR_SEED,
    )
    path = artifact_path(f"{actor.company_id}-{version}")
    training.dump(models, path)
    status = "champion" if models.metrics["better_than_prior"] else "challenger"
    with db.uow() as uow:
        repo = ScoringRepository(uow.session)
        if status == "champion":
            for name in (FIT_MODEL, SUCCESS_MODEL):
                for old in repo.company_versions(actor.company_id, name, "champion"):
                    old.status = "retired"
        _register(repo, models, actor.company_id, status, path, now)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="models.trained",
            entity_type="model_version",
            entity_id=version,
            summary={"status": status, **{k: models.metrics[k] for k in ("auc", "prior_auc")}},
        )
        uow.commit()
    return OwnModelReport(
        version, status, models.metrics["auc"], models.metrics["prior_auc"], len(rows)
    )


def _models_for(
    repo: ScoringRepository, company_id: uuid.UUID, prior: TrainedModels
) -> tuple[TrainedModels, str]:
    """The company's champion models when it has them on disk, else the prior."""
    champion = repo.company_champion(company_id, FIT_MODEL)
    if champion is not None and champion.artifact_path:
        path = models_dir() / champion.artifact_path
        if path.exists():
            return _load_file(path), "company"
        log.warning("model artifact %s is missing; scoring with the prior", champion.artifact_path)
    return prior, "prior"


def model_label(models: TrainedModels) -> str:
    return f"{FIT_MODEL} {models.version} (prior: {models.trained_on})"


# --------------------------------------------------------------------------- scoring


def _dna(company: Company) -> dict[str, Any]:
    # Before the first DNA scan only the stage is known; culture then scores as neutral.
    return company.dna_profile or {"stage": company.stage, "culture": []}


def confidence(members: np.ndarray) -> np.ndarray:
    """:data:`CONFIDENCE` of each row of member probabilities: shape (n, k) -> (n,)."""
    members = np.atleast_2d(np.asarray(members, dtype=float))
    return 1.0 - (members.max(axis=1) - members.min(axis=1))


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


@dataclass(frozen=True)
class _Run:
    """What every candidate of one scoring run shares."""

    company_id: uuid.UUID
    models: TrainedModels
    scope: str  # "prior" or "company": which models scored
    now: datetime
    trigger: str


@dataclass(frozen=True)
class _Batch:
    """The models' outputs for a batch of candidates' features."""

    features: pd.DataFrame
    explanation: Explanation
    groups: pd.DataFrame
    fit_members: np.ndarray  # (n, 2): trees, neural network
    success_members: np.ndarray  # (n, 5): the calibrated members


def _read_candidates(
    scorable: list[Candidate],
    roles: dict[uuid.UUID, Role],
    dna: dict[str, Any],
    today: date,
    encoder: Any | None,
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, float], dict[str, str]]]]:
    """Each candidate's profile (with the role skills its text names) and signals."""
    # Signals, risks and genome all read the same skills, role skills named in the text too.
    profiles = [
        with_role_skills(
            c.resume_profile, c.resume_text or "", roles[c.role_id].role_intelligence or {}
        )
        for c in scorable
    ]
    texts = culture_texts([c.resume_text or "" for c in scorable], dna)
    if encoder is not None and texts:  # one MiniLM call for the batch; each candidate reads it
        encoder.encode(texts)
    extracted = [
        extract_signals(
            profile,
            c.resume_text or "",
            roles[c.role_id].role_intelligence or {},
            dna,
            today=today,
            role_title=roles[c.role_id].title,
            encoder=encoder,
        )
        for c, profile in zip(scorable, profiles, strict=True)
    ]
    return profiles, extracted


def _run_models(models: TrainedModels, signals: list[dict[str, float]]) -> _Batch:
    features = dimension_frame(pd.DataFrame(signals))
    explanation = models.fit.explain(features)
    return _Batch(
        features=features,
        explanation=explanation,
        groups=explanation.grouped(GROUPS),
        fit_members=models.fit.member_probabilities(features),
        success_members=models.success.member_probabilities(success_frame(features)),
    )


def _describe(
    candidate: Candidate,
    profile: dict[str, Any],
    role: Role,
    dna: dict[str, Any],
    signals: dict[str, float],
    dims: list[DimensionScore],
    vector: bytes | None,
) -> list[RiskIndicator]:
    """Set the candidate's risk indicators and genome; returns the risks."""
    intel = role.role_intelligence or {}
    text = candidate.resume_text or ""
    risks = assess_risks(
        profile,
        text,
        intel,
        dna,
        signals,
        expected_compensation=(candidate.resume_profile or {}).get("expected_compensation"),
    )
    candidate.risk_indicators = [r.to_dict() for r in risks]
    candidate.genome_profile = build_genome(
        profile,
        text,
        intel,
        dna,
        signals,
        {d.key: d.score for d in dims},
        np.frombuffer(vector, dtype=np.float32).tolist() if vector is not None else None,
    )
    return risks


def _breakdown(
    run: _Run,
    batch: _Batch,
    i: int,
    role: Role,
    extracted: tuple[dict[str, float], dict[str, str]],
) -> dict[str, Any]:
    """The stored explanation of candidate ``i`` of the batch (``candidates.fit_breakdown``)."""
    signals, evidence = extracted
    success = batch.success_members[i]
    return {
        "model": FIT_MODEL,
        "version": run.models.version,
        "scope": run.scope,
        "trained_on": run.models.trained_on,
        "scored_at": run.now.isoformat(),
        "trigger": run.trigger,
        "role_id": str(role.id),
        "logit": round(float(batch.explanation.output[i]), 6),
        "base_value": round(batch.explanation.base_value, 6),
        # Stored unrounded so the explanation still adds up to the stored logit.
        "contributions": {
            f: float(v) for f, v in zip(MODEL_FEATURES, batch.explanation.values[i], strict=True)
        },
        "groups": {g: round(float(v), 6) for g, v in batch.groups.iloc[i].items()},
        # Unrounded, like the contributions: the models read them back (what-if, own models).
        "features": {k: float(v) for k, v in batch.features.iloc[i].items()},
        "signals": {k: round(v, 4) for k, v in signals.items()},
        "evidence": evidence,
        "members": {
            "xgboost": round(float(batch.fit_members[i, 0]), 4),
            "mlp": round(float(batch.fit_members[i, 1]), 4),
        },
        "success": {
            "probability": round(float(success.mean()), 4),
            "low": round(float(success.min()), 4),
            "high": round(float(success.max()), 4),
            "model": SUCCESS_MODEL,
            "version": run.models.version,
        },
    }


def _dimension_rows(
    run: _Run, candidate_id: uuid.UUID, dims: list[DimensionScore]
) -> list[FitScoreDimension]:
    return [
        FitScoreDimension(
            company_id=run.company_id,
            candidate_id=candidate_id,
            dimension_type=d.key,
            score=max(0, min(100, d.score)),
            reasoning=d.reasoning[:1000],
            created_at=run.now,
        )
        for d in dims
    ]


def _predictions(
    run: _Run, candidate_id: uuid.UUID, batch: _Batch, i: int, features: dict[str, float]
) -> list[Prediction]:
    """The fit and success predictions of candidate ``i``, each with its CONFIDENCE."""
    stored = {"features": features, "trigger": run.trigger}
    success = batch.success_members[i]
    return [
        Prediction(
            company_id=run.company_id,
            entity_type="candidate",
            entity_id=candidate_id,
            prediction_type=kind,
            predicted_value=value,
            confidence=round(float(confidence(members)[0]), 6),
            model_version=f"{model}:{run.models.version}",
            features=stored,
            created_at=run.now,
        )
        for kind, model, value, members in (
            (
                "fit_score",
                FIT_MODEL,
                round(fit_score(batch.explanation.output[i]) / 100, 6),
                batch.fit_members[i],
            ),
            ("success_prob", SUCCESS_MODEL, round(float(success.mean()), 4), success),
        )
    ]


def score_in_session(
    session: Session,
    company: Company,
    candidates: list[Candidate],
    models: TrainedModels,
    *,
    now: datetime,
    trigger: str,
    encoder: Any | None = None,
    roles: dict[uuid.UUID, Role] | None = None,
) -> list[ScoreResult]:
    """Score ``candidates`` of ``company`` inside the caller's transaction (no commit).

    Steps: read each candidate's signals, run the models on the batch, then per candidate
    set its dimensions, risks, genome, score and explanation and add its predictions.
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown scoring trigger {trigger!r}")
    repo = ScoringRepository(session)
    roles = roles if roles is not None else repo.roles(company.id, [c.role_id for c in candidates])
    scorable = [c for c in candidates if c.resume_profile and c.role_id in roles]
    if not scorable:
        return []
    models, scope = _models_for(repo, company.id, models)
    run = _Run(company.id, models, scope, now, trigger)
    dna = _dna(company)
    profiles, extracted = _read_candidates(
        scorable, roles, dna, now.date(), CachedEncoder(encoder) if encoder is not None else None
    )
    batch = _run_models(models, [signals for signals, _ in extracted])
    vectors = repo.embeddings(company.id, [c.id for c in scorable])
    results: list[ScoreResult] = []
    dimension_rows: list[FitScoreDimension] = []
    predictions: list[Prediction] = []
    for i, candidate in enumerate(scorable):
        role = roles[candidate.role_id]
        dims = dimension_scores(*extracted[i])
        risks = _describe(
            candidate, profiles[i], role, dna, extracted[i][0], dims, vectors.get(candidate.id)
        )
        candidate.fit_breakdown = _breakdown(run, batch, i, role, extracted[i])
        candidate.fit_score = round(fit_score(batch.explanation.output[i]))
        candidate.success_probability = round(100 * float(batch.success_members[i].mean()))
        dimension_rows += _dimension_rows(run, candidate.id, dims)
        predictions += _predictions(
            run, candidate.id, batch, i, candidate.fit_breakdown["features"]
        )
        high_risk = is_high_risk(risks)
        results.append(
            ScoreResult(candidate.id, candidate.fit_score, candidate.success_probability, high_risk)
        )
    repo.replace_dimensions(company.id, [c.id for c in scorable], dimension_rows)
    repo.add_predictions(predictions)
    session.flush()
    return results


def rescore_candidate(
    uow: UnitOfWork,
    actor: Actor,
    candidate_id: uuid.UUID,
    models: TrainedModels,
    now: datetime,
    *,
    encoder: Any | None = None,
) -> ScoreResult:
    """Score one candidate again now ("Rescore" on the candidate page)."""
    actor.require(Permission.SCORE_CANDIDATES)
    with uow:
        repo = ScoringRepository(uow.session)
        company = repo.company(actor.company_id)
        found = repo.candidates(actor.company_id, [candidate_id])
        if company is None or not found:
            raise NotFoundError("Candidate not found.")
        candidate = found[0]
        if not candidate.resume_profile or candidate.role_id is None:
            raise ValidationError(
                "This candidate has no parsed resume or no role, so there is nothing to score."
            )
        results = score_in_session(
            uow.session, company, found, models, now=now, trigger="on_demand", encoder=encoder
        )
        if not results:
            raise ValidationError("The candidate's role no longer exists; assign a role first.")
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.scored",
            entity_type="candidate",
            entity_id=str(candidate.id),
            summary={"fit_score": results[0].fit_score, "model": f"{FIT_MODEL}:{models.version}"},
        )
        uow.commit()
    return results[0]


def rescore_company(
    db: Database,
    company_id: uuid.UUID,
    models: TrainedModels,
    now: datetime,
    *,
    trigger: str,
    role_id: uuid.UUID | None = None,
    encoder: Any | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Rescore a company's candidates (of one role) in batches; one transaction per batch.

    A failure leaves earlier batches scored and later ones as they were; running it again
    rescores everything, so a retry loses nothing. Returns how many were scored.
    """
    with db.uow() as uow:
        ids = ScoringRepository(uow.session).candidate_ids(company_id, role_id=role_id)
    return _score_batches(db, company_id, ids, models, now, trigger, encoder, batch_size)


def score_unscored(
    db: Database,
    company_id: uuid.UUID,
    models: TrainedModels,
    now: datetime,
    *,
    encoder: Any | None = None,
    limit: int = 1000,
) -> int:
    """Score up to ``limit`` of a company's candidates that have never been scored."""
    with db.uow() as uow:
        ids = ScoringRepository(uow.session).unscored_ids(company_id, limit)
    return _score_batches(db, company_id, ids, models, now, "backfill", encoder, BATCH_SIZE)


def _score_batches(
    db: Database,
    company_id: uuid.UUID,
    ids: list[uuid.UUID],
    models: TrainedModels,
    now: datetime,
    trigger: str,
    encoder: Any | None,
    batch_size: int,
) -> int:
    scored = 0
    for start in range(0, len(ids), batch_size):
        with db.uow() as uow:
            repo = ScoringRepository(uow.session)
            company = repo.company(company_id)
            if company is None:  # deleted meanwhile: nothing left to score
                return scored
            batch = repo.candidates(company_id, ids[start : start + batch_size])
            results = score_in_session(
                uow.session, company, batch, models, now=now, trigger=trigger, encoder=encoder
            )
            uow.commit()
        scored += len(results)
    return scored


def queue_rescore(
    session: Session,
    company_id: uuid.UUID,
    requested_by: str,
    *,
    trigger: str,
    role_id: uuid.UUID | None = None,
) -> bool:
    """Ask the worker to rescore a company's (or one role's) candidates, in the caller's
    transaction; nothing is queued when nobody has been scored yet or the same (or a
    company-wide) rescan is already waiting. Returns whether a request was added."""
    if not ScoringRepository(session).has_scored(company_id, role_id=role_id):
        return False
    repo = WorkerRepository(session)
    pending = repo.pending_request(company_id, "rescore")
    if pending is not None and (pending.payload or {}).get("role_id") in (None, str(role_id)):
        return False
    repo.add_request(
        JobRequest(
            company_id=company_id,
            kind="rescore",
            requested_by=requested_by,
            status="pending",
            payload={"role_id": str(role_id) if role_id else None, "trigger": trigger},
        )
    )
    return True


def alert_if_high_risk(
    session: Session, actor: Actor, candidate: Candidate, to_status: str, role_title: str | None
) -> bool:
    """Queue a Slack alert when a high-risk candidate advances (in the mover's transaction)."""
    if to_status not in ADVANCING or not candidate.risk_indicators:
        return False
    risks = [RiskIndicator(**r) for r in candidate.risk_indicators]
    if not is_high_risk(risks):
        return False
    # The alert names the public reference, never the person: it leaves the system.
    who = candidate.reference or str(candidate.id)[:8]
    lines = [f"- {r.severity}: {r.title}" for r in risks if r.severity in ("high", "medium")]
    notifications.enqueue(
        NotificationRepository(session),
        company_id=actor.company_id,
        event_type="candidate.high_risk_advanced",
        channel="slack",
        subject=f"High-risk candidate {who} moved to {to_status}",
        body=(
            f"Candidate {who} ({role_title or 'no role'}) was moved to {to_status} by "
            f"{actor.username}. Review the risks before the next step:\n" + "\n".join(lines[:6])
        ),
        dedupe_key=f"risk-advance:{candidate.id}:{to_status}",
        payload={"candidate_id": str(candidate.id), "to_status": to_status},
    )
    return True


# --------------------------------------------------------------------------- reading


def candidate_insight(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> Insight:
    """The stored fit of one candidate with its dimensions, their story and score history."""
    # Interviewers never see scores: the model must not bias the interview they run.
    actor.require(Permission.VIEW_SCORES)
    with uow:
        repo = ScoringRepository(uow.session)
        found = repo.candidates(actor.company_id, [candidate_id])
        if not found:
            raise NotFoundError("Candidate not found.")
        candidate = found[0]
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


def models_that_scored(
    uow: UnitOfWork, actor: Actor, prior: TrainedModels, version: str
) -> TrainedModels:
    """The models of ``version`` (the prior or one of the company's own), for a what-if."""
    actor.require(Permission.VIEW_SCORES)
    if version == prior.version:
        return prior
    with uow:
        row = ScoringRepository(uow.session).model_version(FIT_MODEL, version)
        if row is None or row.company_id != actor.company_id or not row.artifact_path:
            raise NotFoundError(f"Model version {version} is not registered for this company.")
        path = models_dir() / row.artifact_path
    if not path.exists():
        raise ModelsMissingError(f"The artifact of model version {version} is missing.")
    return _load_file(path)


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


def group_names() -> dict[str, str]:
    return dict(GROUP_NAMES)


def feature_labels() -> dict[str, str]:
    return dict(FEATURE_LABELS)


def feature_groups() -> dict[str, str]:
    """The shown dimension each model feature belongs to."""
    return dict(GROUPS)


@dataclass(frozen=True)
class ModelRow:
    """One registered model version, as the Models page lists it."""

    name: str
    version: str
    status: str
    scope: str  # "prior" (shared by every company) or "company" (trained on its outcomes)
    metrics: dict[str, Any]
    feature_names: list[str]
    trained_at: datetime | None

    @property
    def held_out(self) -> str:
        """Which hires the held-out figures were measured on, in plain words."""
        n = self.metrics.get("n_test")
        count = f"{n:,}" if isinstance(n, int) else "an unknown number of"
        if self.metrics.get("bayes_auc") is not None:
            return (
                f"Measured on {count} synthetic held-out hires, drawn from the synthetic hiring "
                "history whose true success function is known; not on the company's own hires."
            )
        return (
            f"Measured on {count} of the company's own held-out hires; the best possible "
            "(Bayes) AUC is known only for synthetic data, so no share of it is shown."
        )


@dataclass(frozen=True)
class ModelsOverview:
    versions: list[ModelRow]
    labelled_outcomes: int
    min_company_outcomes: int


def list_models(uow: UnitOfWork, actor: Actor) -> ModelsOverview:
    """The model versions the company's scores can come from, newest first."""
    actor.require(Permission.VIEW_MODELS)
    with uow:
        repo = ScoringRepository(uow.session)
        rows = [
            ModelRow(
                name=m.name,
                version=m.version,
                status=m.status,
                scope="prior" if m.company_id is None else "company",
                metrics=dict(m.metrics or {}),
                feature_names=[str(f) for f in m.feature_names or []],
                trained_at=m.trained_at,
            )
            for m in repo.model_versions(actor.company_id)
        ]
        return ModelsOverview(
            rows, repo.labelled_outcomes(actor.company_id), training.MIN_COMPANY_OUTCOMES
        )
