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
from core.repositories.model_overview import ModelOverviewRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.scoring import ScoringRepository
from core.services import model_registry, notifications, webhooks
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from ml import ab
from ml.accuracy import Estimate
from ml.training import FIT_MODEL, PRIOR_VERSION, SUCCESS_MODEL, TrainedModels


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

    @classmethod
    def waiting(
        cls, version: str, need: int, champion: int, challenger: int, what: str = "outcomes"
    ) -> PromotionDecision:
        """A challenger whose arms do not have ``need`` outcomes each yet."""
        return cls(version, "waiting", f"Each arm needs {need} {what}.", champion, challenger)


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


def decision_record(
    decision: str,
    reason: str,
    decided_by: str,
    now: datetime,
    champion: str,
    outcomes: tuple[int, int],
    difference: Estimate | None,
    **extra: Any,
) -> dict[str, Any]:
    """What a challenger's metrics keep of the decision about it (``ab_decision``), for the
    fit and the retention models alike; ``extra`` holds the kind's own checks."""
    return {
        "decision": decision,
        "reason": reason,
        "decided_at": now.isoformat(),
        "decided_by": decided_by,
        "against": champion,
        "champion_outcomes": outcomes[0],
        "challenger_outcomes": outcomes[1],
        "auc_difference": None if difference is None else difference.__dict__,
        **extra,
    }


def decide_promotion(uow: UnitOfWork, actor: Actor, now: datetime) -> list[PromotionDecision]:
    """Promote or retire the company's challengers whose arms both have enough outcomes
    (PEOPLEOS_AB_MIN_OUTCOMES); the others wait. Run by the worker or by an admin."""
    actor.require(Permission.TRAIN_MODELS)
    need = ab_settings().min_outcomes
    company_id = actor.company_id
    decisions: list[PromotionDecision] = []
    with uow:
        repo = ScoringRepository(uow.session)
        prior = model_registry.prior_in(uow)  # the registry's, as every process scores with
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
                    PromotionDecision.waiting(row.version, need, len(base[0]), len(arm[0]))
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
            record = decision_record(
                decision,
                reason,
                actor.username,
                now,
                champion_version,
                (len(base[0]), len(arm[0])),
                difference,
                fairness_measured_on=measured,
                promotion_refused=refused,
            )
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
    # The retention models' challengers too (same rule, no impact check), so one call decides
    # both kinds; imported here because retention_promotion imports this module.
    from core.services import retention_promotion

    return decisions + retention_promotion.decide_promotion(uow, actor, now)


@dataclass(frozen=True)
class ArmStatus:
    """One arm of the company's A/B test as it stands."""

    arm: str  # ml.ab.CHAMPION or ml.ab.CHALLENGER
    version: str
    share: float  # the share of candidates it scores (PEOPLEOS_AB_SHARE for the challenger)
    predictions: int  # fit predictions this version made about the company's candidates
    people: int  # the candidates those predictions were about
    outcomes: int  # people with an outcome, by their latest prediction (the rule's count)


@dataclass(frozen=True)
class PastDecision:
    """A decision already made about a challenger (its ``metrics["ab_decision"]``)."""

    version: str
    status: str  # its registry status now (a rollback may have changed it since)
    decision: str  # "promoted" or "retired"
    reason: str
    decided_at: str | None
    decided_by: str | None
    against: str | None
    champion_outcomes: int | None
    challenger_outcomes: int | None


@dataclass(frozen=True)
class ABStatus:
    """The company's A/B test now: its arms (the champion's; the challenger's while a test
    runs), the AUC difference so far, what :func:`decide_promotion` would decide now, and
    the decisions made before."""

    arms: tuple[ArmStatus, ...]
    min_outcomes: int
    auc_difference: Estimate | None  # challenger minus champion; None unless computable
    verdict: str | None  # "waiting", "promoted" or "retired"; None when no test runs
    reason: str
    decisions: tuple[PastDecision, ...]

    @property
    def running(self) -> bool:
        return len(self.arms) > 1


