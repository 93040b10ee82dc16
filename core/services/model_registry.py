"""The fit and success models: their registry rows and artifacts, a company's own.

Models are trained offline (``python -m core.cli models train``, the demo seed, the
worker's start-up) and loaded read-only: a request never trains. A company gets its own
models from its labelled hires, and they score its candidates only when they beat the prior.

The registry row holds the artifact itself (its pickled bytes and their sha256), so every
web process and worker on any machine loads the same model. The file under
:func:`models_dir` is only a cache: used when its sha256 matches the row's, else rewritten
from the row. Bytes in the row that do not match the row's sha256 are refused
(:class:`ModelIntegrityError`), never loaded and never replaced by another model.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from core.config import Settings, get_settings
from core.db import Database, UnitOfWork
from core.models import ModelVersion
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.fairness import FairnessRepository
from core.repositories.scoring import ScoringRepository
from core.services import prior_cache
from core.services.auth import Actor
from core.services.errors import NotFoundError, PeopleOSError, ValidationError
from ml import ab, artifacts, fairness, training
from ml.fit import MODEL_FEATURES
from ml.training import FIT_MODEL, SUCCESS_MODEL, TrainedModels

log = logging.getLogger(__name__)
T = TypeVar("T")


class ModelsMissingError(ValidationError):
    """The fit models have not been trained on this machine yet."""


class ModelIntegrityError(PeopleOSError):
    """A registered artifact's bytes do not match its stored sha256: it is refused."""


def models_dir(settings: Settings | None = None) -> Path:
    """Where model artifacts live (registry rows name files in it)."""
    return (settings or get_settings()).local_dir / "models"


def artifact_path(version: str, settings: Settings | None = None) -> Path:
    return models_dir(settings) / f"peopleos-{version}.pkl"


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> TrainedModels:  # noqa: ARG001 - mtime keys the cache
    return training.load(Path(path))


def load_models(settings: Settings | None = None, *, db: Database | None = None) -> TrainedModels:
    """The prior models (cached per process); never trains.

    With ``db``, from the registry row (the local file is a checked cache, so a machine with
    an empty models folder loads the same models); without, or before the prior is
    registered with its bytes, from the local file.
    """
    if db is not None:
        with db.uow() as uow:
            return prior_in(uow, settings)
    return _prior_file(settings)


def prior_in(uow: UnitOfWork, settings: Settings | None = None) -> TrainedModels:
    """The prior models from their registry row read in the caller's unit of work (the
    local file before the prior is registered with its bytes)."""
    row = ScoringRepository(uow.session).model_version(FIT_MODEL, training.PRIOR_VERSION)
    if row is not None and row.artifact_sha256:
        return load_registered(row, TrainedModels, "PeopleOS models", settings)
    return _prior_file(settings)


def _prior_file(settings: Settings | None) -> TrainedModels:
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
    """Make sure the prior models are registered with their bytes, training them first
    when neither the registry nor this machine has them.

    Returns what happened ("loaded": from the registry row or the local file, "cached":
    copied from this machine's cache of priors, "trained"). Idempotent.
    """
    path = artifact_path(training.PRIOR_VERSION, settings)
    with uow:
        repo = ScoringRepository(uow.session)
        row = repo.model_version(FIT_MODEL, training.PRIOR_VERSION)
        if row is not None and row.artifact_sha256:
            load_registered(row, TrainedModels, "PeopleOS models", settings)  # checks the bytes
            return "loaded"
    if path.exists():
        outcome = "loaded"
    else:
        outcome = prior_cache.build(path, lambda: training.dump(training.train_prior(), path))
    data = path.read_bytes()
    models = artifacts.loads(data, TrainedModels, "PeopleOS models")
    with uow:
        _register(ScoringRepository(uow.session), models, None, "champion", path, now, data)
        uow.commit()
    return outcome


def register_artifact(repo: ScoringRepository, row: ModelVersion, data: bytes) -> None:
    """Add the registry row ``row`` holding the artifact ``data`` and its sha256; when the
    version is registered already, only give a row from before 0017 its missing bytes.

    The one place a model's bytes enter the registry (fit, success and retention models).
    """
    existing = repo.model_version(row.name, row.version)
    target = existing if existing is not None else row
    if existing is not None and existing.artifact_sha256:
        return
    target.artifact = data
    target.artifact_sha256 = artifacts.sha256(data)
    if existing is None:
        repo.add_model_version(row)


# Loaded models by (version, sha256): a new artifact under an old version name is a new key.
_LOADED: OrderedDict[tuple[str, str], Any] = OrderedDict()
_LOADED_MAX = 8
_LOADED_LOCK = threading.Lock()


