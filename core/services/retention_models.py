"""Retention models in the registry: the shared synthetic prior, a company's champion and
the challenger under test, each loaded from its registry row (checked against its sha256),
and the training of a company's own model as a challenger (:func:`train_challenger`).
Scoring never trains (core.services.retention); the A/B decision and rollback live in
core.services.retention_promotion."""

from __future__ import annotations

import logging
import math
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from core.config import Settings, get_settings
from core.db import Database, UnitOfWork
from core.models import ModelVersion
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.retention import RetentionRepository
from core.repositories.scoring import ScoringRepository
from core.services import prior_cache
from core.services.auth import Actor
from core.services.model_registry import (
    ModelsMissingError,
    RetrainResult,
    load_registered,
    models_dir,
    register_artifact,
)
from core.services.retention_data import company_data, history_frame
from ml import artifacts, synthetic_retention
from ml import retention as rm

log = logging.getLogger(__name__)
MODEL_NAME = "retention_risk"
KIND = "retention"  # RetrainResult.kind
VERSION_PREFIX = "retention-"  # every retention model version starts with it (prior and own)
PRIOR_VERSION = synthetic_retention.PRIOR_VERSION
WHAT = "a PeopleOS retention model"


def artifact_file(version: str, settings: Settings | None = None) -> Path:
    return models_dir(settings) / f"peopleos-{version}.pkl"


def is_retention_version(version: str) -> bool:
    """Whether ``version`` names a retention model (the prior or a company's own)."""
    return version.startswith(VERSION_PREFIX)


# --------------------------------------------------------------------------- the registry


def registered_prior(
    scoring: ScoringRepository, settings: Settings | None
) -> rm.TrainedRetention | None:
    """The shared prior from its registry row (checked against its sha256), if registered."""
    row = scoring.model_version(MODEL_NAME, PRIOR_VERSION)
    if row is None or not row.artifact_sha256:
        return None
    return load_registered(row, rm.TrainedRetention, WHAT, settings)


def prior_on_this_machine(settings: Settings | None) -> tuple[rm.TrainedRetention, bytes, str]:
    """(prior, its bytes, "loaded", "cached" or "trained") from this machine's file,
    copied from its cache of priors or trained there first when missing: only for a
    registry that does not hold the prior yet."""
    path = artifact_file(PRIOR_VERSION, settings)
    outcome = "loaded"
    if not path.exists():
        outcome = prior_cache.build(path, lambda: rm.dump(synthetic_retention.train_prior(), path))
    data = path.read_bytes()
    return artifacts.loads(data, rm.TrainedRetention, WHAT), data, outcome


def serving_prior(
    scoring: ScoringRepository, now: datetime, settings: Settings | None
) -> rm.TrainedRetention:
    """The shared prior from the registry; a registry without it (a database that no
    ``models train`` or demo seed has seen) gets it registered in the caller's transaction."""
    prior = registered_prior(scoring, settings)
    if prior is None:
        prior, data, _ = prior_on_this_machine(settings)
        register(scoring, prior, None, "champion", now, data)
    return prior


def ensure_prior(uow: UnitOfWork, now: datetime, *, settings: Settings | None = None) -> str:
    """Make sure the retention prior is registered with its bytes, training it first when
    neither the registry nor this machine has it. Returns "loaded", "cached" or "trained";
    idempotent.
    Called where the fit prior's is: ``models train``, the demo seed."""
    with uow:
        if registered_prior(ScoringRepository(uow.session), settings) is not None:
            return "loaded"
    # Outside the transaction: training takes seconds.
    prior, data, outcome = prior_on_this_machine(settings)
    with uow:
        # register_artifact keeps a row another process registered meanwhile.
        register(ScoringRepository(uow.session), prior, None, "champion", now, data)
        uow.commit()
    return outcome


def load_prior(uow: UnitOfWork, *, settings: Settings | None = None) -> rm.TrainedRetention:
    """The shared prior from its registry row; never trains (:func:`ensure_prior` first)."""
    with uow:
        prior = registered_prior(ScoringRepository(uow.session), settings)
    if prior is None:
        raise ModelsMissingError(
            "The retention prior is not registered yet: run `python -m core.cli models train`."
        )
    return prior


def register(
    scoring: ScoringRepository,
    trained: rm.TrainedRetention,
    company_id: uuid.UUID | None,
    status: str,
    now: datetime,
    data: bytes,
) -> None:
    """The registry row of a retention model holding its artifact ``data``, once per version."""
    register_artifact(
        scoring,
        ModelVersion(
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"peopleos:model:{MODEL_NAME}:{trained.version}"),
            company_id=company_id,
            name=MODEL_NAME,
            version=trained.version,
            status=status,
            metrics=to_json({**trained.metrics, "trained_on": trained.trained_on}),
            feature_names=list(trained.features),
            artifact_path=artifact_file(trained.version).name,
            trained_at=now,
            created_at=now,
        ),
        data,
    )


