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
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from core.config import Settings, ab_settings, get_settings
from core.db import Database, UnitOfWork
from core.models import Outcome, Prediction
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.retention import ENTITY, PREDICTION, RetentionRepository
from core.repositories.scoring import ScoringRepository
from core.services.auth import Actor
from core.services.model_registry import (
    ModelsMissingError,
    load_registered,
)
from core.services.retention_data import CompanyData, company_data, current_features, history_frame
from core.services.retention_models import (
    MODEL_NAME,
    WHAT,
    champion_model,
    company_challenger,
    prior_on_this_machine,
    registered_prior,
    serving_prior,
    to_json,
)
from core.services.worker_runs import Outcomes, describe_error
from ml import ab
from ml import retention as rm

log = logging.getLogger(__name__)

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
    repo: RetentionRepository, company_id: uuid.UUID, data: CompanyData, today: date, now: datetime
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
                features=to_json(
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
        prior = serving_prior(scoring, now, settings)
        champion = champion_model(scoring, actor.company_id, prior, settings)
        challenger_row = company_challenger(scoring, actor.company_id)
        challenger = (
            load_registered(challenger_row, rm.TrainedRetention, WHAT, settings)
            if challenger_row is not None
            else None
        )
        data = company_data(repo, actor.company_id, today)
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
        data = company_data(repo, actor.company_id, today)
        latest = repo.list_latest_predictions(actor.company_id)
        closed = repo.list_closed_predictions(actor.company_id)
        prior = registered_prior(scoring, settings)
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
        prior = prior_on_this_machine(settings)[0]
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
    history = history_frame(data, today, settings.pulse_min_group)
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
        validation=registered_metrics or to_json(in_use.metrics),
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
