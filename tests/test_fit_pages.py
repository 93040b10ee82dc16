"""AppTest of the fit views: the candidate profile's Fit block and the Models page."""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.models import AuditLog, Candidate, FitScoreDimension, Interview, Prediction
from core.services import auth, fit_insight, model_registry, scoring
from ml.fit import SHOWN_DIMENSIONS
from pages._fit_charts import fit_waterfall
from tests.helpers import company_ids_by_name, login_app

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[1]
TALENT = "talent.quillpay"
FOUNDERS = ("founder.quillpay", "founder.northwind", "founder.helix")
# Words of the model's internals a user should not have to know.
JARGON = re.compile(r"logit|log[- ]odds|SHAP \(|xgboost|\bmlp\b", re.IGNORECASE)


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


def _open_profile(username: str, candidate_id: uuid.UUID) -> AppTest:
    """The candidate's profile page, as clicking them in a candidate list opens it."""
    at = login_app(username)
    at.query_params["id"] = str(candidate_id)
    at.switch_page("pages/candidate.py").run()
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


def _rendered(at: AppTest) -> list[str]:
    """Every string a user can read: text, captions, metrics, tables, chart texts."""
    strings = [
        str(e.value)
        for e in (*at.markdown, *at.caption, *at.text, *at.info, *at.success, *at.subheader)
    ]
    strings += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        strings += [str(c) for c in frame.value.columns]
        strings += [str(v) for v in frame.value.to_numpy().ravel()]
    for chart in _charts(at):
        strings.append(json.dumps(chart["layout"].get("title")))
        for trace in chart["data"]:
            strings += [json.dumps(trace.get(k)) for k in ("x", "y", "text", "customdata")]
            strings.append(str(trace.get("hovertemplate", "")))
    return strings


def test_the_waterfall_starts_at_the_average_candidate_and_adds_up() -> None:
    points = {"skills": -4.0, "experience": 2.5, "track_record": -1.5}
    figure = fit_waterfall(points, {"skills": "Skills fit"}, 31.0, 28.0)
    trace = figure.data[0]
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "total"]
    assert list(trace.x)[:2] == ["Average candidate", "Skills fit"]
    assert sum(trace.y[:-1]) == pytest.approx(trace.y[-1])


def test_the_profile_shows_the_stored_fit_its_explanation_and_risks(app_env: str) -> None:
    db = Database(app_env)
    try:
        candidate = _scored(db, risky=True)
        insight = fit_insight.candidate_insight(db.uow(), _actor(db, TALENT), candidate.id)
    finally:
        db.dispose()
    at = _open_profile(TALENT, candidate.id)

    assert _metric(at, "Fit score").value == f"{insight.fit_score}/100"
    assert _metric(at, "Success probability").value == f"{insight.success_probability}%"
    assert _metric(at, "Risk indicators").value == str(len(insight.risks))
    assert any(insight.model_label in t.value for t in at.text)

    dimensions = _table(at, "Reasoning")
    assert len(dimensions) == len(SHOWN_DIMENSIONS) == 8
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
    # The waterfall's bars are the dimensions the bars show, with the table's points.
    (bars,) = [c for c in _charts(at) if c["data"][0]["type"] == "bar"]
    assert trace["x"][1:-1] == bars["data"][0]["y"] == list(dimensions["Dimension"])
    assert list(dimensions["Moved the fit (points)"]) == [round(v, 1) for v in trace["y"][1:-1]]

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
    at = _open_profile(TALENT, candidate.id)
    assert any(i.value == "No risk indicators." for i in at.info)
    assert not any("Severity" in d.value.columns for d in at.dataframe)


def test_what_if_recomputes_the_score_without_storing_it(app_env: str) -> None:
    db = Database(app_env)
    try:
        candidate = _scored(db)
        features = candidate.fit_breakdown["features"]
        assert features["skills_fit"] < 100
        expected = fit_insight.what_if(
            model_registry.load_models(), features, {"skills_fit": 100.0}
        )
        at = _open_profile(TALENT, candidate.id)
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


def test_interviewers_see_no_fit_of_their_candidates_and_cannot_rescore(app_env: str) -> None:
    """The profile hides scores from interviewers, so the model cannot bias the interview."""
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
    at = _open_profile("interviewer.quillpay", candidate.id)
    assert [t.value for t in at.title] == [candidate.full_name] and not at.error
    assert not any(m.label in ("Fit score", "Success probability") for m in at.metric)
    assert not any(b.label in ("Recompute", "Rescore now") for b in at.button)


