"""The Models page's learning loop: the A/B block (counts from predictions and outcomes),
accuracy over time, feature importance, and the retrain / promote / rollback actions,
which only those who may train models see; `models list --json` prints the same A/B block.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.models import Candidate, JobRequest, Outcome, Prediction
from core.services import analytics, model_overview, model_promotion, model_registry
from ml import ab, accuracy, importance
from ml.fit import GROUPS, MODEL_FEATURES, fit_score
from ml.fit_model import Explanation
from ml.training import FIT_MODEL, PRIOR_VERSION
from tests.helpers import actor_of_role, company_ids_by_name, login_app, run_cli
from tests.model_world import register_challenger

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
CHALLENGER = "page-ab-1"
SEPTEMBER, OCTOBER = datetime(2026, 9, 14, tzinfo=UTC), datetime(2026, 10, 3, tzinfo=UTC)


# --------------------------------------------------------------------------- pure figures


def test_point_figures_are_the_measured_figures_without_intervals() -> None:
    p = [0.9, 0.8, 0.3, 0.6, 0.2, 0.4, 0.5]
    y = [1, 0, 0, 1, 1, 0, 0.5]
    f = accuracy.figures(p, y)
    m = accuracy.measure(p, y)
    assert (f.n, f.n_binary) == (m.n, m.n_binary) == (7, 6)
    assert f.auc == pytest.approx(m.auc.value) and f.auc == pytest.approx(5 / 9)
    assert f.brier == pytest.approx(m.brier.value)
    assert f.mae == pytest.approx(m.mae.value)
    one_class = accuracy.figures([0.3, 0.7], [1, 1])
    assert one_class.auc is None and one_class.brier == pytest.approx((0.49 + 0.09) / 2)
    assert accuracy.figures([], []).mae is None


def test_importance_ranks_mean_absolute_points_per_feature_and_per_group() -> None:
    values = np.array([[1.0, -2.0, 0.5], [-3.0, 1.0, 0.5]])
    explained = Explanation(["a", "b", "c"], 0.1, values, 0.1 + values.sum(axis=1))
    pts = importance.points(explained)
    for row, out in zip(pts, explained.output, strict=True):  # they add up, as in a waterfall
        assert row.sum() == pytest.approx(fit_score(out) - fit_score(0.1))
    got = importance.mean_abs_points(explained, {"a": "g1", "b": "g1", "c": "g2"})
    assert got.n == 2 and list(got.features) == ["a", "b", "c"]
    assert got.features["a"] == pytest.approx(np.abs(pts[:, 0]).mean())
    # g1 sums a and b per candidate before the absolute value: not a's plus b's importance.
    g1 = np.abs(pts[:, 0] + pts[:, 1]).mean()
    assert got.groups == pytest.approx({"g1": g1, "g2": np.abs(pts[:, 2]).mean()})
    assert g1 < got.features["a"] + got.features["b"]


# --------------------------------------------------------------------------- the world


def _predict(
    db: Database,
    company_id: uuid.UUID,
    version: str,
    rows: list[tuple[uuid.UUID, float, float | None, datetime]],
) -> None:
    """Fit predictions of ``version``: (person, predicted, actual or None, outcome time);
    rows are made one minute apart, so a person's later row is their latest score."""
    with db.uow() as uow:
        for k, (entity, predicted, actual, observed) in enumerate(rows):
            prediction = Prediction(
                company_id=company_id,
                entity_type="candidate",
                entity_id=entity,
                prediction_type="fit_score",
                predicted_value=predicted,
                model_version=f"{FIT_MODEL}:{version}",
                features={"arm": "test", "version": version},
                created_at=observed - timedelta(days=20) + timedelta(minutes=k),
            )
            uow.session.add(prediction)
            uow.session.flush()
            if actual is not None:
                uow.session.add(
                    Outcome(
                        company_id=company_id,
                        prediction_id=prediction.id,
                        actual_value=actual,
                        created_at=observed,
                    )
                )
        uow.commit()


@dataclasses.dataclass(frozen=True)
class Loop:
    db: Database
    company_id: uuid.UUID
    company_name: str