def clear_loaded() -> None:
    """Forget the models loaded by this process (tests; a new process starts empty)."""
    with _LOADED_LOCK:
        _LOADED.clear()


def load_registered(
    row: ModelVersion, kind: type[T], what: str, settings: Settings | None = None
) -> T:
    """The model of a registry row (cached per process by version and sha256).

    Reads the local cache file when its sha256 matches the row's, else the row's bytes
    (refreshing the cache file). Call inside the unit of work that read ``row`` (its bytes
    load on first access). Raises :class:`ModelIntegrityError` when the row's bytes do not
    match its sha256, and :class:`ModelsMissingError` for a row from before 0017 whose file
    is missing.
    """
    expected = row.artifact_sha256
    name = row.artifact_path or f"peopleos-{row.version}.pkl"
    path = models_dir(settings) / name
    if not expected:
        if not path.exists():
            raise ModelsMissingError(
                f"Model version {row.version} was registered without its artifact and its "
                f"file {name} is missing on this machine: train it again."
            )
        return artifacts.load(path, kind, what)
    key = (row.version, expected)
    with _LOADED_LOCK:
        if key in _LOADED:
            _LOADED.move_to_end(key)
            return _LOADED[key]
    data = path.read_bytes() if path.exists() else None
    if data is None or artifacts.sha256(data) != expected:
        data = row.artifact
        if data is None or artifacts.sha256(data) != expected:
            raise ModelIntegrityError(
                f"The stored artifact of model version {row.version} ({row.name}) does not "
                f"match its sha256 checksum {expected[:12]}…; it is refused. Register the "
                "model again (retrain it) before it scores anyone."
            )
        artifacts.write_bytes(data, path)
    model = artifacts.loads(data, kind, what)
    with _LOADED_LOCK:
        _LOADED[key] = model
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.popitem(last=False)
    return model


def _register(
    repo: ScoringRepository,
    models: TrainedModels,
    company_id: uuid.UUID | None,
    status: str,
    path: Path,
    now: datetime,
    data: bytes,
) -> None:
    """Registry rows of a fit and a success model trained together (once per version),
    each holding their shared artifact ``data``."""
    for name, features in (
        (FIT_MODEL, list(models.fit_features)),
        (SUCCESS_MODEL, list(models.success_features)),
    ):
        register_artifact(
            repo,
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
            ),
            data,
        )


@dataclass(frozen=True)
class RetrainResult:
    """What retraining did for one kind of model of one company."""

    kind: str  # "fit" (the fit and success models, trained together) or "retention"
    status: str  # "challenger" (registered, now under A/B test) or "skipped"
    version: str | None
    reason: str
    labelled: int  # the labelled outcomes (hires, or leavers) it learned from or lacked


@dataclass(frozen=True)
class OwnModelReport:
    version: str
    status: str  # "champion" (now scores the company) or "challenger" (kept, not used)
    auc: float
    prior_auc: float
    labelled: int
    refused: tuple[str, ...] = ()  # why a better model was kept a challenger (fairness)


