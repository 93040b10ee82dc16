"""Retention risk: score every active employee, explain each score, check it later.

Every score is a ``predictions`` row (entity ``employee``, type ``retention_risk``) holding
the features used, the model version, its A/B arm and the drivers. At each rescore, open
predictions are closed: a leave within the prediction's horizon becomes an outcome of 1, a
horizon that passed without one an outcome of 0.

Scoring never trains. It serves models from the registry (core.services.model_registry):
the company's retention champion, else the shared synthetic prior (registered once by
:func:`ensure_prior`), and, while the company has a retention challenger, that challenger
to the employees :func:`ml.ab.arm_for` puts in its arm. :func:`train_challenger` trains the
company's own model from its history once it has :data:`ml.retention.MIN_OWN_LEAVERS`
leavers with a complete horizon and registers it as a challenger; the A/B decision and
rollback are in core.services.retention_promotion.

Team pulse figures enter only as team (or company) aggregates that the anonymity rule
shows; no answer is ever tied to a person (the answers carry no person to tie them to).
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from core.config import Settings, ab_settings, get_settings
from core.db import Database, UnitOfWork
from core.models import ModelVersion, Outcome, Prediction
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.retention import ENTITY, PREDICTION, RetentionRepository
from core.repositories.scoring import ScoringRepository
from core.services.auth import Actor
from core.services.model_registry import (
    ModelsMissingError,
    RetrainResult,
    load_registered,
    models_dir,
    register_artifact,
)
from core.services.worker_runs import Outcomes, describe_error
from ml import ab, artifacts, synthetic_retention
from ml import retention as rm

log = logging.getLogger(__name__)
MODEL_NAME = "retention_risk"
KIND = "retention"  # RetrainResult.kind
VERSION_PREFIX = "retention-"  # every retention model version starts with it (prior and own)
PRIOR_VERSION = synthetic_retention.PRIOR_VERSION
WHAT = "a PeopleOS retention model"
HISTORY_MONTHS = 24  # snapshots of the company's own history, for its measure and model


def _path(version: str, settings: Settings | None = None) -> Path:
    return models_dir(settings) / f"peopleos-{version}.pkl"


def is_retention_version(version: str) -> bool:
    """Whether ``version`` names a retention model (the prior or a company's own)."""
    return version.startswith(VERSION_PREFIX)


# --------------------------------------------------------------------------- the registry


def _registered_prior(
    scoring: ScoringRepository, settings: Settings | None
) -> rm.TrainedRetention | None:
    """The shared prior from its registry row (checked against its sha256), if registered."""
    row = scoring.model_version(MODEL_NAME, PRIOR_VERSION)
    if row is None or not row.artifact_sha256:
        return None
    return load_registered(row, rm.TrainedRetention, WHAT, settings)


def _prior_on_this_machine(settings: Settings | None) -> tuple[rm.TrainedRetention, bytes, str]:
    """(prior, its bytes, "loaded" or "trained") from this machine's file, trained there
    first when missing: only for a registry that does not hold the prior yet."""
    path = _path(PRIOR_VERSION, settings)
    outcome = "loaded"
    if not path.exists():
        rm.dump(synthetic_retention.train_prior(), path)
        outcome = "trained"
    data = path.read_bytes()
    return artifacts.loads(data, rm.TrainedRetention, WHAT), data, outcome


def _prior(
    scoring: ScoringRepository, now: datetime, settings: Settings | None
) -> rm.TrainedRetention:
    """The shared prior from the registry; a registry without it (a database that no
    ``models train`` or demo seed has seen) gets it registered in the caller's transaction."""
    prior = _registered_prior(scoring, settings)
    if prior is None:
        prior, data, _ = _prior_on_this_machine(settings)
        _register(scoring, prior, None, "champion", now, data)
    return prior


def ensure_prior(uow: UnitOfWork, now: datetime, *, settings: Settings | None = None) -> str:
    """Make sure the retention prior is registered with its bytes, training it first when
    neither the registry nor this machine has it. Returns "loaded" or "trained"; idempotent.
    Called where the fit prior's is: ``models train``, the demo seed."""
    with uow:
        if _registered_prior(ScoringRepository(uow.session), settings) is not None:
            return "loaded"
    # Outside the transaction: training takes seconds.
    prior, data, outcome = _prior_on_this_machine(settings)
    with uow:
        # register_artifact keeps a row another process registered meanwhile.
        _register(ScoringRepository(uow.session), prior, None, "champion", now, data)
        uow.commit()
    return outcome


def load_prior(uow: UnitOfWork, *, settings: Settings | None = None) -> rm.TrainedRetention:
    """The shared prior from its registry row; never trains (:func:`ensure_prior` first)."""
    with uow:
        prior = _registered_prior(ScoringRepository(uow.session), settings)
    if prior is None:
        raise ModelsMissingError(
            "The retention prior is not registered yet: run `python -m core.cli models train`."
        )
    return prior


def _register(
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
            metrics=_json({**trained.metrics, "trained_on": trained.trained_on}),
            feature_names=list(trained.features),
            artifact_path=_path(trained.version).name,
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


def _champion(
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


def _json(value: Any) -> Any:
    """``value`` with NaN as None and numpy numbers as Python ones (JSON columns)."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- company data


@dataclass
class _CompanyData:
    people: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    names: dict[uuid.UUID, tuple[str, str | None, str | None, str]]  # name, team, title, status


def _company_data(repo: RetentionRepository, company_id: uuid.UUID, today: date) -> _CompanyData:
    roles = []
    for role_id, title, department, intelligence in repo.list_roles(company_id):
        pay = (intelligence or {}).get("compensation")
        if isinstance(pay, dict) and pay.get("min") and pay.get("max"):
            roles.append(
                {
                    "id": role_id,
                    "title": title,
                    "department": department,
                    "level": (intelligence or {}).get("level"),
                    "min": float(pay["min"]),
                    "max": float(pay["max"]),
                }
            )
    hire_roles = repo.list_hire_roles(company_id)
    checkpoints: dict[uuid.UUID, list[tuple[date, float]]] = {}
    for hire_id, completed, score in repo.list_checkpoint_scores(company_id):
        checkpoints.setdefault(hire_id, []).append((completed.date(), float(score)))
    people, names = [], {}
    for e in repo.list_employees(company_id):
        names[e.id] = (e.full_name, e.department, e.title, e.status)
        if e.start_date is None:
            continue
        end = e.end_date if e.end_date is not None or e.status != "left" else today
        person = {
            "key": e.id,
            "role_id": hire_roles.get(e.hire_id) if e.hire_id else None,
            "title": e.title,
            "department": e.department,
            "level": e.level,
            "salary": e.salary,
            "start_date": e.start_date,
            "end_date": end,
            "last_change_on": e.last_change_on,
            "checkpoints": tuple(sorted(checkpoints.get(e.hire_id, []))) if e.hire_id else (),
        }
        person["band"] = rm.band_for(person, roles)
        people.append(person)
    since = datetime.combine(
        today - timedelta(days=31 * HISTORY_MONTHS + rm.PULSE_WINDOW_DAYS), time(), UTC
    )
    answers = []
    for (
        answer_id,
        team,
        created,
        alignment,
        enps,
        data,
        round_id,
        closes,
    ) in repo.list_pulse_answers(company_id, since):
        manager = ((data or {}).get("answers") or {}).get("manager")
        answers.append(
            {
                "id": answer_id,
                "team": team,
                "on": created.date(),
                "round": round_id,
                "closes": closes.date() if closes is not None else created.date(),
                "alignment": alignment,
                "enps": enps,
                "manager": manager if isinstance(manager, int | float) else None,
            }
        )
    return _CompanyData(people, answers, names)


def _history(data: _CompanyData, today: date, min_group: int) -> pd.DataFrame:
    first = (today - timedelta(days=31 * HISTORY_MONTHS)).replace(day=1)
    return rm.snapshot_frame(
        data.people, data.answers, rm.month_starts(first, today), today, min_group=min_group
    )


def current_features(data: _CompanyData, today: date, min_group: int) -> pd.DataFrame:
    """The features of every active employee today (one row each, ``key`` = employee id)."""
    active = [p for p in data.people if data.names[p["key"]][3] == "active"]
    return rm.snapshot_frame(active, data.answers, [today], today, min_group=min_group)


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
        prior = _registered_prior(scoring, settings)
        data = _company_data(RetentionRepository(uow.session), actor.company_id, today)
    if prior is None:
        prior = _prior_on_this_machine(settings)[0]
    serving = "its current model" if has_champion else "the shared prior"
    history = _history(data, today, settings.pulse_min_group)
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
        _register(scoring, own, actor.company_id, "challenger", now, blob)
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


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class ScoreReport:
    scored: int
    model_version: str  # the champion's (the prior's when the company has none)
    outcomes_left: int
    outcomes_stayed: int
    challenger_version: str | None = None  # under A/B test, when it scored anyone
    challenger_scored: int = 0


def _close_predictions(
    repo: RetentionRepository, company_id: uuid.UUID, data: _CompanyData, today: date, now: datetime
) -> tuple[int, int]:
    """Outcome rows for open predictions whose horizon saw a leave or has passed."""
    ends = {p["key"]: p["end_date"] for p in data.people}
    rows, left, stayed = [], 0, 0
    for prediction in repo.list_open_predictions(company_id):
        made = prediction.created_at.date()
        horizon = int((prediction.features or {}).get("horizon_days") or rm.HORIZON_DAYS)
        horizon_end = made + timedelta(days=horizon)
        end = ends.get(prediction.entity_id)
        if end is not None and made < end <= min(horizon_end, today):
            actual, kind = 1.0, "left"
        elif horizon_end <= today:
            actual, kind = 0.0, "stayed"
        else:
            continue
        p = float(prediction.predicted_value or 0.0)
        rows.append(
            Outcome(
                company_id=company_id,
                prediction_id=prediction.id,
                actual_value=actual,
                accuracy=round(1 - abs(p - actual), 6),
                feedback_data={
                    "outcome": kind,
                    "leave_date": end.isoformat() if kind == "left" and end else None,
                    "horizon_end": horizon_end.isoformat(),
                    "error": round(abs(p - actual), 6),
                    "prediction_type": PREDICTION,
                    "model_version": prediction.model_version,
                },
                created_at=now,
            )
        )
        left += kind == "left"
        stayed += kind == "stayed"
    repo.add_outcomes(rows)
    return left, stayed


def _arms(keys: list[uuid.UUID], challenger: rm.TrainedRetention | None) -> list[str]:
    """Each employee's A/B arm (ml.ab.arm_for); all "champion" unless the company has a
    retention challenger under test and PEOPLEOS_AB_SHARE is above 0."""
    share = ab_settings().share
    if challenger is None or share <= 0:
        return [ab.CHAMPION] * len(keys)
    return [ab.arm_for(key, share) for key in keys]


def _predictions(
    company_id: uuid.UUID,
    frame: pd.DataFrame,
    arm: str,
    trained: rm.TrainedRetention,
    today: date,
    now: datetime,
) -> list[Prediction]:
    """The prediction rows of ``trained`` for the employees of ``frame`` (one arm)."""
    if not len(frame):
        return []
    probability = trained.model.predict_proba(frame)[:, 1]
    drivers = trained.model.drivers(frame)
    base = trained.model.base_logit()
    rows = []
    for i, (_, row) in enumerate(frame.iterrows()):
        contributions = {c: round(float(v), 6) for c, v in drivers.iloc[i].items()}
        rows.append(
            Prediction(
                company_id=company_id,
                entity_type=ENTITY,
                entity_id=row["key"],
                prediction_type=PREDICTION,
                predicted_value=round(float(probability[i]), 6),
                confidence=None,
                model_version=trained.version,
                features=_json(
                    {
                        "horizon_days": rm.HORIZON_DAYS,
                        "as_of": today,
                        "arm": arm,
                        "version": trained.version,
                        "values": {f: row[f] for f in rm.FEATURES},
                        "drivers": contributions,
                        "base_log_odds": round(base, 6),
                        "top": rm.top_drivers(contributions),
                    }
                ),
                created_at=now,
            )
        )
    return rows


def score_company(
    uow: UnitOfWork, actor: Actor, now: datetime, *, settings: Settings | None = None
) -> ScoreReport:
    """Close the predictions whose outcome is known, then score every active employee
    with the company's champion (or the prior), and its challenger's arm with the
    challenger while one is under test (a second run on the same day replaces that day's
    open scores). Never trains: models come from the registry."""
    actor.require(Permission.VIEW_RETENTION)
    settings = settings or get_settings()
    today = now.date()
    with uow:
        repo = RetentionRepository(uow.session)
        scoring = ScoringRepository(uow.session)
        prior = _prior(scoring, now, settings)
        champion = _champion(scoring, actor.company_id, prior, settings)
        challenger_row = company_challenger(scoring, actor.company_id)
        challenger = (
            load_registered(challenger_row, rm.TrainedRetention, WHAT, settings)
            if challenger_row is not None
            else None
        )
        data = _company_data(repo, actor.company_id, today)
        left, stayed = _close_predictions(repo, actor.company_id, data, today, now)
        uow.session.flush()
        day_start = datetime.combine(today, time(), UTC)
        repo.delete_predictions(repo.list_predictions_since(actor.company_id, day_start))
        uow.session.flush()
        frame = current_features(data, today, settings.pulse_min_group).reset_index(drop=True)
        arms = pd.Series(_arms(list(frame["key"]), challenger), index=frame.index, dtype=object)
        rows = _predictions(
            actor.company_id, frame[arms == ab.CHAMPION], ab.CHAMPION, champion, today, now
        )
        tested: list[Prediction] = []
        if challenger is not None:
            tested = _predictions(
                actor.company_id,
                frame[arms == ab.CHALLENGER],
                ab.CHALLENGER,
                challenger,
                today,
                now,
            )
        repo.add_predictions(rows + tested)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="retention.scored",
            entity_type="company",
            entity_id=str(actor.company_id),
            summary={
                "scored": len(rows) + len(tested),
                "model_version": champion.version,
                "challenger_version": challenger.version if tested else None,
                "challenger_scored": len(tested),
                "outcomes_left": left,
                "outcomes_stayed": stayed,
            },
        )
        uow.commit()
    return ScoreReport(
        len(rows) + len(tested),
        champion.version,
        left,
        stayed,
        challenger.version if challenger is not None and tested else None,
        len(tested),
    )


def rescore_all(db: Database, now: datetime) -> dict[str, Any]:
    """The worker's nightly pass: every company, one failure not stopping the others."""
    outcomes = Outcomes("companies")
    with db.uow() as uow:
        companies = [(c.id, c.name) for c in CompanyRepository(uow.session).list_all()]
    for company_id, name in companies:
        try:
            score_company(db.uow(), Actor.system(company_id, name, "worker"), now)
        except Exception as exc:  # noqa: BLE001 - counted; the next company is still scored
            log.exception("retention rescore failed for %s", name)
            outcomes.fail(name, describe_error(exc))
            continue
        outcomes.ok()
    return outcomes.summary()


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class RiskRow:
    employee_id: uuid.UUID
    name: str
    team: str | None
    title: str | None
    tenure_years: float | None
    probability: float
    band: str
    drivers: list[dict[str, Any]]  # {"category", "log_odds", "action"}, strongest first
    contributions: dict[str, float]  # every category's SHAP value (log-odds)
    values: dict[str, Any]  # the feature values the score was computed from
    scored_at: datetime
    model_version: str | None


@dataclass(frozen=True)
class RetentionView:
    rows: list[RiskRow]
    model_version: str | None
    model_scope: str  # "prior" or "company"
    trained_on: str
    validation: dict[str, Any]  # time-based validation of the model in use
    history: dict[str, Any] | None  # the model measured on the company's own past months
    leavers: int  # the company's leavers with a complete horizon
    min_own_leavers: int
    live: dict[str, Any] | None  # from recorded outcomes
    # team, band, people (how many of a team in each band)
    heatmap: list[dict[str, Any]] = field(default_factory=list)
    # team, category, mean_log_odds, people (what moves each team's risk, on average)
    team_drivers: list[dict[str, Any]] = field(default_factory=list)
    active_employees: int = 0
    challenger_version: str | None = None  # under A/B test against the model in use
    challenger_share: float = 0.0  # of employees it scores


def _live_accuracy(closed: list[tuple[float, float, str | None]]) -> dict[str, Any] | None:
    if not closed:
        return None
    p = np.array([c[0] for c in closed])
    y = np.array([c[1] for c in closed]).round().astype(int)
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None
    return {
        "predictions": len(closed),
        "left": int(y.sum()),
        "auc": None if auc is None else round(auc, 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
    }


def risk_list(
    uow: UnitOfWork, actor: Actor, now: datetime, *, settings: Settings | None = None
) -> RetentionView:
    """The latest score of every active employee with drivers and actions, and how well
    the model measured (founders and admins)."""
    actor.require(Permission.VIEW_RETENTION)
    settings = settings or get_settings()
    today = now.date()
    with uow:
        repo = RetentionRepository(uow.session)
        scoring = ScoringRepository(uow.session)
        data = _company_data(repo, actor.company_id, today)
        latest = repo.list_latest_predictions(actor.company_id)
        closed = repo.list_closed_predictions(actor.company_id)
        prior = _registered_prior(scoring, settings)
        champion_row = scoring.company_champion(actor.company_id, MODEL_NAME)
        own = None
        if champion_row is not None:
            # From the registry (checked against its sha256), not only this machine's files.
            try:
                own = load_registered(champion_row, rm.TrainedRetention, WHAT, settings)
            except ModelsMissingError:
                own = None
        registered_metrics = dict(champion_row.metrics or {}) if own and champion_row else {}
        challenger_row = company_challenger(scoring, actor.company_id)
        challenger_version = challenger_row.version if challenger_row is not None else None
    if prior is None:  # a registry that no scoring, `models train` or demo seed reached yet
        prior = _prior_on_this_machine(settings)[0]
    active = {k for k, v in data.names.items() if v[3] == "active"}
    rows = []
    for p in latest:
        if p.entity_id not in active or p.predicted_value is None:
            continue
        name, team, title, _ = data.names[p.entity_id]
        stored = p.features or {}
        tenure = (stored.get("values") or {}).get("tenure_years")
        rows.append(
            RiskRow(
                employee_id=p.entity_id,
                name=name,
                team=team,
                title=title,
                tenure_years=tenure,
                probability=float(p.predicted_value),
                band=rm.risk_band(float(p.predicted_value)),
                drivers=list(stored.get("top") or []),
                contributions={str(k): float(v) for k, v in (stored.get("drivers") or {}).items()},
                values=dict(stored.get("values") or {}),
                scored_at=p.created_at,
                model_version=p.model_version,
            )
        )
    rows.sort(key=lambda r: -r.probability)
    history = _history(data, today, settings.pulse_min_group)
    in_use = own or prior
    # The company's own model was fitted on this history: its figure is its time split's.
    measured = None
    if in_use is prior and len(rm.complete(history)):
        measured = rm.measure(prior.model, history)
    heat: dict[tuple[str, str], int] = {}
    moves: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        key = (r.team or "No team", r.band)
        heat[key] = heat.get(key, 0) + 1
        for category, value in r.contributions.items():
            moves.setdefault((r.team or "No team", category), []).append(value)
    return RetentionView(
        rows=rows,
        model_version=in_use.version,
        model_scope="company" if own is not None else "prior",
        trained_on=registered_metrics.get("trained_on") or in_use.trained_on,
        validation=registered_metrics or _json(in_use.metrics),
        history=measured,
        leavers=rm.leavers(history),
        min_own_leavers=rm.MIN_OWN_LEAVERS,
        live=_live_accuracy(closed),
        heatmap=[{"team": t, "band": b, "people": n} for (t, b), n in sorted(heat.items())],
        team_drivers=[
            {"team": t, "category": c, "mean_log_odds": float(np.mean(v)), "people": len(v)}
            for (t, c), v in sorted(moves.items())
        ],
        active_employees=len(active),
        challenger_version=challenger_version,
        challenger_share=ab_settings().share if challenger_version else 0.0,
    )
