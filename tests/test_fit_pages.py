"""AppTest of the fit views: the candidate profile's Fit block and the Models page."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.models import AuditLog, Candidate, Interview, Prediction
from core.services import auth, scoring
from pages._fit_charts import fit_waterfall, score_points
from tests.helpers import company_ids_by_name, login_app

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[1]
TALENT = "talent.quillpay"


def _actor(db: Database, username: str) -> auth.Actor:
    actor = auth.load_actor(db.uow(), username)
    assert actor is not None
    return actor


def _scored(db: Database, *, risky: bool | None = None) -> Candidate:
    """Quillpay's scored candidate with the lowest skills fit (with or without risks)."""
    company = company_ids_by_name(db)["Quillpay"]
    with db.uow() as uow:
        found = [
            c
            for c in uow.session.scalars(
                select(Candidate)
                .where(Candidate.company_id == company, Candidate.fit_breakdown.is_not(None))
                .order_by(Candidate.id)
            )
            if risky is None or bool(c.risk_indicators) == risky
        ]
    assert found, "the seeded world has such a candidate"
    return min(found, key=lambda c: c.fit_breakdown["features"]["skills_fit"])


def _open_profile(username: str, email: str, candidate_id: uuid.UUID) -> AppTest:
    at = login_app(username, "candidates")
    assert not at.exception, at.exception
    next(t for t in at.text_input if t.label == "Search name or email").input(email).run()
    at = next(s for s in at.selectbox if s.label == "Open a profile").set_value(candidate_id).run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str):  # noqa: ANN202 - AppTest element
    return next(m for m in at.metric if m.label == label)


def _table(at: AppTest, column: str):  # noqa: ANN202 - DataFrame
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _waterfalls(at: AppTest) -> list[dict]:
    return [
        chart for chart in _charts(at) if chart["data"] and chart["data"][0]["type"] == "waterfall"
    ]


def _shown_strings(at: AppTest) -> list[str]:
    """Everything rendered as markdown (markdown, captions, info boxes)."""
    return [e.value for e in (*at.markdown, *at.caption, *at.info, *at.success)]


def test_score_points_add_up_exactly_from_the_base_score_to_the_score() -> None:
    groups = {"skills": -1.1, "experience": 0.6, "track_record": -0.3}
    base_value = -0.78
    logit = base_value + sum(groups.values())
    base, points, score = score_points(groups, base_value, logit)
    assert base == pytest.approx(100 / (1 + math.exp(-base_value)))
    assert score == pytest.approx(100 / (1 + math.exp(-logit)))
    assert base + sum(points.values()) == pytest.approx(score, abs=1e-9)
    assert all(math.copysign(1, points[g]) == math.copysign(1, v) for g, v in groups.items())
    flat_base, flat, flat_score = score_points({"skills": 0.0}, 0.0, 0.0)
    assert flat_base == flat_score == 50 and flat == {"skills": 0.0}
    figure = fit_waterfall(groups, {"skills": "Skills fit"}, base_value, logit)
    assert list(figure.data[0].measure) == ["absolute", "relative", "relative", "relative", "total"]
    assert list(figure.data[0].x)[1] == "Skills fit"