def train_own_models(
    db: Database, actor: Actor, prior: TrainedModels, now: datetime
) -> tuple[TrainedModels, int]:
    """The company's own fit and success models, trained on the features stored with each
    labelled hire's fit prediction (never recomputed), judged against ``prior`` on held-out
    hires; and how many labelled hires they learned from. Registers nothing.

    Raises :class:`ValidationError` below ``MIN_COMPANY_OUTCOMES`` labelled hires or
    without both kinds of outcome.
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
    return models, len(rows)


def train_company_models(
    db: Database, actor: Actor, prior: TrainedModels, now: datetime
) -> OwnModelReport:
    """Train the company's own models from its labelled hires; adopt them only if better.

    The new fit model must beat the prior on the company's held-out hires to become the
    company's champion (the previous one retires); otherwise it is kept as a challenger
    and the prior goes on scoring. A better model also stays a challenger, with the reasons
    in its metrics, when it would push an impact ratio below 0.8 (or lower one already
    below it) on the company's self-identified candidates (:func:`_fairness_refusals`).
    Needs ``MIN_COMPANY_OUTCOMES`` labelled hires of both kinds. Trains outside any
    transaction, then registers in one.
    """
    models, labelled = train_own_models(db, actor, prior, now)
    version = models.version
    path = artifact_path(f"{actor.company_id}-{version}")
    status = "champion" if models.metrics["better_than_prior"] else "challenger"
    refused: list[str] = []
    if status == "champion":
        refused, measured = _fairness_refusals(db, actor, prior, models)
        models.metrics["fairness_check"] = {
            "measured_on": measured,
            "passed": not refused,
            "min_group": fairness.PROMOTION_MIN_GROUP,
        }
        if refused:
            status = "challenger"
            models.metrics["promotion_refused"] = refused
    with db.uow() as uow:
        repo = ScoringRepository(uow.session)
        if status == "champion":
            for name in (FIT_MODEL, SUCCESS_MODEL):
                for old in repo.company_versions(actor.company_id, name, "champion"):
                    old.status = "retired"
        data = artifacts.dumps(models)
        artifacts.write_bytes(data, path)
        _register(repo, models, actor.company_id, status, path, now, data)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="models.trained",
            entity_type="model_version",
            entity_id=version,
            summary={
                "status": status,
                **{k: models.metrics[k] for k in ("auc", "prior_auc")},
                "promotion_refused": refused,
            },
        )
        uow.commit()
    return OwnModelReport(
        version,
        status,
        models.metrics["auc"],
        models.metrics["prior_auc"],
        labelled,
        tuple(refused),
    )


def _fairness_refusals(
    db: Database, actor: Actor, prior: TrainedModels, new: TrainedModels
) -> tuple[list[str], int]:
    """Why ``new`` must not replace the fit model now scoring the company, and on how many
    candidates that was measured: impact ratios of scoring above the role's median on the
    company's self-identified candidates, by each model. Self-identification is read only
    to count; it is never given to a model."""
    with db.uow() as uow:
        current, _ = models_for(ScoringRepository(uow.session), actor.company_id, prior)
        return impact_refusals(uow, actor.company_id, current, new)


def impact_refusals(
    uow: UnitOfWork, company_id: uuid.UUID, current: TrainedModels, new: TrainedModels
) -> tuple[list[str], int]:
    """The fairness guard inside the caller's unit of work: why ``new`` must not replace
    ``current`` (impact ratios it would push below 0.8 or lower further), and on how many
    self-identified candidates that was measured."""
    people = [
        p for p in FairnessRepository(uow.session).list_self_identified(company_id) if p.features
    ]
    if not people:
        return [], 0
    features = pd.DataFrame([p.features for p in people])[list(MODEL_FEATURES)]
    groups = fairness.self_id_frame(p.answers for p in people)
    roles = [p.role_id for p in people]
    before = fairness.score_impact(current.fit.decision_function(features), roles, groups)
    after = fairness.score_impact(new.fit.decision_function(features), roles, groups)
    return fairness.promotion_refusals(before, after), len(people)


def models_for(
    repo: ScoringRepository,
    company_id: uuid.UUID,
    prior: TrainedModels,
    arm: str = ab.CHAMPION,
) -> tuple[TrainedModels, str]:
    """The models serving ``arm``: the company's champion from the registry when it has
    one, else the prior; for the challenger arm, the company's newest challenger when it
    has one (else the champion's models, so the arm only matters while a test runs).

    A champion whose artifact fails its checksum raises :class:`ModelIntegrityError`
    (no silent fall back to the prior)."""
    if arm == ab.CHALLENGER:
        challenger = company_challenger(repo, company_id)
        if challenger is not None:
            return load_registered(challenger, TrainedModels, "PeopleOS models"), "company"
    champion = repo.company_champion(company_id, FIT_MODEL)
    if champion is not None and (champion.artifact_sha256 or champion.artifact_path):
        try:
            return load_registered(champion, TrainedModels, "PeopleOS models"), "company"
        except ModelsMissingError:
            log.warning("model artifact of %s is missing; scoring with the prior", champion.version)
    return prior, "prior"


def company_challenger(repo: ScoringRepository, company_id: uuid.UUID) -> ModelVersion | None:
    """The company's newest challenger fit model holding its artifact (the one under test)."""
    rows = [
        r for r in repo.company_versions(company_id, FIT_MODEL, "challenger") if r.artifact_sha256
    ]
    return max(rows, key=lambda r: (r.created_at, r.version), default=None)


def model_label(models: TrainedModels) -> str:
    return f"{FIT_MODEL} {models.version} (prior: {models.trained_on})"


def models_that_scored(
    uow: UnitOfWork, actor: Actor, prior: TrainedModels, version: str
) -> TrainedModels:
    """The models of ``version`` (the prior or one of the company's own), for a what-if."""
    actor.require(Permission.VIEW_SCORES)
    if version == prior.version:
        return prior
    with uow:
        row = ScoringRepository(uow.session).model_version(FIT_MODEL, version)
        if row is None or row.company_id != actor.company_id:
            raise NotFoundError(f"Model version {version} is not registered for this company.")
        return load_registered(row, TrainedModels, "PeopleOS models")


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
