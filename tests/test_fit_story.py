"""The fit score reads as one story: dimensions, overall, explanation and confidence agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sqlalchemy import select

from core.db import Database
from core.models import Candidate, Prediction
from core.services import fit_insight, model_registry, scoring
from ml.features import SIGNALS
from ml.fit import (
    GROUPS,
    MODEL_FEATURES,
    SHOWN_DIMENSIONS,
    dimension_scores,
    score_points,
    success_frame,
    track_record_score,
)

ROOT = Path(__file__).resolve().parents[1]
BASE = -0.78


def _contributions(**values: float) -> dict[str, float]:
    return {f: values.get(f, 0.0) for f in MODEL_FEATURES}


# --------------------------------------------------------------------------- dimensions


def test_every_model_feature_belongs_to_a_shown_dimension() -> None:
    assert set(GROUPS) == set(MODEL_FEATURES)
    assert set(GROUPS.values()) == set(SHOWN_DIMENSIONS)
    assert list(SHOWN_DIMENSIONS)[-1] == "track_record"


def test_track_record_follows_its_documented_rule() -> None:
    # 100 - 25 x short tenures - 2 x gap months - 7.5 x years of average tenure short of 4
    assert track_record_score(4.0, 0, 0) == 100
    assert track_record_score(6.0, 0, 0) == 100
    assert track_record_score(2.0, 0, 0) == 85
    assert track_record_score(3.0, 1, 5) == pytest.approx(100 - 25 - 10 - 7.5)
    assert track_record_score(0.5, 5, 40) == 0
    worse = [float(track_record_score(2.5, n, 0)) for n in range(4)]
    assert worse == sorted(worse, reverse=True) and worse[0] > worse[-1]
    signals = dict.fromkeys(SIGNALS, 0.5) | {
        "avg_tenure_years": 1.0,
        "short_tenures": 2.0,
        "employment_gap_months": 13.0,
        "seniority_gap": 0.0,
        "years_experience": 4.0,
        "relevant_years": 4.0,
    }
    evidence = {"avg_tenure_years": "4 jobs over 4.0 years"}
    dims = {d.key: d for d in dimension_scores(signals, evidence)}
    assert list(dims) == list(SHOWN_DIMENSIONS)
    assert dims["track_record"].score == round(100 - 50 - 26 - 22.5)
    assert "2 job(s) held under a year" in dims["track_record"].reasoning
    assert "longest gap 13 months" in dims["track_record"].reasoning


# --------------------------------------------------------------------------- the story


def test_the_story_adds_up_and_says_why_a_high_bar_pulled_down() -> None:
    contributions = _contributions(
        skills_fit=0.6, stage_fit=0.3, company_stage_index=-0.5, short_tenures=-0.4
    )
    output = BASE + sum(contributions.values())
    story = fit_insight.fit_story(contributions, BASE, output, {"stage": 100, "skills": 90})
    assert story.base == pytest.approx(100 * expit(BASE))
    assert story.score == pytest.approx(100 * expit(output))
    assert story.base + sum(story.points.values()) == pytest.approx(story.score, abs=1e-9)
    assert list(story.points) == list(SHOWN_DIMENSIONS)
    for key, points in story.points.items():
        inside = [v for f, v in story.feature_points.items() if GROUPS[f] == key]
        assert points == pytest.approx(sum(inside), abs=1e-12)
    meaning, pushes, *against = story.lines
    assert f"The overall fit, {round(story.score)}/100," in meaning
    assert "not an average of the dimension scores" in meaning
    assert f"average candidate's {story.base:.0f}" in meaning
    up, down = pushes.split("Pulled it down:")
    assert f"Skills fit {story.points['skills']:+.1f}" in up
    assert f"Track record {story.points['track_record']:+.1f}" in down
    assert f"Stage fit {story.points['stage']:+.1f}" in down
    (stage,) = against  # skills is high and pushed up: nothing to explain
    assert stage.startswith(f"Stage fit scores 100 yet took off {-story.points['stage']:.1f}")
    company = story.feature_points["company_stage_index"]
    assert f"Company stage (0 pre-seed … 3 Series B+) {company:+.1f}" in stage


def test_a_bar_moving_alone_against_its_score_is_explained_in_words() -> None:
    contributions = _contributions(role_fit=-0.2)
    story = fit_insight.fit_story(contributions, BASE, BASE - 0.2, {"role": 75, "culture": 50})
    (role,) = story.lines[2:]
    assert role.startswith("Role fit scores 75 yet took off")
    assert "against the average candidate's" in role


def test_score_points_add_up_exactly_from_the_average_to_the_score() -> None:
    groups = {"skills": -1.1, "experience": 0.6, "track_record": -0.3}
    logit = BASE + sum(groups.values())
    base, points, score = score_points(groups, BASE, logit)
    assert base + sum(points.values()) == pytest.approx(score, abs=1e-9)
    assert all(np.sign(points[g]) == np.sign(v) for g, v in groups.items())
    flat_base, flat, flat_score = score_points({"skills": 0.0}, 0.0, 0.0)
    assert flat_base == flat_score == 50 and flat == {"skills": 0.0}


# --------------------------------------------------------------------------- confidence


def test_confidence_is_member_agreement_for_any_number_of_members() -> None:
    np.testing.assert_allclose(scoring.confidence(np.array([[0.2, 0.3]])), [0.9])
    five = np.array([[0.40, 0.42, 0.35, 0.50, 0.41], [0.7, 0.7, 0.7, 0.7, 0.7]])
    np.testing.assert_allclose(scoring.confidence(five), [0.85, 1.0])
    assert "not the chance that the estimate is right" in scoring.CONFIDENCE


@pytest.mark.db
def test_every_stored_confidence_has_the_one_meaning(seeded_db: Database) -> None:
    """Fit and success rows: the agreement of the models' members recomputed from the row's
    own features; a single model (the demo's baseline hire predictions) stores none."""
    models = model_registry.load_models()
    with seeded_db.uow() as uow:
        rows = uow.session.execute(
            select(
                Prediction.entity_type,
                Prediction.prediction_type,
                Prediction.model_version,
                Prediction.confidence,
                Prediction.features,
            )
        ).all()
    scored = [r for r in rows if r.entity_type == "candidate"]
    assert len(scored) >= 800
    assert all(r.confidence is None for r in rows if r.entity_type != "candidate")
    kinds = {"fit_score": scoring.FIT_MODEL, "success_prob": scoring.SUCCESS_MODEL}
    assert {r.model_version for r in scored} == {
        f"{kinds[k]}:{models.version}" for k in ("fit_score", "success_prob")
    }
    features = pd.DataFrame([r.features["features"] for r in scored])[list(MODEL_FEATURES)]
    fit = scoring.confidence(models.fit.member_probabilities(features))
    success = scoring.confidence(models.success.member_probabilities(success_frame(features)))
    expected = np.where([r.prediction_type == "fit_score" for r in scored], fit, success)
    np.testing.assert_allclose([r.confidence for r in scored], expected, atol=1e-6)


# --------------------------------------------------------------------------- stored world


@pytest.mark.db
def test_the_track_record_bar_moves_the_way_its_group_does(seeded_db: Database) -> None:
    with seeded_db.uow() as uow:
        stored = list(
            uow.session.scalars(
                select(Candidate.fit_breakdown).where(Candidate.fit_breakdown.is_not(None))
            )
        )
    features = pd.DataFrame([b["features"] for b in stored])
    bar = track_record_score(
        features.avg_tenure_years, features.short_tenures, features.employment_gap_months
    )
    pushed = [b["groups"]["track_record"] for b in stored]
    assert len(stored) >= 400
    assert np.corrcoef(bar, pushed)[0, 1] > 0.9


@pytest.mark.db
def test_a_what_if_that_changes_nothing_gives_the_stored_score(seeded_db: Database) -> None:
    """The stored features are the ones the model read, so the what-if starts where the
    profile's score is (rounded features moved 38 of 400 demo scores by up to 4 points)."""
    models = model_registry.load_models()
    with seeded_db.uow() as uow:
        stored = uow.session.execute(
            select(Candidate.fit_score, Candidate.fit_breakdown).where(
                Candidate.fit_breakdown.is_not(None)
            )
        ).all()
    assert len(stored) >= 400
    moved = [
        (score, again)
        for score, breakdown in stored
        if (again := fit_insight.what_if(models, breakdown["features"], {}).fit_score) != score
    ]
    assert moved == []


# --------------------------------------------------------------------------- house notes


def test_live_scoring_does_not_take_its_signals_from_the_synthetic_generator() -> None:
    probe = "import sys, ml.fit; print('ml.synthetic' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
    from ml import synthetic

    assert synthetic.FEATURES is SIGNALS


def test_no_module_of_the_fit_chain_keeps_a_private_sigmoid() -> None:
    sources = [*ROOT.joinpath("ml").glob("*.py"), *ROOT.joinpath("core/services").glob("*.py")]
    sources.append(ROOT / "pages/_fit_charts.py")
    hand_made = re.compile(r"\(1(?:\.0)? \+ (?:np|math)\.exp\(-|def _sigmoid")
    assert [p.name for p in sources if hand_made.search(p.read_text())] == []