@pytest.fixture(scope="module")
def loop(world: Database) -> Loop:
    """Company A of the world with a challenger under test and outcomes on both arms: a
    person scored twice by the challenger, people without outcomes, two months."""
    name, company_id = sorted(company_ids_by_name(world).items())[0]
    register_challenger(world, company_id, CHALLENGER, NOW)
    people = [uuid.UUID(int=1000 + i) for i in range(12)]
    _predict(
        world,
        company_id,
        PRIOR_VERSION,
        [
            (people[0], 0.8, 1.0, SEPTEMBER),
            (people[1], 0.3, 0.0, SEPTEMBER),
            (people[2], 0.6, 0.0, OCTOBER),
            (people[3], 0.7, 1.0, OCTOBER),
            (people[4], 0.4, 0.5, OCTOBER),
        ],
    )
    _predict(
        world,
        company_id,
        CHALLENGER,
        [
            (people[5], 0.2, 1.0, SEPTEMBER),  # replaced by the person's later score
            (people[5], 0.9, 1.0, SEPTEMBER),
            (people[6], 0.1, 0.0, SEPTEMBER),
            (people[7], 0.7, 0.0, OCTOBER),
            (people[8], 0.85, 1.0, OCTOBER),
            (people[9], 0.5, None, OCTOBER),
            (people[10], 0.5, None, OCTOBER),
        ],
    )
    return Loop(world, company_id, name)


@pytest.fixture
def loop_app(loop: Loop, world_app: Database) -> Iterator[Loop]:
    yield loop


def _hand_count(db: Database, company_id: uuid.UUID, version: str) -> tuple[int, int, list, list]:
    """Straight from the tables: predictions, people, and the (predicted, actual) pairs of
    the latest prediction with an outcome per person."""
    with db.uow() as uow:
        made = uow.session.execute(
            select(Prediction.id, Prediction.entity_id, Prediction.created_at).where(
                Prediction.company_id == company_id,
                Prediction.prediction_type == "fit_score",
                Prediction.model_version == f"{FIT_MODEL}:{version}",
            )
        ).all()
        judged = uow.session.execute(
            select(Prediction.entity_id, Prediction.created_at, Prediction.predicted_value)
            .add_columns(Outcome.actual_value)
            .join(Outcome, Outcome.prediction_id == Prediction.id)
            .where(
                Prediction.company_id == company_id,
                Prediction.prediction_type == "fit_score",
                Prediction.model_version == f"{FIT_MODEL}:{version}",
            )
        ).all()
    latest: dict[uuid.UUID, tuple] = {}
    for entity, _at, predicted, actual in sorted(judged, key=lambda r: r[1]):
        latest[entity] = (float(predicted), float(actual))
    pairs = list(latest.values())
    return len(made), len({m[1] for m in made}), [p for p, _ in pairs], [a for _, a in pairs]


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


# --------------------------------------------------------------------------- services


