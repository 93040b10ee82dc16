"""Promotion, retirement and rollback of a company's retention models after their A/B test.

While a company has a retention challenger, :func:`core.services.retention.score_company`
serves it to a fixed share of employees (:func:`ml.ab.arm_for`) and records each
prediction's arm and version; a prediction gets its outcome at a leave within its horizon
or once the horizon has passed. Once each arm has enough outcomes, :func:`decide_promotion`
compares the arms' AUCs: the challenger is promoted only when it beats the champion by a
margin whose bootstrap 95 % interval lies above zero; otherwise it is retired, with the
reason in its metrics. Unlike the fit model's, no impact-ratio check applies: employees
give no self-identification, so the reason says so rather than claim one passed.
:func:`rollback_to` makes an earlier version (or the shared prior) the champion again.
Every decision is audited and announced through the outbox, as the fit model's are.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from core.config import ab_settings
from core.db import UnitOfWork
from core.models import ModelVersion
from core.permissions import Permission
from core.repositories.model_accuracy import ModelAccuracyRepository, ScoredOutcome
from core.repositories.retention import PREDICTION
from core.repositories.scoring import ScoringRepository
from core.services import model_promotion
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.model_promotion import PromotionDecision
from core.services.retention_models import MODEL_NAME, PRIOR_VERSION
from ml import ab
from ml.accuracy import Estimate

NO_IMPACT_CHECK = (
    "No impact-ratio check applies: employees give no self-identification, so adverse "
    "impact cannot be measured on retention scores."
)


def _arm_outcomes(
    rows: list[ScoredOutcome], version: str, since: datetime
) -> tuple[list[float], list[float]]:
    """(predicted, actual) of the retention predictions ``version`` made since ``since``
    (the challenger's registration: both arms over the same months) that have outcomes,
    the latest per employee (the nightly rescore must not multiply anyone's weight)."""
    latest: dict[Any, tuple[float, float]] = {}
    for i, (model_version, kind, entity, made, predicted, actual) in enumerate(rows):
        if model_version == version and kind == PREDICTION and made >= since:
            latest[entity if entity is not None else i] = (predicted, actual)
    return [p for p, _ in latest.values()], [a for _, a in latest.values()]


def _judge(difference: Estimate | None, champion: str) -> tuple[str, str]:
    """The rule: promoted only when better beyond doubt."""
    if difference is None:
        return "retired", (
            "An arm has only one kind of outcome (only leaves or only stays), so no AUC can "
            f"be compared. {NO_IMPACT_CHECK}"
        )
    margin = (
        f"AUC {difference.value:+.3f} (95 % interval {difference.low:+.3f} to "
        f"{difference.high:+.3f}) against {champion}"
    )
    if difference.low <= 0:
        return "retired", f"Not better beyond doubt: {margin}. {NO_IMPACT_CHECK}"
    return "promoted", f"Better: {margin}. {NO_IMPACT_CHECK}"


def decide_promotion(uow: UnitOfWork, actor: Actor, now: datetime) -> list[PromotionDecision]:
    """Promote or retire the company's retention challengers whose arms both have enough
    outcomes (PEOPLEOS_AB_MIN_OUTCOMES), oldest first; the others wait. One transaction.
    :func:`core.services.model_promotion.decide_promotion` calls it after the fit models'."""
    actor.require(Permission.TRAIN_MODELS)
    need = ab_settings().min_outcomes
    company_id = actor.company_id
    decisions: list[PromotionDecision] = []
    with uow:
        repo = ScoringRepository(uow.session)
        challengers = sorted(
            (
                r
                for r in repo.company_versions(company_id, MODEL_NAME, "challenger")
                if r.artifact_sha256
            ),
            key=lambda r: (r.created_at, r.version),
        )
        if not challengers:
            return []
        champion = repo.company_champion(company_id, MODEL_NAME)
        champion_version = champion.version if champion is not None else PRIOR_VERSION
        scored = ModelAccuracyRepository(uow.session).list_scored_outcomes(company_id)
        for row in challengers:
            base = _arm_outcomes(scored, champion_version, row.created_at)
            arm = _arm_outcomes(scored, row.version, row.created_at)
            if min(len(base[0]), len(arm[0])) < need:
                what = "outcomes (a leave, or a horizon passed)"
                decisions.append(
                    PromotionDecision.waiting(row.version, need, len(base[0]), len(arm[0]), what)
                )
                continue
            difference = ab.auc_difference(base, arm)
            decision, reason = _judge(difference, champion_version)
            if decision == "promoted":
                _make_champion(repo, company_id, row)
            else:
                row.status = "retired"
            _record(
                row,
                model_promotion.decision_record(
                    decision,
                    reason,
                    actor.username,
                    now,
                    champion_version,
                    (len(base[0]), len(arm[0])),
                    difference,
                    impact_check="not applicable: no employee self-identification",
                ),
            )
            model_promotion._announce(uow, actor, f"models.{decision}", row.version, reason, now)
            decisions.append(
                PromotionDecision(
                    row.version, decision, reason, len(base[0]), len(arm[0]), difference
                )
            )
            if decision == "promoted":
                break  # the other challengers now face the new champion on the next run
        uow.commit()
    return decisions


def rollback_to(uow: UnitOfWork, actor: Actor, version: str, now: datetime) -> str:
    """Make the company's earlier retention ``version`` (or the shared prior) its champion
    again, in one action; returns the version now scoring. The next scoring run serves it."""
    actor.require(Permission.TRAIN_MODELS)
    with uow:
        repo = ScoringRepository(uow.session)
        current = repo.company_champion(actor.company_id, MODEL_NAME)
        if version == PRIOR_VERSION:
            if current is None:
                raise ValidationError(f"{version} is the champion already.")
            row = None
        else:
            row = repo.model_version(MODEL_NAME, version)
            if row is None or row.company_id != actor.company_id:
                raise NotFoundError(f"Model version {version} is not registered for this company.")
            if row.status == "champion":
                raise ValidationError(f"{version} is the champion already.")
            if not row.artifact_sha256:
                raise ValidationError(f"{version} was registered without its artifact.")
        _make_champion(repo, actor.company_id, row)
        reason = f"Rolled back to {version} by {actor.username}."
        model_promotion._announce(uow, actor, "models.rolled_back", version, reason, now)
        uow.commit()
    return version


def _record(row: ModelVersion, record: dict[str, Any]) -> None:
    # A new dict, so the JSON column is seen as changed.
    row.metrics = {**(row.metrics or {}), "ab_decision": record}


def _make_champion(
    repo: ScoringRepository, company_id: uuid.UUID, row: ModelVersion | None
) -> None:
    """Retire the company's retention champions and crown ``row`` (None: the prior scores)."""
    for old in repo.company_versions(company_id, MODEL_NAME, "champion"):
        old.status = "retired"
    if row is not None:
        row.status = "champion"