def company_challenger(scoring: ScoringRepository, company_id: uuid.UUID) -> ModelVersion | None:
    """The company's newest retention challenger holding its artifact (the one under test)."""
    rows = [
        r
        for r in scoring.company_versions(company_id, MODEL_NAME, "challenger")
        if r.artifact_sha256
    ]
    return max(rows, key=lambda r: (r.created_at, r.version), default=None)


def champion_model(
    scoring: ScoringRepository,
    company_id: uuid.UUID,
    prior: rm.TrainedRetention,
    settings: Settings | None,
) -> rm.TrainedRetention:
    """The company's retention champion from the registry, else the prior. A champion whose
    bytes fail their checksum raises ModelIntegrityError: no silent fall back to the prior."""
    row = scoring.company_champion(company_id, MODEL_NAME)
    if row is None:
        return prior
    try:
        return load_registered(row, rm.TrainedRetention, WHAT, settings)
    except ModelsMissingError:
        log.warning("retention model %s has no artifact; scoring with the prior", row.version)
        return prior


def to_json(value: Any) -> Any:
    """``value`` with NaN as None and numpy numbers as Python ones (JSON columns)."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- training


def _skipped(reason: str, leavers: int) -> RetrainResult:
    return RetrainResult(KIND, "skipped", None, reason, leavers)


def train_challenger(
    db: Database, actor: Actor, now: datetime, *, settings: Settings | None = None
) -> RetrainResult:
    """Train the company's own retention model from its history and register it as a
    challenger (audited "models.trained"), or say why not.

    Needs :data:`ml.retention.MIN_OWN_LEAVERS` leavers with a complete horizon, and the
    new model must measure better than the prior on the later months of its time split
    (both AUCs are kept in its metrics). While a challenger is under its A/B test no other
    is trained: the test needs the same model serving its arm until the decision, and
    outcomes take up to a horizon (180 days) to arrive. Trains outside any transaction,
    then registers in one.
    """
    actor.require(Permission.TRAIN_MODELS)
    settings = settings or get_settings()
    today = now.date()
    with db.uow() as uow:
        scoring = ScoringRepository(uow.session)
        testing = company_challenger(scoring, actor.company_id)
        testing_version = testing.version if testing is not None else None
        has_champion = scoring.company_champion(actor.company_id, MODEL_NAME) is not None
        prior = registered_prior(scoring, settings)
        data = company_data(RetentionRepository(uow.session), actor.company_id, today)
    if prior is None:
        prior = prior_on_this_machine(settings)[0]
    serving = "its current model" if has_champion else "the shared prior"
    history = history_frame(data, today, settings.pulse_min_group)
    leavers = rm.leavers(history)
    if testing_version is not None:
        return _skipped(
            f"Challenger {testing_version} is still under its A/B test; the next one is "
            "trained after its decision.",
            leavers,
        )
    if leavers < rm.MIN_OWN_LEAVERS:
        return _skipped(
            f"{leavers} leavers with a complete horizon; its own model needs "
            f"{rm.MIN_OWN_LEAVERS}; {serving} goes on scoring.",
            leavers,
        )
    version = f"{VERSION_PREFIX}own-{str(actor.company_id)[:8]}-{now:%Y%m%d%H%M%S}"
    try:
        own = rm.train(history, version, "")
        prior_auc = rm.measure(prior.model, rm.time_split(history).test)["auc"]
    except ValueError as exc:
        return _skipped(f"Its own model could not be trained: {exc} {serving} goes on.", leavers)
    own_auc = own.metrics["test"]["auc"]
    if own_auc is None or prior_auc is None:
        return _skipped(
            "The later months of its history hold only one kind of outcome, so no AUC can "
            f"be measured; {serving} goes on scoring.",
            leavers,
        )
    if own_auc <= prior_auc:
        return _skipped(
            f"Its own model measured AUC {own_auc:.3f} on the later months against the "
            f"prior's {prior_auc:.3f} on the same months: not registered; {serving} goes "
            "on scoring.",
            leavers,
        )
    own.metrics["prior_auc_same_months"] = prior_auc
    own.trained_on = f"{actor.company_name}'s own history ({leavers} leavers)"
    blob = artifacts.dumps(own)
    with db.uow() as uow:
        scoring = ScoringRepository(uow.session)
        register(scoring, own, actor.company_id, "challenger", now, blob)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="models.trained",
            entity_type="model_version",
            entity_id=version,
            summary={
                "kind": KIND,
                "status": "challenger",
                "auc": own_auc,
                "prior_auc": prior_auc,
                "leavers": leavers,
            },
        )
        uow.commit()
    return RetrainResult(
        KIND,
        "challenger",
        version,
        f"Registered {version} as a challenger: AUC {own_auc:.3f} on the later months of "
        f"its history against the prior's {prior_auc:.3f}, from {leavers} leavers.",
        leavers,
    )