@pytest.mark.db
def test_the_ab_status_counts_are_a_hand_count(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0.25")
    founder = actor_of_role(loop.db, loop.company_id, "founder")
    status = model_promotion.ab_status(loop.db.uow(), founder)
    assert status.running and [a.arm for a in status.arms] == [ab.CHAMPION, ab.CHALLENGER]
    assert [a.version for a in status.arms] == [PRIOR_VERSION, CHALLENGER]
    assert [a.share for a in status.arms] == [0.75, 0.25]
    hand = {}
    for arm in status.arms:
        made, people, predicted, actual = _hand_count(loop.db, loop.company_id, arm.version)
        hand[arm.arm] = (predicted, actual)
        assert (arm.predictions, arm.people, arm.outcomes) == (made, people, len(predicted))
    assert status.arms[1].outcomes == 4 and status.arms[1].predictions == 7
    expected = ab.auc_difference(hand[ab.CHAMPION], hand[ab.CHALLENGER])
    assert status.auc_difference == expected and expected is not None
    assert status.verdict == "waiting" and status.reason == "Each arm needs 30 outcomes."


@pytest.mark.db
def test_accuracy_over_time_counts_each_person_once_by_month(loop: Loop) -> None:
    founder = actor_of_role(loop.db, loop.company_id, "founder")
    points = {
        (p.month, p.model_version): p for p in analytics.accuracy_over_time(loop.db.uow(), founder)
    }
    september = points[("2026-09", f"{FIT_MODEL}:{CHALLENGER}")]
    # people 5 (latest score 0.9, success) and 6 (0.1, failure): 2 people, not 3 rows.
    assert (september.cases, september.yes_no_cases, september.auc) == (2, 2, 1.0)
    assert september.brier == pytest.approx(round((0.01 + 0.01) / 2, 3))
    october = points[("2026-10", f"{FIT_MODEL}:{PRIOR_VERSION}")]
    assert (october.cases, october.yes_no_cases, october.auc) == (3, 2, 1.0)
    assert october.mean_absolute_error == pytest.approx(round((0.6 + 0.3 + 0.1) / 3, 3))


@pytest.mark.db
def test_feature_importance_is_a_direct_shap_computation(loop: Loop) -> None:
    founder = actor_of_role(loop.db, loop.company_id, "founder")
    prior = model_registry.load_models()
    got = model_overview.feature_importance(loop.db.uow(), founder, prior, limit=25)
    with loop.db.uow() as uow:
        rows = uow.session.scalars(
            select(Candidate)
            .where(Candidate.company_id == loop.company_id, Candidate.fit_score.is_not(None))
            .order_by(Candidate.updated_at.desc(), Candidate.id)
            .limit(25)
        ).all()
        stored = [c.fit_breakdown["features"] for c in rows]
    explained = prior.fit.explain(pd.DataFrame(stored)[list(MODEL_FEATURES)])
    # Each candidate's SHAP values in fit-score points: scaled by the score's change over
    # the logit's, so they add up from the average candidate's score to theirs.
    base = explained.base_value
    factor = (100 * expit(explained.output) - 100 * expit(base)) / (explained.output - base)
    pts = explained.values * factor[:, None]
    direct = dict(zip(MODEL_FEATURES, np.abs(pts).mean(axis=0), strict=True))
    assert (got.version, got.scope, got.candidates) == (PRIOR_VERSION, "prior", 25)
    assert [f.feature for f in got.features] == sorted(direct, key=lambda f: -direct[f])
    for f in got.features:
        assert f.mean_points == pytest.approx(direct[f.feature])
    for d in got.dimensions:
        members = [i for i, f in enumerate(MODEL_FEATURES) if GROUPS[f] == d.key]
        assert d.mean_points == pytest.approx(np.abs(pts[:, members].sum(axis=1)).mean())
        # |sum| <= sum of |.|: a dimension never outweighs its features together.
        assert d.mean_points <= sum(direct[MODEL_FEATURES[i]] for i in members) + 1e-9
    shown = [d.mean_points for d in got.dimensions]
    assert shown == sorted(shown, reverse=True) and len(shown) == len(set(GROUPS.values()))


# --------------------------------------------------------------------------- the page


@pytest.mark.db
def test_the_page_shows_the_ab_block_the_trends_and_the_importance(loop_app: Loop) -> None:
    founder = actor_of_role(loop_app.db, loop_app.company_id, "founder")
    status = model_promotion.ab_status(loop_app.db.uow(), founder)
    at = login_app(founder.username, "models")
    assert not at.exception
    arms = _frame(at, "Arm")
    assert list(arms["Version"]) == [PRIOR_VERSION, CHALLENGER]
    assert list(arms["Predictions"]) == [a.predictions for a in status.arms]
    assert list(arms["Outcomes"]) == [a.outcomes for a in status.arms]
    assert list(arms["People scored"]) == [a.people for a in status.arms]
    d = status.auc_difference
    assert any(f"{d.value:+.3f} (95 % bootstrap interval" in t.value for t in at.text)
    assert any("Each arm needs 30 outcomes" in i.value for i in at.info)
    trend = _frame(at, "Month")
    assert "2026-09" in set(trend["Month"]) and "2026-10" in set(trend["Month"])
    keys = {c.key for c in at.get("plotly_chart")}
    assert {"models_over_time_chart", "models_importance"} <= keys
    assert any("most recently scored candidates" in c.value for c in at.caption)
    labels = {b.label for b in at.button}
    assert {"Retrain now", "Decide promotion now", "Confirm rollback"} <= labels


@pytest.mark.db
def test_a_talent_lead_sees_the_models_but_no_retrain_promote_or_rollback(
    loop_app: Loop,
) -> None:
    talent = actor_of_role(loop_app.db, loop_app.company_id, "talent_lead")
    at = login_app(talent.username, "models")
    assert not at.exception
    assert "A/B test" in [h.value for h in at.subheader]
    labels = {b.label for b in at.button}
    assert not labels & {"Retrain now", "Decide promotion now", "Confirm rollback"}
    assert not [s for s in at.selectbox if s.label == "Roll back to"]


@pytest.mark.db
def test_retrain_and_decide_buttons_queue_and_report(loop_app: Loop) -> None:
    founder = actor_of_role(loop_app.db, loop_app.company_id, "founder")
    at = login_app(founder.username, "models")
    next(b for b in at.button if b.label == "Retrain now").click().run()
    assert not at.exception
    with loop_app.db.uow() as uow:
        requests = uow.session.scalars(
            select(JobRequest).where(
                JobRequest.company_id == loop_app.company_id, JobRequest.kind == "retrain"
            )
        ).all()
    assert [(r.status, r.requested_by) for r in requests] == [("pending", founder.username)]
    assert any("Retraining requested (pending)" in s.value.replace("\\", "") for s in at.success)
    assert any(t.value.startswith("Latest retrain request: pending") for t in at.text)
    # No worker holds the lease in tests: the page says the request waits for one.
    assert any("retraining the models" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Decide promotion now").click().run()
    assert not at.exception
    assert any(
        f"{CHALLENGER}: waiting. Each arm needs 30 outcomes" in s.value.replace("\\", "")
        for s in at.success
    )


@pytest.mark.db
def test_the_rollback_button_makes_the_chosen_version_score(loop_app: Loop) -> None:
    founder = actor_of_role(loop_app.db, loop_app.company_id, "founder")
    at = login_app(founder.username, "models")
    picker = next(s for s in at.selectbox if s.label == "Roll back to")
    assert [o.split(" ")[0] for o in picker.options] == [CHALLENGER]  # not the serving prior
    picker.set_value(CHALLENGER)
    next(b for b in at.button if b.label == "Confirm rollback").click().run()
    assert not at.exception
    with loop_app.db.uow() as uow:
        repo = model_registry.ScoringRepository(uow.session)
        champion = repo.company_champion(loop_app.company_id, FIT_MODEL)
        serving, scope = model_registry.models_for(
            repo, loop_app.company_id, model_registry.load_models()
        )
    assert champion is not None and champion.version == CHALLENGER
    assert (serving.version, scope) == (CHALLENGER, "company")
    assert list(_frame(at, "Arm")["Version"]) == [CHALLENGER]  # the page reran: no test now
    # Back to the prior, through the same form.
    picker = next(s for s in at.selectbox if s.label == "Roll back to")
    picker.set_value(PRIOR_VERSION)
    next(b for b in at.button if b.label == "Confirm rollback").click().run()
    with loop_app.db.uow() as uow:
        repo = model_registry.ScoringRepository(uow.session)
        assert repo.company_champion(loop_app.company_id, FIT_MODEL) is None
    # Put the challenger back under test for the tests after this one.
    with loop_app.db.uow() as uow:
        for name in (FIT_MODEL, model_registry.SUCCESS_MODEL):
            model_registry.ScoringRepository(uow.session).model_version(
                name, CHALLENGER
            ).status = "challenger"
        uow.commit()


# --------------------------------------------------------------------------- the CLI


@pytest.mark.db
def test_models_list_json_prints_the_ab_block(loop: Loop) -> None:
    result = run_cli("models", "list", "--company", loop.company_name, "--json", url=loop.db.url)
    assert result.returncode == 0, result.stderr
    block = json.loads(result.stdout)["ab_test"]
    founder = actor_of_role(loop.db, loop.company_id, "founder")
    status = model_promotion.ab_status(loop.db.uow(), founder)
    assert block["running"] is True and block["verdict"] == status.verdict
    assert [
        (a["arm"], a["version"], a["predictions"], a["people"], a["outcomes"])
        for a in block["arms"]
    ] == [(a.arm, a.version, a.predictions, a.people, a.outcomes) for a in status.arms]
    assert block["auc_difference"]["value"] == pytest.approx(status.auc_difference.value)
    text = run_cli("models", "list", "--company", loop.company_name, url=loop.db.url)
    assert f"challenger {CHALLENGER}: serves" in text.stdout


@pytest.mark.db
def test_the_verdict_shown_is_the_decision_then_made(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Last in the module: it decides the test (the challenger is promoted or retired)."""
    monkeypatch.setenv("PEOPLEOS_AB_MIN_OUTCOMES", "10")
    july = datetime(2026, 7, 9, tzinfo=UTC)
    rng = np.random.default_rng(4)
    for version, start in ((PRIOR_VERSION, 2000), (CHALLENGER, 3000)):
        rows = [
            (uuid.UUID(int=start + i), float(rng.random()), float(i % 2), july) for i in range(12)
        ]
        _predict(loop.db, loop.company_id, version, rows)
    admin = actor_of_role(loop.db, loop.company_id, "admin")
    status = model_promotion.ab_status(loop.db.uow(), admin)
    assert status.verdict in ("promoted", "retired") and not status.decisions
    decided = model_promotion.decide_promotion(loop.db.uow(), admin, NOW)
    mine = next(d for d in decided if d.version == CHALLENGER)
    assert (mine.decision, mine.reason) == (status.verdict, status.reason)
    assert mine.auc_difference == status.auc_difference
    after = model_promotion.ab_status(loop.db.uow(), admin)
    past = after.decisions[0]
    assert (past.version, past.decision, past.reason) == (CHALLENGER, mine.decision, mine.reason)
    assert past.challenger_outcomes == status.arms[1].outcomes and past.decided_by == admin.username
