"""Retraining a company's models, the learning loop's step between outcomes and the A/B test.

A retrained model never starts scoring on its own: it is registered as a challenger, scoring
serves it to a share of candidates (or employees), and :mod:`core.services.model_promotion`
promotes or retires it from the outcomes of its arm. The fit and success models learn from
the features stored with each hire's prediction when it was made (never recomputed); the
retention model from the company's monthly history (:mod:`core.services.retention`).

The worker retrains a kind of model when :func:`due_kinds` says so: as soon as
``PEOPLEOS_RETRAIN_AFTER_OUTCOMES`` people have new outcomes since its last training or
attempt, or once ``PEOPLEOS_RETRAIN_EVERY_DAYS`` have passed with any new outcome, and never
while a challenger of that kind is still under test. ``python -m core.cli models retrain``
and "Retrain now" on the Models page retrain at once (replacing a challenger under test).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config import RetrainSettings, retrain_settings
from core.db import Database, UnitOfWork
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.model_retraining import ModelRetrainingRepository
from core.repositories.scoring import ScoringRepository
from core.services import model_registry, retention_models
from core.services.auth import Actor
from core.services.errors import ValidationError
from core.services.model_registry import RetrainResult
from ml import artifacts
from ml.training import FIT_MODEL, SUCCESS_MODEL

# (label, steps done, steps in all): the CLI draws it as a progress bar.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Kind:
    """One kind of model: its registry names and the predictions its outcomes close."""

    names: tuple[str, ...]
    prediction_types: tuple[str, ...]


KINDS: dict[str, Kind] = {
    # The fit and success models are trained together on the same hires.
    "fit": Kind((FIT_MODEL, SUCCESS_MODEL), ("fit_score", "success_prob")),
    "retention": Kind((retention_models.MODEL_NAME,), ("retention_risk",)),
}


def kind_of(option: str) -> str:
    """The kind an option names: ``success`` is trained with ``fit``."""
    kind = "fit" if option == "success" else option
    if kind not in KINDS:
        raise ValidationError(f"Unknown model kind '{option}': use fit, success or retention.")
    return kind


def _under_test(repo: ScoringRepository, company_id: uuid.UUID, kind: str) -> str | None:
    """The version of the kind's challenger now under A/B test, if any."""
    rows = [
        r
        for r in repo.company_versions(company_id, KINDS[kind].names[0], "challenger")
        if r.artifact_sha256
    ]
    newest = max(rows, key=lambda r: (r.created_at, r.version), default=None)
    return None if newest is None else newest.version


def due_kinds(
    uow: UnitOfWork, company_id: uuid.UUID, now: datetime, settings: RetrainSettings
) -> dict[str, str]:
    """The kinds of the company's models the worker should retrain now, each with why."""
    due: dict[str, str] = {}
    with uow:
        repo = ModelRetrainingRepository(uow.session)
        scoring = ScoringRepository(uow.session)
        for kind, spec in KINDS.items():
            if _under_test(scoring, company_id, kind) is not None:
                continue  # its outcomes decide first; a new challenger would restart the test
            marks = [
                t
                for t in (
                    repo.get_latest_training(company_id, spec.names),
                    repo.get_latest_attempt(company_id, kind),
                )
                if t is not None
            ]
            since = max(marks, default=None)
            new = repo.count_outcomes_since(company_id, spec.prediction_types, since)
            if new >= settings.after_outcomes:
                due[kind] = f"{new} people with new outcomes"
            elif new and (since is None or now - since >= timedelta(days=settings.every_days)):
                due[kind] = f"{settings.every_days} days passed; {new} people with new outcomes"
    return due


def _audit_attempt(uow: UnitOfWork, actor: Actor, result: RetrainResult, why: str) -> None:
    """The audit row of one attempt (it also marks when the kind was last tried)."""
    trained = result.status == "challenger"
    with uow:
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="models.retrained" if trained else "models.retrain_skipped",
            entity_type="model_kind",
            entity_id=result.kind,
            summary={
                "version": result.version,
                "reason": result.reason,
                "labelled": result.labelled,
                "trigger": why,
            },
        )
        uow.commit()


def _retire_superseded(
    repo: ScoringRepository, company_id: uuid.UUID, names: Sequence[str], by: str, now: datetime
) -> None:
    """Retire the kind's challengers still under test: the new one replaces them."""
    for name in names:
        for row in repo.company_versions(company_id, name, "challenger"):
            row.status = "retired"
            row.metrics = {
                **(row.metrics or {}),
                "ab_decision": {
                    "decision": "retired",
                    "reason": f"Superseded by {by}, retrained before its test ended.",
                    "decided_at": now.isoformat(),
                },
            }


def retrain_fit(db: Database, actor: Actor, now: datetime) -> RetrainResult:
    """Train the company's fit and success models on its labelled hires and register them
    as a challenger of the model scoring now; or say why its data does not allow it."""
    actor.require(Permission.TRAIN_MODELS)
    prior = model_registry.load_models(db=db)
    with db.uow() as uow:
        champion, _ = model_registry.models_for(
            ScoringRepository(uow.session), actor.company_id, prior
        )
    try:
        models, labelled = model_registry.train_own_models(db, actor, champion, now)
    except ValidationError as exc:
        with db.uow() as uow:
            have = ScoringRepository(uow.session).labelled_outcomes(actor.company_id)
        return RetrainResult("fit", "skipped", None, str(exc), have)
    # train_own measured both on the same held-out hires; name what it measured against.
    models.metrics["compared_with"] = champion.version
    path = model_registry.artifact_path(f"{actor.company_id}-{models.version}")
    data = artifacts.dumps(models)
    with db.uow() as uow:
        repo = ScoringRepository(uow.session)
        _retire_superseded(repo, actor.company_id, KINDS["fit"].names, models.version, now)
        artifacts.write_bytes(data, path)
        model_registry._register(repo, models, actor.company_id, "challenger", path, now, data)
        uow.commit()
    reason = (
        f"Held-out AUC {models.metrics['auc']:.3f} against {champion.version}'s "
        f"{models.metrics['prior_auc']:.3f} on the same {models.metrics['n_test']} hires; "
        "now under A/B test."
    )
    return RetrainResult("fit", "challenger", models.version, reason, labelled)


def retrain_company(
    db: Database,
    actor: Actor,
    now: datetime,
    *,
    kinds: Sequence[str] = tuple(KINDS),
    why: str = "on request",
    progress: Progress | None = None,
) -> list[RetrainResult]:
    """Retrain the company's models of ``kinds`` (each trained outside any transaction,
    then registered in one), each attempt audited; returns what became of each."""
    actor.require(Permission.TRAIN_MODELS)
    chosen = list(dict.fromkeys(kind_of(k) for k in kinds))
    results: list[RetrainResult] = []
    for done, kind in enumerate(chosen):
        if progress is not None:
            progress(f"training {kind}", done, len(chosen))
        if kind == "fit":
            result = retrain_fit(db, actor, now)
        else:
            result = retention_models.train_challenger(db, actor, now)
        _audit_attempt(db.uow(), actor, result, why)
        results.append(result)
    if progress is not None:
        progress("done", len(chosen), len(chosen))
    return results


def retrain_if_due(db: Database, actor: Actor, now: datetime) -> list[RetrainResult]:
    """The worker's check for one company: retrain the kinds :func:`due_kinds` names."""
    actor.require(Permission.TRAIN_MODELS)
    due = due_kinds(db.uow(), actor.company_id, now, retrain_settings())
    results: list[RetrainResult] = []
    for kind, why in due.items():
        results += retrain_company(db, actor, now, kinds=(kind,), why=why)
    return results