def ab_status(uow: UnitOfWork, actor: Actor) -> ABStatus:
    """The company's A/B test between its champion and newest challenger (the one scoring
    serves), read only: nothing is decided or changed. The verdict applies
    :func:`decide_promotion`'s rule to that challenger alone (with older challengers still
    waiting, a run decides those first)."""
    actor.require(Permission.VIEW_MODELS)
    settings = ab_settings()
    company_id = actor.company_id
    with uow:
        repo = ScoringRepository(uow.session)
        reads = ModelOverviewRepository(uow.session)
        champion = repo.company_champion(company_id, FIT_MODEL)
        champion_version = champion.version if champion is not None else PRIOR_VERSION
        challenger = model_registry.company_challenger(repo, company_id)
        versions = [champion_version] + ([challenger.version] if challenger is not None else [])
        share = settings.share if challenger is not None else 0.0
        made = reads.count_predictions(
            company_id, [f"{FIT_MODEL}:{v}" for v in versions], "fit_score"
        )
        pairs = [_arm_outcomes(uow, company_id, v) for v in versions]
        arms = tuple(
            ArmStatus(arm, v, s, *made.get(f"{FIT_MODEL}:{v}", (0, 0)), len(pair[0]))
            for arm, v, s, pair in zip(ab.ARMS, versions, (1.0 - share, share), pairs, strict=False)
        )
        decisions = tuple(
            sorted(
                (
                    _past_decision(row.version, row.status, row.metrics["ab_decision"])
                    for row in reads.company_models(company_id, FIT_MODEL)
                    if isinstance((row.metrics or {}).get("ab_decision"), dict)
                ),
                key=lambda d: d.decided_at or "",
                reverse=True,
            )
        )
        need = settings.min_outcomes
        if challenger is None:
            reason = (
                f"No A/B test is running: {champion_version} scores every candidate. "
                "Retraining registers a challenger, which then scores a share of them."
            )
            return ABStatus(arms, need, None, None, reason, decisions)
        difference = ab.auc_difference(*pairs)
        if min(a.outcomes for a in arms) < need:
            verdict, reason = "waiting", f"Each arm needs {need} outcomes."
        else:
            # Loaded only to judge: listing the test needs no model on this machine.
            prior = model_registry.prior_in(uow)
            champion_models, _ = model_registry.models_for(repo, company_id, prior)
            challenger_models = model_registry.load_registered(
                challenger, TrainedModels, "PeopleOS models"
            )
            refused, _ = model_registry.impact_refusals(
                uow, company_id, champion_models, challenger_models
            )
            verdict, reason = _judge(difference, refused, challenger.version, champion_version)
    return ABStatus(arms, need, difference, verdict, reason, decisions)


def _past_decision(version: str, status: str, record: dict[str, Any]) -> PastDecision:
    def count(key: str) -> int | None:
        value = record.get(key)
        return value if isinstance(value, int) else None

    return PastDecision(
        version=version,
        status=status,
        decision=str(record.get("decision", "")),
        reason=str(record.get("reason", "")),
        decided_at=record.get("decided_at"),
        decided_by=record.get("decided_by"),
        against=record.get("against"),
        champion_outcomes=count("champion_outcomes"),
        challenger_outcomes=count("challenger_outcomes"),
    )


def rollback_to(uow: UnitOfWork, actor: Actor, version: str, now: datetime) -> str:
    """Make the company's earlier ``version`` (or the shared prior's) its champion again,
    in one action; returns the version now scoring. A retention model's version is rolled
    back by core.services.retention_promotion."""
    actor.require(Permission.TRAIN_MODELS)
    from core.services import retention_models, retention_promotion  # the latter imports this

    if retention_models.is_retention_version(version):
        return retention_promotion.rollback_to(uow, actor, version, now)
    with uow:
        repo = ScoringRepository(uow.session)
        prior_version = PRIOR_VERSION
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
    if action == "models.promoted":
        webhooks.announce(
            uow.session,
            actor.company_id,
            "model.promoted",
            {"version": version},  # the reason is prose: the Models page and API show it
            now,
        )
