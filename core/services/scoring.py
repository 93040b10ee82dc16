"""Fit scoring: dimension scores, the ensemble's score and explanation, success, risk, genome.

A candidate is scored when they apply (inside the intake transaction), when their role or
the company DNA changes (the worker rescans in batches), and on demand. Each scoring writes
the candidate's fit columns, its ``fit_score_dimensions`` rows (the shown dimensions,
``ml.fit.SHOWN_DIMENSIONS``) and two ``predictions`` rows (fit score and success
probability) naming the model version, each with a :data:`CONFIDENCE`.

Reading the stored fit back is ``core.services.fit_insight``; the models it scores with
come from ``core.services.model_registry``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.config import ab_settings
from core.db import Database, UnitOfWork
from core.models import (
    Candidate,
    Company,
    FitScoreDimension,
    JobRequest,
    Prediction,
    Role,
)
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.scoring import ScoringRepository
from core.repositories.worker import WorkerRepository
from core.services import model_registry, notifications
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.scope import ensure_visible
from ml import ab
from ml.fit import (
    GROUPS,
    MODEL_FEATURES,
    CachedEncoder,
    DimensionScore,
    culture_texts,
    dimension_frame,
    dimension_scores,
    extract_signals,
    fit_score,
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


@dataclass(frozen=True)
class ScoreResult:
    candidate_id: uuid.UUID
    fit_score: int
    success_probability: int
    high_risk: bool


# --------------------------------------------------------------------------- scoring


# One sentence cache per encoder (the worker's and the web app's live as long as their
# process), so batch after batch, and a rescore after a DNA change, reuse what was encoded.
_CACHES: WeakKeyDictionary[Any, CachedEncoder] = WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cached(encoder: Any) -> CachedEncoder:
    if isinstance(encoder, CachedEncoder):
        return encoder
    with _CACHES_LOCK:
        try:
            return _CACHES.setdefault(encoder, CachedEncoder(encoder))
        except TypeError:  # an encoder that cannot be weakly referenced: cache per call
            return CachedEncoder(encoder)


def _dna(company: Company) -> dict[str, Any]:
    # Before the first DNA scan only the stage is known; culture then scores as neutral.
    return company.dna_profile or {"stage": company.stage, "culture": []}


def confidence(members: np.ndarray) -> np.ndarray:
    """:data:`CONFIDENCE` of each row of member probabilities: shape (n, k) -> (n,)."""
    members = np.atleast_2d(np.asarray(members, dtype=float))
    return 1.0 - (members.max(axis=1) - members.min(axis=1))


@dataclass(frozen=True)
class _Run:
    """What every candidate of one scoring run shares."""

    company_id: uuid.UUID
    models: TrainedModels
    scope: str  # "prior" or "company": which models scored
    now: datetime
    trigger: str
    arm: str = ab.CHAMPION  # the A/B arm these models serve (ml.ab)


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
    if encoder is not None:  # one MiniLM call for the batch; each candidate then reads it
        texts = culture_texts([c.resume_text or "" for c in scorable], dna)
        if texts:
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
        "arm": run.arm,
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
    stored = {
        "features": features,
        "trigger": run.trigger,
        "arm": run.arm,
        "version": run.models.version,
    }
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


def _arms(repo: ScoringRepository, company_id: uuid.UUID, candidates: list[Candidate]) -> list[str]:
    """Each candidate's A/B arm (ml.ab.arm_for); all "champion" unless the company has a
    challenger under test and PEOPLEOS_AB_SHARE is above 0."""
    share = ab_settings().share
    if share <= 0 or model_registry.company_challenger(repo, company_id) is None:
        return [ab.CHAMPION] * len(candidates)
    return [ab.arm_for(c.id, share) for c in candidates]


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
    # Nobody who opted out of automated scoring is scored, whatever asked for it.
    scorable = [
        c for c in candidates if c.resume_profile and c.role_id in roles and not c.scoring_opt_out
    ]
    if not scorable:
        return []
    arms = _arms(repo, company.id, scorable)
    runs: dict[str, _Run] = {}
    for arm in set(arms):
        arm_models, scope = model_registry.models_for(repo, company.id, models, arm)
        runs[arm] = _Run(company.id, arm_models, scope, now, trigger, arm)
    dna = _dna(company)
    profiles, extracted = _read_candidates(
        scorable, roles, dna, now.date(), _cached(encoder) if encoder is not None else None
    )
    # Each arm's models run once on its candidates; position[i] is candidate i's row there.
    batches: dict[str, _Batch] = {}
    position: list[int] = []
    for arm, run in runs.items():
        members = [i for i, a in enumerate(arms) if a == arm]
        batches[arm] = _run_models(run.models, [extracted[i][0] for i in members])
    seen: dict[str, int] = dict.fromkeys(runs, 0)
    for arm in arms:
        position.append(seen[arm])
        seen[arm] += 1
    vectors = repo.embeddings(company.id, [c.id for c in scorable])
    results: list[ScoreResult] = []
    dimension_rows: list[FitScoreDimension] = []
    predictions: list[Prediction] = []
    for k, candidate in enumerate(scorable):
        run, batch, i = runs[arms[k]], batches[arms[k]], position[k]
        role = roles[candidate.role_id]
        dims = dimension_scores(*extracted[k])
        risks = _describe(
            candidate, profiles[k], role, dna, extracted[k][0], dims, vectors.get(candidate.id)
        )
        candidate.fit_breakdown = _breakdown(run, batch, i, role, extracted[k])
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
        candidate = ensure_visible(uow.session, actor, found[0])
        if candidate.scoring_opt_out:
            raise ValidationError(
                "This applicant asked not to be scored automatically; review the application "
                "in person."
            )
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
    # The alert quotes the candidate's risks: only someone who may move them raises it.
    actor.require(Permission.MOVE_CANDIDATES)
    ensure_visible(session, actor, candidate)
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