def test_models_page_shows_the_registered_metrics(app_env: str) -> None:
    db = Database(app_env)
    try:
        overview = model_registry.list_models(db.uow(), _actor(db, "founder.quillpay"))
    finally:
        db.dispose()
    fit = next(v for v in overview.versions if v.name == scoring.FIT_MODEL)
    metrics = fit.metrics
    at = login_app("founder.quillpay", "models")
    assert not at.exception, at.exception
    assert at.title[0].value == "Models"
    assert _metric(at, "Held-out AUC").value == f"{metrics['auc']:.3f}"
    assert _metric(at, "Bayes AUC").value == f"{metrics['bayes_auc']:.3f}"
    assert _metric(at, "Trees alone").value == f"{metrics['xgboost_auc']:.3f}"
    assert _metric(at, "Neural net alone").value == f"{metrics['mlp_auc']:.3f}"
    assert _metric(at, "Brier score").value == f"{metrics['success']['brier']:.3f}"
    assert _metric(at, "Success AUC").value == f"{metrics['success']['auc']:.3f}"
    # The held-out reliability curve (the page may also chart calibration from outcomes).
    (curve,) = [
        c
        for c in _charts(at)
        if "held-out" in str(c.get("layout", {}).get("title", {}).get("text", ""))
    ]
    assert curve["data"][1]["x"] == metrics["success"]["predicted"]
    assert curve["data"][1]["y"] == metrics["success"]["observed"]
    versions = _table(at, "Scope")  # the registry (the accuracy table has versions too)
    assert len(versions) == len(overview.versions)
    assert set(versions["Scope"]) <= {"prior", "company"}
    (progress,) = at.get("progress")
    assert f"{overview.labelled_outcomes} labelled hiring outcomes" in progress.proto.text
    assert str(overview.min_company_outcomes) in progress.proto.text
    assert any(b.proto.label == "Export CSV" for b in at.get("download_button"))


def test_every_stored_group_is_shown_with_the_bars(seeded_db: Database) -> None:
    """Each group of the explanation is a dimension the profile shows as a bar."""
    checked = 0
    for username in FOUNDERS:
        actor = _actor(seeded_db, username)
        with seeded_db.uow() as uow:
            ids = list(
                uow.session.scalars(
                    select(Candidate.id).where(
                        Candidate.company_id == actor.company_id,
                        Candidate.fit_breakdown.is_not(None),
                    )
                )
            )
        for candidate_id in ids:
            insight = fit_insight.candidate_insight(seeded_db.uow(), actor, candidate_id)
            shown = [d["key"] for d in insight.dimensions]
            assert set(insight.breakdown["groups"]) <= set(shown), candidate_id
            assert list(insight.story.points) == shown == list(SHOWN_DIMENSIONS)
            checked += 1
    assert checked >= 400


def _story_candidate(db: Database) -> tuple[Candidate, fit_insight.Insight]:
    """A Quillpay candidate whose story has to explain a bar that pushed the other way."""
    actor = _actor(db, TALENT)
    with db.uow() as uow:
        found = list(
            uow.session.scalars(
                select(Candidate)
                .where(Candidate.company_id == actor.company_id, Candidate.fit_score.is_not(None))
                .order_by(Candidate.id)
            )
        )
    for candidate in found:
        insight = fit_insight.candidate_insight(db.uow(), actor, candidate.id)
        if len(insight.story.lines) > 2:
            return candidate, insight
    raise AssertionError("no Quillpay candidate has a bar that pushed against its score")


def test_the_profile_says_how_the_overall_follows_from_the_dimensions(app_env: str) -> None:
    db = Database(app_env)
    try:
        candidate, insight = _story_candidate(db)
    finally:
        db.dispose()
    at = _open_profile(TALENT, candidate.id)
    texts = [t.value for t in at.text]
    (meaning,) = [t for t in texts if t.startswith("The overall fit, ")]
    assert f"{insight.fit_score}/100" in meaning and "not an average" in meaning
    (waterfall,) = _waterfalls(at)
    trace = waterfall["data"][0]
    assert f"average candidate's {trace['y'][0]:.0f}" in meaning
    (pushes,) = [t for t in texts if t.startswith("Pushed it up:")]
    said = {
        name: float(points)
        for name, points in re.findall(r"([A-Z][a-z]+(?: [a-z]+)?) ([+-]\d+\.\d)", pushes)
    }
    shown = dict(zip(trace["x"][1:-1], trace["y"][1:-1], strict=True))
    assert said, pushes
    assert said == {name: round(v, 1) for name, v in shown.items() if abs(v) >= 0.05}
    # A bar that pushed against its own score gets its own sentence, shown on the page.
    for line in insight.story.lines[2:]:
        assert line in texts
    assert any(" yet " in t for t in texts)


