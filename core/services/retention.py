"""Retention risk: score every active employee, explain each score, check it later.

Every score is a ``predictions`` row (entity ``employee``, type ``retention_risk``) holding
the features used, the model version and the drivers. At each rescore, open predictions are
closed: a leave within the prediction's horizon becomes an outcome of 1, a horizon that
passed without one an outcome of 0. The model is the synthetic prior until the company has
:data:`ml.retention.MIN_OWN_LEAVERS` leavers with a complete horizon; then its own model
is trained on its history and used only when it measures better on the later months.

Team pulse figures enter only as team (or company) aggregates that the anonymity rule
shows; no answer is ever tied to a person (the answers carry no person to tie them to).
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from core.config import Settings, get_settings
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
    load_registered,
    models_dir,
    register_artifact,
)
from core.services.worker_runs import Outcomes, describe_error
from ml import retention as rm
from ml import synthetic_retention

log = logging.getLogger(__name__)
MODEL_NAME = "retention_risk"
HISTORY_MONTHS = 24  # snapshots of the company's own history, for its measure and model


def _path(version: str, settings: Settings | None = None) -> Path:
    return models_dir(settings) / f"peopleos-{version}.pkl"


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> rm.TrainedRetention:  # noqa: ARG001 - mtime keys the cache
    return rm.load(Path(path))


def load_prior(settings: Settings | None = None) -> rm.TrainedRetention:
    """The synthetic prior from disk, trained there first if missing (a few seconds)."""
    path = _path(synthetic_retention.PRIOR_VERSION, settings)
    if not path.exists():
        rm.dump(synthetic_retention.train_prior(), path)
    return _load(str(path), path.stat().st_mtime)


def _register(
    scoring: ScoringRepository,
    trained: rm.TrainedRetention,
    company_id: uuid.UUID | None,
    status: str,
    now: datetime,
    settings: Settings | None = None,
) -> None:
    """The registry row of a retention model with its artifact (the bytes of its file,
    written here when missing), once per version."""
    path = _path(trained.version, settings)
    if not path.exists():
        rm.dump(trained, path)
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
            artifact_path=path.name,
            trained_at=now,
            created_at=now,
        ),
        path.read_bytes(),
    )


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


def _own_model(
    history: pd.DataFrame, prior: rm.TrainedRetention, company_id: uuid.UUID, today: date
) -> rm.TrainedRetention | None:
    """The company's own model when it has enough leavers and beats the prior later on."""
    if rm.leavers(history) < rm.MIN_OWN_LEAVERS:
        return None
    try:
        own = rm.train(history, f"retention-own-{str(company_id)[:8]}-{today:%Y%m%d}", "")
        split = rm.time_split(history)
        prior_auc = rm.measure(prior.model, split.test)["auc"]
    except ValueError:
        return None
    own_auc = own.metrics["test"]["auc"]
    if own_auc is None or prior_auc is None or own_auc <= prior_auc:
        return None
    own.metrics["prior_auc_same_months"] = prior_auc
    own.trained_on = f"the company's own history ({rm.leavers(history)} leavers)"
    return own


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class ScoreReport:
    scored: int
    model_version: str
    outcomes_left: int
    outcomes_stayed: int


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


def score_company(
    uow: UnitOfWork, actor: Actor, now: datetime, *, settings: Settings | None = None
) -> ScoreReport:
    """Close the predictions whose outcome is known, then score every active employee
    (a second run on the same day replaces that day's open scores)."""
    actor.require(Permission.VIEW_RETENTION)
    settings = settings or get_settings()
    prior = load_prior(settings)
    today = now.date()
    with uow:
        repo = RetentionRepository(uow.session)
        scoring = ScoringRepository(uow.session)
        data = _company_data(repo, actor.company_id, today)
        left, stayed = _close_predictions(repo, actor.company_id, data, today, now)
        uow.session.flush()
        history = _history(data, today, settings.pulse_min_group)
        trained = _own_model(history, prior, actor.company_id, today) or prior
        _register(scoring, prior, None, "champion", now, settings)
        if trained is not prior:
            rm.dump(trained, _path(trained.version, settings))
            _register(scoring, trained, actor.company_id, "champion", now, settings)
        day_start = datetime.combine(today, time(), UTC)
        repo.delete_predictions(repo.list_predictions_since(actor.company_id, day_start))
        uow.session.flush()
        frame = current_features(data, today, settings.pulse_min_group)
        rows = []
        if len(frame):
            probability = trained.model.predict_proba(frame)[:, 1]
            drivers = trained.model.drivers(frame)
            base = trained.model.base_logit()
            for i, (_, row) in enumerate(frame.iterrows()):
                contributions = {c: round(float(v), 6) for c, v in drivers.iloc[i].items()}
                rows.append(
                    Prediction(
                        company_id=actor.company_id,
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
                                "values": {f: row[f] for f in rm.FEATURES},
                                "drivers": contributions,
                                "base_log_odds": round(base, 6),
                                "top": rm.top_drivers(contributions),
                            }
                        ),
                        created_at=now,
                    )
                )
        repo.add_predictions(rows)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="retention.scored",
            entity_type="company",
            entity_id=str(actor.company_id),
            summary={
                "scored": len(rows),
                "model_version": trained.version,
                "outcomes_left": left,
                "outcomes_stayed": stayed,
            },
        )
        uow.commit()
    return ScoreReport(len(rows), trained.version, left, stayed)


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
        data = _company_data(repo, actor.company_id, today)
        latest = repo.list_latest_predictions(actor.company_id)
        closed = repo.list_closed_predictions(actor.company_id)
        version = latest[0].model_version if latest else None
        registered = (
            ScoringRepository(uow.session).model_version(MODEL_NAME, version) if version else None
        )
        registered_metrics = dict(registered.metrics or {}) if registered else {}
        scope = "company" if registered is not None and registered.company_id else "prior"
        own = None
        if scope == "company" and registered is not None:
            # From the registry (checked against its sha256), not only this machine's files.
            try:
                own = load_registered(
                    registered, rm.TrainedRetention, "a PeopleOS retention model", settings
                )
            except ModelsMissingError:
                own = None
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
    prior = load_prior(settings)
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
        model_version=version or prior.version,
        model_scope=scope,
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
    )
