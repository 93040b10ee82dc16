"""Retention risk: the model learns a known hazard, explains itself, validates forward in
time; scores write predictions that later get outcomes; only founders and admins see it;
and no pulse answer reaches a person's features except inside an aggregate that may show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
import shap
from sqlalchemy import func, select, update

from core.db import Database
from core.models import CulturePulseCheck, Employee, Outcome, Prediction
from core.permissions import pages_for
from core.services import retention, retention_data
from core.services.errors import PermissionDeniedError
from ml import retention as rm
from ml import synthetic_retention as sr
from tests.helpers import actor_of_role, company_ids_by_name, login_app

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def population() -> object:
    return sr.population_frame(n_companies=30, months=40, seed=3)


# --------------------------------------------------------------------------- the model


def test_the_model_learns_the_synthetic_hazard_and_shuffled_labels_do_not(population) -> None:
    result = rm.time_validation(population)
    assert result["test"]["auc"] > 0.62, result["test"]
    assert result["test"]["leavers"] > 100 and result["train"]["leavers"] > 100
    shuffled = population.copy()
    done = shuffled["label"].notna()
    rng = np.random.default_rng(0)
    shuffled.loc[done, "label"] = rng.permutation(shuffled.loc[done, "label"].to_numpy())
    control = rm.time_validation(shuffled)["test"]["auc"]
    assert abs(control - 0.5) < 0.04


def test_the_time_split_never_trains_on_later_months(population) -> None:
    split = rm.time_split(population)
    assert len(split.train) and len(split.test)
    last_train = max(split.train["snapshot"])
    assert last_train + timedelta(days=rm.HORIZON_DAYS) <= min(split.test["snapshot"])
    # every training label was known before the first test month
    assert split.train["label"].notna().all()


def test_category_drivers_are_shap_values_and_add_up_to_the_score(population) -> None:
    model = rm.fit(population[population["snapshot"] < date(2025, 1, 1)])
    rows = rm.complete(population).sample(200, random_state=1)
    drivers = model.drivers(rows)
    assert list(drivers.columns) == list(rm.CATEGORIES)
    p = model.predict_proba(rows)[:, 1]
    logit = np.log(p / (1 - p))
    assert np.allclose(drivers.sum(axis=1).to_numpy() + model.base_logit(), logit, atol=1e-8)
    # the same values as shap's own explainer of the linear model, per transformed column
    prep, linear = model.pipeline_["prep"], model.pipeline_["model"]
    background = np.asarray(prep.transform(rm.complete(population)[list(rm.FEATURES)]), float)
    explainer = shap.LinearExplainer(
        (linear.coef_[0], linear.intercept_[0]), model.background_[None, :]
    )
    phi = explainer.shap_values(np.asarray(prep.transform(rows[list(rm.FEATURES)]), float))
    slope = float(model.calibrator_.coef_[0][0])
    ours = np.zeros_like(drivers.to_numpy())
    for j, category in enumerate(model.column_categories_):
        ours[:, list(rm.CATEGORIES).index(category)] += slope * phi[:, j]
    assert np.allclose(ours, drivers.to_numpy(), atol=1e-8)
    assert background.shape[1] == len(model.columns_)
    top = rm.top_drivers(dict(drivers.iloc[0]))
    assert all(d["action"] == rm.ACTIONS[d["category"]] for d in top)


def _answers(team: str, n: int, start: int, value: float) -> list[dict]:
    return [
        {
            "id": f"{team}-{start + i}",
            "team": team,
            "on": date(2026, 10, 1),
            "alignment": value,
            "enps": 7,
            "manager": 4,
        }
        for i in range(n)
    ]


def test_a_small_teams_answers_never_reach_its_members_features() -> None:
    big, small = _answers("Engineering", 12, 0, 80.0), _answers("Sales", 3, 0, 20.0)
    other = _answers("Product", 8, 0, 60.0)
    shown = rm.team_pulse(big + other + small, date(2026, 10, 15), 5)
    # Sales is too small; Product goes too (the company minus the shown teams is Sales)
    assert set(shown) == {rm.COMPANY, "Engineering"}
    sales = rm.pulse_features(shown, "Sales")
    assert sales == rm.pulse_features(shown, "Marketing")  # the company's figures
    # Sales answers exchanged with Engineering's (the company total stays the same): the
    # Sales members' features do not move, whatever the Sales answers are.
    swapped_small = [dict(a, alignment=80.0) for a in small]
    swapped_big = [dict(a, alignment=20.0) if i < 3 else a for i, a in enumerate(big)]
    again = rm.team_pulse(swapped_big + other + swapped_small, date(2026, 10, 15), 5)
    assert rm.pulse_features(again, "Sales") == sales


def test_a_window_adds_only_groups_each_round_shows_and_no_open_round() -> None:
    def answers(round_id: str, day: int, team: str, n: int, value: float) -> list[dict]:
        return [
            dict(
                a,
                id=f"{round_id}-{a['id']}",
                round=round_id,
                on=date(2026, 9, day),
                closes=date(2026, 9, day + 14),
                alignment=value,
            )
            for a in _answers(team, n, 0, value)
        ]

    # Engineering: 6 answers in the first round (shown there), 2 in the second (withheld
    # there). Were the 2 added to the window's figure, that figure minus the first round's
    # (shown on the Culture pulse page) would give them away.
    first = answers("r1", 1, "Engineering", 6, 80.0) + answers("r1", 1, "Product", 6, 60.0)
    second = answers("r2", 10, "Engineering", 2, 0.0) + answers("r2", 10, "Product", 9, 60.0)
    shown = rm.team_pulse(first + second, date(2026, 10, 15), 5)
    assert shown["Engineering"]["team_alignment"] == 80.0
    # A round still open on the day counts for nothing (its figures would move per answer).
    still_open = [dict(a, closes=date(2026, 10, 20)) for a in second]
    assert rm.team_pulse(first + still_open, date(2026, 10, 15), 5) == rm.team_pulse(
        first, date(2026, 10, 15), 5
    )


# --------------------------------------------------------------------------- the service


def _company(world: Database) -> tuple:
    ids = company_ids_by_name(world)
    name = sorted(ids)[0]
    return ids[name], actor_of_role(world, ids[name], "founder")


def _counts(world: Database, company_id) -> tuple[int, int, set]:
    with world.uow() as uow:
        s = uow.session
        active = s.scalar(
            select(func.count()).where(
                Employee.company_id == company_id, Employee.status == "active"
            )
        )
        rows = s.execute(
            select(Prediction.entity_id, Prediction.model_version).where(
                Prediction.company_id == company_id, Prediction.prediction_type == "retention_risk"
            )
        ).all()
    return active, len(rows), {v for _, v in rows}


def test_scoring_writes_one_prediction_per_active_employee(world: Database) -> None:
    company_id, founder = _company(world)
    report = retention.score_company(world.uow(), founder, NOW)
    retention.score_company(world.uow(), founder, NOW + timedelta(minutes=5))  # same day
    active, written, versions = _counts(world, company_id)
    assert report.scored == active == written > 0
    assert versions == {report.model_version}
    view = retention.risk_list(world.uow(), founder, NOW)
    assert len(view.rows) == active
    assert all(r.drivers and r.drivers[0]["action"] for r in view.rows if r.band == "High")
    assert view.validation["test"]["auc"] is not None
    with world.uow() as uow:
        stored = uow.session.scalars(
            select(Prediction.features)
            .where(
                Prediction.company_id == company_id,
                Prediction.prediction_type == "retention_risk",
            )
            .limit(1)
        ).one()
    assert set(stored["values"]) == set(rm.FEATURES) and stored["horizon_days"] == 180


def test_a_leave_becomes_an_outcome_and_a_passed_horizon_a_stay(world: Database) -> None:
    company_id, founder = _company(world)
    retention.score_company(world.uow(), founder, NOW)
    with world.uow() as uow:
        leaver = uow.session.scalars(
            select(Employee).where(
                Employee.company_id == company_id,
                Employee.status == "active",
                Employee.id != founder.employee_id,
            )
        ).first()
        leaver.end_date, leaver.status = (NOW + timedelta(days=20)).date(), "left"
        leaver_id = leaver.id
        uow.commit()
    later = retention.score_company(world.uow(), founder, NOW + timedelta(days=30))
    assert later.outcomes_left == 1 and later.outcomes_stayed == 0
    final = retention.score_company(world.uow(), founder, NOW + timedelta(days=200))
    assert final.outcomes_stayed > 0
    with world.uow() as uow:
        rows = uow.session.execute(
            select(Prediction.entity_id, Outcome.actual_value)
            .join(Outcome, Outcome.prediction_id == Prediction.id)
            .where(
                Prediction.company_id == company_id,
                Prediction.prediction_type == "retention_risk",
            )
        ).all()
    assert {a for e, a in rows if e == leaver_id} == {1.0}
    assert {a for e, a in rows if e != leaver_id} == {0.0}
    view = retention.risk_list(world.uow(), founder, NOW + timedelta(days=200))
    assert view.live is not None and view.live["left"] >= 1
    assert leaver_id not in {r.employee_id for r in view.rows}


@pytest.mark.parametrize("role", ["talent_lead", "interviewer", "employee"])
def test_only_founders_and_admins_see_retention(world: Database, role: str) -> None:
    company_id, _ = _company(world)
    actor = actor_of_role(world, company_id, role)
    with pytest.raises(PermissionDeniedError):
        retention.risk_list(world.uow(), actor, NOW)
    with pytest.raises(PermissionDeniedError):
        retention.score_company(world.uow(), actor, NOW)
    assert "retention" not in pages_for(role)
    assert "retention" in pages_for("founder") and "retention" in pages_for("admin")


def _features(world: Database, company_id) -> dict:
    from core.config import get_settings
    from core.repositories.retention import RetentionRepository

    with world.uow() as uow:
        data = retention_data.company_data(RetentionRepository(uow.session), company_id, NOW.date())
    frame = retention_data.current_features(data, NOW.date(), get_settings().pulse_min_group)
    return {row["key"]: row for row in frame.to_dict("records")}


def test_pulse_answers_enter_only_as_shown_aggregates_never_per_person(world: Database) -> None:
    company_id, _ = _company(world)
    before = _features(world, company_id)
    with world.uow() as uow:
        target = uow.session.scalars(
            select(Employee.id).where(
                Employee.company_id == company_id, Employee.status == "active"
            )
        ).first()
        answers = uow.session.scalar(
            select(func.count()).where(CulturePulseCheck.company_id == company_id)
        )
        # Tie every answer to one person: nothing about that person may change.
        uow.session.execute(
            update(CulturePulseCheck)
            .where(CulturePulseCheck.company_id == company_id)
            .values(employee_id=target)
        )
        uow.commit()
    after = _features(world, company_id)
    assert answers > 0
    assert _same(before, after)
    with world.uow() as uow:
        uow.session.execute(
            update(CulturePulseCheck)
            .where(CulturePulseCheck.company_id == company_id)
            .values(employee_id=None)
        )
        uow.commit()


def _same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        for feature in rm.FEATURES:
            x, y = a[key][feature], b[key][feature]
            both_missing = x is None or (isinstance(x, float) and np.isnan(x))
            both_missing = both_missing and (y is None or (isinstance(y, float) and np.isnan(y)))
            if not both_missing and x != y:
                return False
    return True


def test_the_page_shows_each_risk_with_its_drivers(world_app: Database) -> None:
    company_id, founder = _company(world_app)
    retention.score_company(world_app.uow(), founder, datetime.now(UTC))
    at = login_app(founder.username, "retention")
    assert not at.exception
    frame = at.dataframe[0].value
    view = retention.risk_list(world_app.uow(), founder, datetime.now(UTC))
    assert len(frame) == len(view.rows) > 0
    assert set(frame["Name"]) == {r.name for r in view.rows}
    assert (frame["Top drivers"] != "—").any()
    shown = " ".join(t.value for t in at.text)
    assert "trained on" in shown and "leaver(s)" in shown or "own model" in shown
    # One person's drivers, with the action for each that raises their risk.
    top = view.rows[0]
    person = next(s for s in at.selectbox if s.label == "Employee")
    assert person.value == top and top.drivers
    for driver in top.drivers:
        assert f"{driver['category']}: {driver['action']}" in shown
    lead = actor_of_role(world_app, company_id, "talent_lead")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        login_app(lead.username, "retention")  # not in a talent lead's navigation


def test_the_worker_rescores_every_company_nightly(world: Database) -> None:
    from core import worker

    assert "retention_rescore" in worker.JOBS and "retention_rescore" in worker._WORK
    summary = retention.rescore_all(world, NOW)
    assert summary["outcome"]["succeeded"] == len(company_ids_by_name(world))
    assert summary["outcome"]["failed"] == 0
    for company_id in company_ids_by_name(world).values():
        active, written, _ = _counts(world, company_id)
        assert written >= active > 0