def test_no_model_jargon_on_the_profile_or_the_models_page(app_env: str) -> None:
    db = Database(app_env)
    try:
        candidate = _scored(db, risky=True)
    finally:
        db.dispose()
    profile = _open_profile(TALENT, candidate.id)
    models = login_app("founder.quillpay", "models")
    assert not models.exception, models.exception
    for at in (profile, models):
        rendered = _rendered(at)
        assert len(rendered) > 20
        assert [s for s in rendered if JARGON.search(s) and "(XGBoost)" not in s] == []
    caption = next(c.value for c in profile.caption if c.value.startswith("The two models"))
    assert re.fullmatch(
        r"The two models of the ensemble \(gradient-boosted trees and a neural network\) "
        r"gave \d+ and \d+; confidence \d+%\.",
        caption,
    )


def test_the_models_page_says_the_share_of_best_possible_is_synthetic(app_env: str) -> None:
    db = Database(app_env)
    try:
        overview = model_registry.list_models(db.uow(), _actor(db, "founder.quillpay"))
    finally:
        db.dispose()
    fit = next(v for v in overview.versions if v.name == scoring.FIT_MODEL)
    at = login_app("founder.quillpay", "models")
    assert _metric(at, "Share of best possible").value == f"{100 * fit.metrics['auc_ratio']:.1f}%"
    captions = [c.value for c in at.caption]
    said = f"Measured on {fit.metrics['n_test']:,} synthetic held-out hires"
    assert fit.metrics["n_test"] == 20_000
    assert any(said in c and "not on the company's own hires" in c for c in captions)
    assert any("share of best possible is the held-out AUC divided by it" in c for c in captions)
    # The reliability curve is measured on the same synthetic hires, and says so.
    assert sum(said in c for c in captions) == 2


def test_confidence_means_one_thing_wherever_it_is_shown(app_env: str) -> None:
    db = Database(app_env)
    try:
        candidate = _scored(db)
        insight = fit_insight.candidate_insight(db.uow(), _actor(db, TALENT), candidate.id)
    finally:
        db.dispose()
    at = _open_profile(TALENT, candidate.id)
    captions = [c.value for c in at.caption]
    assert captions.count(scoring.CONFIDENCE) == 2  # next to the scores and the history
    history = _table(at, "Confidence")
    latest = {
        row["What"]: row["Confidence"] for row in reversed(history.to_dict("records"))
    }  # the newest row of each kind wins
    fit_caption = next(c for c in captions if c.startswith("The two models"))
    success_caption = next(c for c in captions if c.startswith("Its five calibrated models"))
    assert f"confidence {latest['Fit score']}." in fit_caption
    assert f"confidence {latest['Success probability']}." in success_caption
    members = list(insight.breakdown["members"].values())
    # The members are stored to 4 decimals and the confidence from the exact values, so the
    # shown whole percent is within half a point (plus that rounding) of the spread's.
    spread = 100 * (1 - (max(members) - min(members)))
    assert abs(int(latest["Fit score"].rstrip("%")) - spread) <= 0.5 + 0.01
    models = login_app("founder.quillpay", "models")
    assert scoring.CONFIDENCE in [c.value for c in models.caption]


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
    at = _open_profile(TALENT, candidate.id)
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
    at = _open_profile(TALENT, candidate_id)
    assert any(i.value.startswith("Not scored yet") for i in at.info)
    assert not any(m.label == "Fit score" for m in at.metric)
    at = next(b for b in at.button if b.label == "Rescore now").click().run()
    assert any("nothing to score" in e.value for e in at.error)


def test_a_profile_scored_before_track_record_was_shown_still_reads(world_app: Database) -> None:
    """Data scored by the previous version has no Track record row: it is computed from the
    stored signals, the same way scoring does, and the page shows the eight bars."""
    candidate = _scored(world_app)
    actor = _actor(world_app, TALENT)
    before = fit_insight.candidate_insight(world_app.uow(), actor, candidate.id)
    with world_app.uow() as uow:
        row = uow.session.scalars(
            select(FitScoreDimension).where(
                FitScoreDimension.candidate_id == candidate.id,
                FitScoreDimension.dimension_type == "track_record",
            )
        ).one()
        uow.session.delete(row)
        uow.commit()
    after = fit_insight.candidate_insight(world_app.uow(), actor, candidate.id)
    assert after.dimensions == before.dimensions
    at = _open_profile(TALENT, candidate.id)
    dimensions = _table(at, "Reasoning")
    assert list(dimensions["Dimension"])[-1] == "Track record"
    assert list(dimensions["Score"]) == [d["score"] for d in before.dimensions]