def test_the_profile_shows_the_stored_fit_its_explanation_and_risks(app_env: str) -> None:
    db = Database(app_env)
    try:
        candidate = _scored(db, risky=True)
        insight = scoring.candidate_insight(db.uow(), _actor(db, TALENT), candidate.id)
    finally:
        db.dispose()
    at = _open_profile(TALENT, candidate.email, candidate.id)

    assert _metric(at, "Fit score").value == f"{insight.fit_score}/100"
    assert _metric(at, "Success probability").value == f"{insight.success_probability}%"
    assert _metric(at, "Risk indicators").value == str(len(insight.risks))
    assert any(insight.model_label in t.value for t in at.text)

    dimensions = _table(at, "Reasoning")
    assert len(dimensions) == 7
    assert list(dimensions["Dimension"]) == [d["name"] for d in insight.dimensions]
    assert list(dimensions["Score"]) == [d["score"] for d in insight.dimensions]

    (waterfall,) = _waterfalls(at)
    trace = waterfall["data"][0]
    breakdown = insight.breakdown
    assert trace["measure"][0] == "absolute" and trace["measure"][-1] == "total"
    assert trace["y"][0] == pytest.approx(100 / (1 + math.exp(-breakdown["base_value"])))
    assert sum(trace["y"][:-1]) == pytest.approx(trace["y"][-1], abs=1e-3)
    assert round(trace["y"][-1]) == insight.fit_score
    assert len(trace["y"]) == len(breakdown["groups"]) + 2

    risks = _table(at, "Severity")
    order = {"high": 0, "medium": 1, "low": 2}
    assert len(risks) == len(insight.risks)
    assert list(risks["Severity"]) == sorted(risks["Severity"], key=order.get)
    assert any(b.label == "Rescore now" for b in at.button)

    # Resume-derived text is shown as plain text or in tables, never as markdown.
    derived = [d["reasoning"] for d in insight.dimensions] + [r["evidence"] for r in insight.risks]
    assert not any(text in shown for text in derived for shown in _shown_strings(at))


def test_a_candidate_without_risks_says_so(app_env: str) -> None:
    db = Database(app_env)
    try:
        candidate = _scored(db, risky=False)
    finally:
        db.dispose()
    at = _open_profile(TALENT, candidate.email, candidate.id)
    assert any(i.value == "No risk indicators." for i in at.info)
    assert not any("Severity" in d.value.columns for d in at.dataframe)


def test_what_if_recomputes_the_score_without_storing_it(app_env: str) -> None:
    db = Database(app_env)
    try:
        candidate = _scored(db)
        features = candidate.fit_breakdown["features"]
        assert features["skills_fit"] < 100
        expected = scoring.what_if(scoring.load_models(), features, {"skills_fit": 100.0})
        at = _open_profile(TALENT, candidate.email, candidate.id)
        next(s for s in at.slider if s.label == "Skills fit").set_value(100.0)
        at = next(b for b in at.button if b.label == "Recompute").click().run()
        assert not at.exception, at.exception

        shown = _metric(at, "What-if fit score")
        assert shown.value == f"{expected.fit_score}/100"
        assert expected.fit_score > candidate.fit_score
        assert int(shown.delta) == expected.fit_score - candidate.fit_score
        titles = [w["layout"]["title"]["text"] for w in _waterfalls(at)]
        assert titles == ["Why this score", "Why the what-if score"]
        with db.uow() as uow:
            assert uow.session.get(Candidate, candidate.id).fit_score == candidate.fit_score
    finally:
        db.dispose()


def test_interviewers_see_the_fit_of_their_candidates_but_cannot_rescore(app_env: str) -> None:
    db = Database(app_env)
    try:
        interviewer = _actor(db, "interviewer.quillpay")
        with db.uow() as uow:
            candidate = uow.session.scalars(
                select(Candidate)
                .join(Interview, Interview.candidate_id == Candidate.id)
                .where(
                    Interview.interviewer_id == interviewer.user_id,
                    Candidate.fit_score.is_not(None),
                )
                .order_by(Candidate.id)
            ).first()
    finally:
        db.dispose()
    assert candidate is not None
    at = _open_profile("interviewer.quillpay", candidate.email, candidate.id)
    assert _metric(at, "Fit score").value == f"{candidate.fit_score}/100"
    assert any(b.label == "Recompute" for b in at.button)
    assert not any(b.label == "Rescore now" for b in at.button)


