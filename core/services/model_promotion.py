"""Promotion, retirement and rollback of a company's models after their A/B test.

While a company has a challenger, scoring serves it to a fixed share of candidates
(:func:`ml.ab.arm_for`) and records each prediction's arm and version. Once each arm has
enough outcomes, :func:`decide_promotion` compares them: the challenger is promoted only
when its AUC beats the champion's by a margin whose bootstrap 95 % interval lies above zero
and the fairness guard finds no impact ratio it would make worse; otherwise it is retired,
with the reason in its metrics. :func:`rollback_to` makes an earlier version champion again.
Every decision is audited and announced through the outbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.config import ab_settings
from core.db import UnitOfWork
from core.models import ModelVersion
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.model_accuracy import ModelAccuracyRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.scoring import ScoringRepository
from core.services import model_registry, notifications
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from ml import ab
from ml.accuracy import Estimate
from ml.training import FIT_MODEL, SUCCESS_MODEL, TrainedModels


@dataclass(frozen=True)
class PromotionDecision:
    """What became of one challenger (or "waiting" for outcomes)."""

    version: str
    decision: str  # "promoted", "retired" or "waiting"
    reason: str
    champion_outcomes: int
    challenger_outcomes: int
    auc_difference: Estimate | None = None
    refused: tuple[str, ...] = ()


def _arm_outcomes(
    uow: UnitOfWork, company_id: uuid.UUID, version: str
) -> tuple[list[float], list[float]]:
    """(predicted, actual) of the fit predictions made by ``version`` that have outcomes,
    the latest per person (rescoring the same hire must not multiply its weight)."""
    rows = ModelAccuracyRepository(uow.session).list_scored_outcomes(company_id)
    wanted = f"{FIT_MODEL}:{version}"
    latest: dict[Any, tuple[float, float]] = {}
    for i, (model_version, kind, entity, _, predicted, actual) in enumerate(rows):
        if model_version == wanted and kind == "fit_score":
            latest[entity if entity is not None else i] = (predicted, actual)
    return [p for p, _ in latest.values()], [a for _, a in latest.values()]


def _judge(
    difference: Estimate | None, refused: list[str], challenger: str, champion: str
) -> tuple[str, str]:
    """The rule: promoted only when better beyond doubt and no fairer model is lost."""
    if difference is None:
        return "retired", "An arm has only one kind of outcome, so no AUC can be compared."
    margin = (
        f"AUC {difference.value:+.3f} (95 % interval {difference.low:+.3f} to "
        f"{difference.high:+.3f}) against {champion}"
    )
    if difference.low <= 0:
        return "retired", f"Not better beyond doubt: {margin}."
    if refused:
        return "retired", f"Better ({margin}) but less fair: " + "; ".join(refused)
    return "promoted", f"Better: {margin}; no impact ratio worse."


def decide_promotion(uow: UnitOfWork, actor: Actor, now: datetime) -> list[PromotionDecision]:
    """Promote or retire the company's challengers whose arms both have enough outcomes
    (PEOPLEOS_AB_MIN_OUTCOMES); the others wait. Run by the worker or by an admin."""
    actor.require(Permission.TRAIN_MODELS)
    need = ab_settings().min_outcomes
    company_id = actor.company_id
    prior = model_registry.load_models()
    decisions: list[PromotionDecision] = []
    with uow:
        repo = ScoringRepository(uow.session)
        champion = repo.company_champion(company_id, FIT_MODEL)
        champion_version = champion.version if champion is not None else prior.version
        champion_models, _ = model_registry.models_for(repo, company_id, prior)
        base = _arm_outcomes(uow, company_id, champion_version)
        challengers = sorted(
            (
                r
                for r in repo.company_versions(company_id, FIT_MODEL, "challenger")
                if r.artifact_sha256
            ),
            key=lambda r: (r.created_at, r.version),
        )
        for row in challengers:
            arm = _arm_outcomes(uow, company_id, row.version)
            if min(len(base[0]), len(arm[0])) < need:
                decisions.append(
                    PromotionDecision(
                        row.version,
                        "waiting",
                        f"Each arm needs {need} outcomes.",
                        len(base[0]),
                        len(arm[0]),
                    )
                )
                continue
            difference = ab.auc_difference(base, arm)
            challenger_models = model_registry.load_registered(
                row, TrainedModels, "PeopleOS models"
            )
            refused, measured = model_registry.impact_refusals(
                uow, company_id, champion_models, challenger_models
            )
            decision, reason = _judge(difference, refused, row.version, champion_version)
            record = {
                "decision": decision,
                "reason": reason,
                "decided_at": now.isoformat(),
                "decided_by": actor.username,
                "against": champion_version,
                "champion_outcomes": len(base[0]),
                "challenger_outcomes": len(arm[0]),
                "auc_difference": None if difference is None else difference.__dict__,
                "fairness_measured_on": measured,
                "promotion_refused": refused,
            }
            if decision == "promoted":
                _make_champion(repo, company_id, row.version)
            else:
                _set_status(repo, row.version, "retired")
            _record(repo, row.version, record)
            _announce(uow, actor, f"models.{decision}", row.version, reason, now)
            decisions.append(
                PromotionDecision(
                    row.version,
                    decision,
                    reason,
                    len(base[0]),
                    len(arm[0]),
                    difference,
                    tuple(refused),
                )
            )
            if decision == "promoted":
                break  # the other challengers now face the new champion on the next run
        uow.commit()
    return decisions


def rollback_to(uow: UnitOfWork, actor: Actor, version: str, now: datetime) -> str:
    """Make the company's earlier ``version`` (or the shared prior's) its champion again,
    in one action; returns the version now scoring."""
    actor.require(Permission.TRAIN_MODELS)
    with uow:
        repo = ScoringRepository(uow.session)
        prior_version = model_registry.load_models().version
        if version != prior_version:
            row = repo.model_version(FIT_MODEL, version)
            if row is None or row.company_id != actor.company_id:
                raise NotFoundError(f"Model version {version} is not registered for this company.")
            if row.status == "champion":
                raise ValidationError(f"{version} is the champion already.")
        _make_champion(repo, actor.company_id, None if version == prior_version else version)
        reason = f"Rolled back to {version} by {actor.username}."
        _announce(uow, actor, "models.rolled_back", version, reason, now)
        uow.commit()
    return version


def _versions(repo: ScoringRepository, version: str) -> list[ModelVersion]:
    """The fit and success rows of one version (trained and registered together)."""
    rows = [repo.model_version(name, version) for name in (FIT_MODEL, SUCCESS_MODEL)]
    return [r for r in rows if r is not None]


def _set_status(repo: ScoringRepository, version: str, status: str) -> None:
    for row in _versions(repo, version):
        row.status = status


def _record(repo: ScoringRepository, version: str, record: dict[str, Any]) -> None:
    for row in _versions(repo, version):
        # A new dict, so the JSON column is seen as changed.
        row.metrics = {**(row.metrics or {}), "ab_decision": record}


def _make_champion(repo: ScoringRepository, company_id: uuid.UUID, version: str | None) -> None:
    """Retire the company's champions and crown ``version`` (None: the prior scores)."""
    for name in (FIT_MODEL, SUCCESS_MODEL):
        for old in repo.company_versions(company_id, name, "champion"):
            old.status = "retired"
    if version is not None:
        _set_status(repo, version, "champion")


def _announce(
    uow: UnitOfWork, actor: Actor, action: str, version: str, reason: str, now: datetime
) -> None:
    """The audit row and the Slack announcement of a decision, in the caller's transaction."""
    AuditRepository(uow.session).add(
        **actor.audit_fields(),
        action=action,
        entity_type="model_version",
        entity_id=version,
        summary={"reason": reason},
    )
    what = action.split(".", 1)[1].replace("_", " ")
    notifications.enqueue(
        NotificationRepository(uow.session),
        company_id=actor.company_id,
        event_type=action,
        channel="slack",
        subject=f"Model {version} {what}",
        body=reason[:1900],
        dedupe_key=f"{action}:{actor.company_id}:{version}:{now:%Y%m%d%H%M%S}",
        payload={"version": version},
    )