def test_models_page_shows_the_registered_metrics(app_env: str) -> None:
    db = Database(app_env)
    try:
        overview = scoring.list_models(db.uow(), _actor(db, "founder.quillpay"))
    finally:
        db.dispose()
    fit = next(v for v in overview.versions if v.name == scoring.FIT_MODEL)
    metrics = fit.metrics
    at = login_app("founder.quillpay", "models")
    assert not at.exception, at.exception
    assert at.title[0].value == "Models"
    assert _metric(at, "Held-out AUC").value == f"{metrics['auc']:.3f}"
    assert _metric(at, "Bayes AUC").value == f"{metrics['bayes_auc']:.3f}"
    assert _metric(at, "XGBoost AUC").value == f"{metrics['xgboost_auc']:.3f}"
    assert _metric(at, "MLP AUC").value == f"{metrics['mlp_auc']:.3f}"
    assert _metric(at, "Brier score").value == f"{metrics['success']['brier']:.3f}"
    assert _metric(at, "Success AUC").value == f"{metrics['success']['auc']:.3f}"
    (curve,) = _charts(at)
    assert curve["data"][1]["x"] == metrics["success"]["predicted"]
    assert curve["data"][1]["y"] == metrics["success"]["observed"]
    versions = _table(at, "Version")
    assert len(versions) == len(overview.versions)
    assert set(versions["Scope"]) <= {"prior", "company"}
    (progress,) = at.get("progress")
    assert f"{overview.labelled_outcomes} labelled hiring outcomes" in progress.proto.text
    assert str(overview.min_company_outcomes) in progress.proto.text
    assert any(b.proto.label == "Export CSV" for b in at.get("download_button"))


def test_interviewers_cannot_open_the_models_page(app_env: str) -> None:
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        login_app("interviewer.quillpay", "models")
    db = Database(app_env)
    try:
        actor = _actor(db, "interviewer.quillpay")
    finally:
        db.dispose()
    at = AppTest.from_file(str(ROOT / "pages" / "models.py"), default_timeout=60)
    at.session_state["_peopleos_routed"] = True
    at.session_state["actor"] = actor
    at.run()
    assert any("does not allow" in e.value for e in at.error)
    assert not at.title and not at.metric


def test_rescore_now_scores_again_and_is_audited(world_app: Database) -> None:
    candidate = _scored(world_app)

    def count(model: type, **where: object) -> int:
        with world_app.uow() as uow:
            query = select(func.count()).select_from(model)
            for column, value in where.items():
                query = query.where(getattr(model, column) == value)
            return uow.session.scalar(query)

    before = count(Prediction, entity_id=candidate.id)
    audits = count(AuditLog, action="candidate.scored", entity_id=str(candidate.id))
    at = _open_profile(TALENT, candidate.email, candidate.id)
    at = next(b for b in at.button if b.label == "Rescore now").click().run()
    assert not at.exception, at.exception
    assert not at.error
    with world_app.uow() as uow:
        fresh = uow.session.get(Candidate, candidate.id)
        assert fresh.fit_breakdown["trigger"] == "on_demand"
        score = fresh.fit_score
    assert any(s.value == f"Rescored: fit {score}/100." for s in at.success)
    assert _metric(at, "Fit score").value == f"{score}/100"
    assert count(Prediction, entity_id=candidate.id) == before + 2
    assert count(AuditLog, action="candidate.scored", entity_id=str(candidate.id)) == audits + 1


def test_an_unscored_candidate_gets_a_helpful_empty_state(world_app: Database) -> None:
    company = company_ids_by_name(world_app)["Quillpay"]
    now = datetime.now(UTC)
    candidate_id, email = uuid.uuid4(), f"unscored-{uuid.uuid4().hex[:8]}@example.com"
    with world_app.uow() as uow:
        candidate = Candidate(
            id=candidate_id,
            company_id=company,
            email=email,
            full_name="Unscored Applicant",
            status="applied",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(candidate)
        uow.commit()
    at = _open_profile(TALENT, email, candidate_id)
    assert any(i.value.startswith("Not scored yet") for i in at.info)
    assert not any(m.label == "Fit score" for m in at.metric)
    at = next(b for b in at.button if b.label == "Rescore now").click().run()
    assert any("nothing to score" in e.value for e in at.error)
