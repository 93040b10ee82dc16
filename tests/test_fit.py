"""Fit intelligence: features, explanations, model quality and the scoring flow."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from core.cli import main as cli
from core.config import get_settings
from core.db import Database
from core.models import (
    AuditLog,
    Candidate,
    Company,
    FitScoreDimension,
    JobRequest,
    ModelVersion,
    Notification,
    Prediction,
    Role,
    User,
)
from core.repositories.scoring import ScoringRepository
from core.services import (
    auth,
    candidates,
    company_dna,
    fit_insight,
    intake,
    model_registry,
    roles,
    scoring,
    worker_jobs,
)
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from ml import training
from ml.embeddings import Embedder
from ml.fit import (
    DIMENSIONS,
    GROUPS,
    MODEL_FEATURES,
    SHOWN_DIMENSIONS,
    SIGNALS,
    SUCCESS_FEATURES,
    CachedEncoder,
    culture_texts,
    dimension_frame,
    extract_signals,
    with_role_skills,
)
from ml.fit_model import ReluMLP
from ml.resume import Taxonomy, parse_resume
from ml.synthetic import FEATURES, generate_history, generate_world
from ml.training import TrainedModels
from tests.conftest import DEMO_AS_OF
from tests.helpers import CachingEmbedder
from tests.model_world import labelled_hires

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
TAXONOMY = Taxonomy.load(get_settings().data_dir / "skills_taxonomy.json")
# Words that name a protected attribute or an obvious proxy for one.
FORBIDDEN = {
    "name",
    "email",
    "age",
    "birth",
    "dob",
    "gender",
    "sex",
    "race",
    "ethnicity",
    "religion",
    "disability",
    "nationality",
    "photo",
    "address",
    "zip",
    "postcode",
    "marital",
    "pregnancy",
    "veteran",
    "graduation",
    "university",
    "linkedin",
    "selfid",
}
RESUME = """{name}
{email} · 12 Acacia Road, Leeds
Senior Backend Engineer — Ledgerly (Series A startup) · 2021–Present
- Built the first version of the billing service from zero and took it to paying customers
- Shipped to production several times a week with feature flags
Backend Engineer — Initech (enterprise) · 2017–2021
- Maintained a payments API used by 4000 customers
Skills
Python, Go, PostgreSQL, REST APIs, AWS, Git
Education
BSc Computer Science, University of Leeds (2016)
"""
ROLE = {
    "must_have_skills": ["Python", "Go", "PostgreSQL", "Kafka"],
    "seniority": "Senior",
    "family_name": "Backend engineering",
}
DNA = {"stage": "series_a", "culture": []}


@pytest.fixture(scope="module")
def models() -> TrainedModels:
    """The prior models (trained once per checkout, as `models train` would)."""
    path = model_registry.artifact_path(training.PRIOR_VERSION)
    if not path.exists():
        training.dump(training.train_prior(), path)
    return model_registry.load_models()


def _signals(text: str, role: dict = ROLE, dna: dict = DNA) -> dict[str, float]:
    profile = parse_resume(text, TAXONOMY, today=date(2026, 11, 1)).to_dict()
    return extract_signals(
        profile, text, role, dna, today=date(2026, 11, 1), role_title="Backend Engineer"
    )[0]


# --------------------------------------------------------------------------- features


def test_features_are_job_related_and_name_no_protected_attribute() -> None:
    assert MODEL_FEATURES == (
        "skills_fit",
        "experience_fit",
        "stage_fit",
        "culture_fit",
        "velocity_fit",
        "builder_fit",
        "role_fit",
        "years_experience",
        "relevant_years",
        "avg_tenure_years",
        "short_tenures",
        "employment_gap_months",
        "seniority_gap",
        "company_stage_index",
    )
    for feature in (*MODEL_FEATURES, *SUCCESS_FEATURES, *SIGNALS):
        words = set(feature.split("_"))
        assert not words & FORBIDDEN, feature


def test_trained_models_use_exactly_the_listed_features(models) -> None:
    assert list(models.fit.feature_names_in_) == list(MODEL_FEATURES)
    assert list(models.fit.booster_.feature_names) == list(MODEL_FEATURES)
    assert list(models.success.feature_names_in_) == list(SUCCESS_FEATURES)


def test_name_email_address_and_education_change_no_signal() -> None:
    one = _signals(RESUME.format(name="Jordan Rivera", email="jordan@example.com"))
    other = RESUME.format(name="Aisha Bello", email="aisha.b@example.org").replace(
        "12 Acacia Road, Leeds", "Flat 3, 9 Rue de Lyon, Paris"
    )
    other = other.replace("University of Leeds (2016)", "Université de Dakar (1994)")
    assert _signals(other) == one


def test_signals_read_skills_stage_builder_velocity_and_tenure() -> None:
    s = _signals(RESUME.format(name="Jordan Rivera", email="jordan@example.com"))
    assert s["skills_match"] == pytest.approx(3 / 4)  # Kafka is missing
    assert s["stage_experience"] == 1.0  # most recent job at a Series A startup
    assert s["builder_signal"] > 0.5 and s["velocity_signal"] > 0.5
    assert s["company_stage_index"] == 2
    plain = _signals(
        RESUME.format(name="J", email="j@example.com")
        .replace(
            "Built the first version of the billing service from zero and took it to "
            "paying customers",
            "Maintained the billing service",
        )
        .replace("Shipped to production several times a week with feature flags", "On call")
        .replace("Series A startup", "enterprise")
    )
    assert plain["stage_experience"] == 0.0
    assert plain["builder_signal"] < 0.5 and plain["velocity_signal"] < 0.5


class _RecordingEncoder:
    """A deterministic stand-in for MiniLM that records every batch it is asked for."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        vectors = np.array([np.random.default_rng(sum(map(ord, t))).normal(size=8) for t in texts])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_one_warm_up_call_covers_every_text_a_batch_encodes() -> None:
    """Scoring encodes a batch's resume sentences in one call (``culture_texts``); the
    per-candidate culture reading must then find all of them and score as it would alone."""
    dna = {
        "stage": "series_a",
        "culture": [
            {"key": "ownership", "name": "Ownership", "score": 80},
            {"key": "candour", "name": "Candour", "score": 60},
        ],
    }
    texts = [
        RESUME.format(name="Jordan Rivera", email="jordan@example.com"),
        RESUME.format(name="Aisha Bello", email="aisha@example.org").replace(
            "Maintained", "Owned the roadmap end to end and gave honest feedback to peers"
        ),
    ]
    profiles = [parse_resume(t, TAXONOMY, today=date(2026, 11, 1)).to_dict() for t in texts]

    def read(encoder: CachedEncoder) -> list[tuple[dict, dict]]:
        return [
            extract_signals(p, t, ROLE, dna, today=date(2026, 11, 1), encoder=encoder)
            for p, t in zip(profiles, texts, strict=True)
        ]

    alone = read(CachedEncoder(_RecordingEncoder()))
    recorder = _RecordingEncoder()
    warmed = CachedEncoder(recorder)
    warmed.encode(culture_texts(texts, dna))
    assert read(warmed) == alone
    assert len(recorder.calls) == 1  # nothing left to encode after the warm-up
    assert alone[0][0]["culture_alignment"] != 0.5  # the culture reading really ran


def test_the_sentence_cache_is_kept_per_encoder_and_bounded() -> None:
    """Batch after batch (and a rescore after a DNA change) reuse the encoder's cache; it
    keeps the most recently used vectors up to its bound."""
    recorder = _RecordingEncoder()
    assert scoring._cached(recorder) is scoring._cached(recorder)
    small = CachedEncoder(recorder, max_items=2)
    small.encode(["one", "two"])
    small.encode(["one", "three"])  # "two" is now the least recently used: dropped
    small.encode(["one", "three"])
    assert recorder.calls == [["one", "two"], ["three"]]
    small.encode(["two"])
    assert recorder.calls[-1] == ["two"]


def test_signals_recover_the_synthetic_worlds_hidden_features() -> None:
    """Parsing the generated resumes gives back the features the generator drew."""
    world = generate_world(2, 120, 3, DEMO_AS_OF)
    roles_by_id = {r["id"]: r for r in world.roles}
    stages = {c["id"]: c["stage"] for c in world.companies}
    got, truth = [], []
    for c in world.candidates:
        role = roles_by_id[c["role_id"]]
        profile = parse_resume(c["resume_text"], TAXONOMY, today=DEMO_AS_OF).to_dict()
        profile = with_role_skills(profile, c["resume_text"], role["role_intelligence"])
        signals, _ = extract_signals(
            profile,
            c["resume_text"],
            role["role_intelligence"],
            {"stage": stages[c["company_id"]], "culture": []},
            today=DEMO_AS_OF,
            role_title=role["title"],
        )
        got.append(signals)
        truth.append(c["features"])
    got_df, truth_df = pd.DataFrame(got), pd.DataFrame(truth)
    assert np.abs(got_df.skills_match - truth_df.skills_match).mean() < 0.03
    assert (got_df.stage_experience == truth_df.stage_experience).mean() > 0.9
    assert ((got_df.builder_signal > 0.5) == (truth_df.builder_signal > 0.5)).mean() > 0.9
    assert ((got_df.velocity_signal > 0.5) == (truth_df.velocity_signal > 0.55)).mean() > 0.9
    assert np.corrcoef(got_df.years_experience, truth_df.years_experience)[0, 1] > 0.85


def test_role_skills_outside_the_taxonomy_are_read_from_the_text() -> None:
    role = {"must_have_skills": ["Testing Library", "Go"], "nice_to_have_skills": ["dbt"]}
    profile = {"skills": ["Python"]}
    text = "Skills: Python, Testing Library, dbt. I like to go to market early."
    assert with_role_skills(profile, text, role)["skills"] == ["Python", "Testing Library", "dbt"]
    assert with_role_skills(profile, "Skills: Go, Python", role)["skills"] == ["Go", "Python"]
    assert with_role_skills(profile, "Python only", role) is profile


def test_dimension_scores_stay_in_range() -> None:
    signals, _, _ = generate_history(5000, seed=3)
    frame = dimension_frame(signals)
    for key in DIMENSIONS:
        column = frame[f"{key}_fit"]
        assert column.between(0, 100).all(), key
    assert frame["skills_fit"].corr(signals["skills_match"]) > 0.99


# --------------------------------------------------------------------------- explanations


def test_explanations_add_up_to_the_model_output(models) -> None:
    signals, _, _ = generate_history(3000, seed=99)
    features = dimension_frame(signals)
    explanation = models.fit.explain(features)
    output = models.fit.decision_function(features)
    assert explanation.values.shape == (3000, len(MODEL_FEATURES))
    np.testing.assert_allclose(
        explanation.base_value + explanation.values.sum(1), output, atol=1e-4
    )
    np.testing.assert_allclose(explanation.output, output, atol=1e-4)
    grouped = explanation.grouped(GROUPS)
    np.testing.assert_allclose(grouped.sum(axis=1), explanation.values.sum(1), atol=1e-9)


@pytest.mark.db
def test_every_scored_candidate_explanation_adds_up(world: Database) -> None:
    with world.uow() as uow:
        rows = list(uow.session.scalars(select(Candidate).where(Candidate.fit_score.is_not(None))))
        assert len(rows) >= 60
        for c in rows:
            b = c.fit_breakdown
            total = b["base_value"] + sum(b["contributions"].values())
            assert total == pytest.approx(b["logit"], abs=1e-4), c.id
            assert c.fit_score == round(100 / (1 + np.exp(-b["logit"])))
            assert set(b["contributions"]) == set(MODEL_FEATURES)


def test_deeplift_matches_shap_deep_explainer_on_the_same_network() -> None:
    """Our batched rescale rule gives what shap's DeepExplainer gives for the same MLP."""
    import shap
    import torch

    rng = np.random.default_rng(0)
    sizes = (5, 8, 4, 1)
    weights = [rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(3)]
    biases = [rng.normal(size=sizes[i + 1]) for i in range(3)]
    weights[0][:, 4] = 0.0  # the last input is unused: it must get no credit
    mlp = ReluMLP(weights, biases, np.zeros(5), np.ones(5))
    background = rng.normal(size=(6, 5))
    X = rng.normal(size=(20, 5))
    phi, base = mlp.deeplift(X, background, np.full(6, 1 / 6))
    np.testing.assert_allclose(base + phi.sum(1), mlp.logit(X), atol=1e-9)
    assert np.abs(phi[:, 4]).max() == 0.0

    net = torch.nn.Sequential(
        torch.nn.Linear(5, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 4),
        torch.nn.ReLU(),
        torch.nn.Linear(4, 1),
    ).double()
    with torch.no_grad():
        for layer, w, b in zip([net[0], net[2], net[4]], weights, biases, strict=True):
            layer.weight.copy_(torch.tensor(w))
            layer.bias.copy_(torch.tensor(b))
    explainer = shap.DeepExplainer(net, torch.tensor(background))
    expected = np.asarray(explainer.shap_values(torch.tensor(X), check_additivity=False))
    np.testing.assert_allclose(phi, expected.reshape(phi.shape), atol=1e-6)


# --------------------------------------------------------------------------- quality


def test_models_evaluate_prints_auc_within_5_percent_of_bayes(models, capsys) -> None:
    assert cli(["models", "evaluate"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "fit_ensemble"
    assert report["auc"] >= 0.95 * report["bayes_auc"], report
    assert 0 < report["success"]["brier"] < 0.25
    # Calibrated: observed rates track predicted ones bin by bin.
    gaps = np.abs(np.array(report["success"]["predicted"]) - report["success"]["observed"])
    assert gaps.max() < 0.08


@pytest.mark.db
def test_prior_is_registered_once_with_its_metrics(world: Database) -> None:
    assert model_registry.ensure_prior(world.uow(), NOW) == "loaded"
    with world.uow() as uow:
        rows = uow.session.execute(
            select(ModelVersion.name, ModelVersion.metrics).where(
                ModelVersion.version == training.PRIOR_VERSION
            )
        ).all()
    assert sorted(name for name, _ in rows) == ["fit_ensemble", "success_gbm"]
    assert all(m["auc"] > 0.78 and "synthetic" in m["trained_on"] for _, m in rows)


# --------------------------------------------------------------------------- flow


def _actor(db: Database, role: str, slug: str = "quillpay") -> auth.Actor:
    with db.uow() as uow:
        username = uow.session.scalars(
            select(User.username)
            .join(Company, Company.id == User.company_id)
            .where(Company.slug == slug, User.role == role)
        ).first()
    actor = auth.load_actor(db.uow(), username)
    assert actor is not None
    return actor


def _active_role(db: Database, slug: str = "quillpay") -> uuid.UUID:
    with db.uow() as uow:
        return uow.session.scalars(
            select(Role.id)
            .join(Company, Company.id == Role.company_id)
            .where(Company.slug == slug, Role.status == "active")
            .order_by(Role.title)
        ).first()


def _count(db: Database, model, *where) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.db
def test_an_application_is_scored_and_explained_right_after_the_answer(world, models) -> None:
    # Northwind gets its DNA scanned first, so culture fit has something to compare with.
    company_dna.scan_company(
        world.uow(), _actor(world, "founder", "northwind"), CachingEmbedder(), NOW
    )
    receipt = intake.submit_application(
        world.uow(),
        intake.Application(
            role_id=_active_role(world, "northwind"),
            full_name="Jordan Rivera",
            email=f"jordan.{uuid.uuid4().hex[:6]}@example.com",
            resume=RESUME.format(name="Jordan Rivera", email="jordan@example.com").encode(),
            resume_filename="cv.txt",
            consent=True,
        ),
        client="198.51.100.40",
        now=NOW,
    )
    # What the careers page runs in the background right after answering the applicant.
    assert intake.complete_application(
        world.uow(),
        receipt.company_id,
        receipt.candidate_id,
        now=NOW,
        encoder=CachingEmbedder(),
        models=models,
    )
    with world.uow() as uow:
        c = uow.session.scalars(
            select(Candidate).where(Candidate.reference == receipt.reference)
        ).one()
        cid, fit = c.id, c.fit_score
        assert c.fit_breakdown["trigger"] == "intake"
        assert c.success_probability is not None and c.genome_profile["traits"]
        assert c.fit_breakdown["evidence"]["culture_alignment"].startswith("Closest to")
    assert fit is not None
    assert _count(world, FitScoreDimension, FitScoreDimension.candidate_id == cid) == len(
        SHOWN_DIMENSIONS
    )
    assert _count(world, Prediction, Prediction.entity_id == cid) == 2
    talent = _actor(world, "talent_lead", "northwind")
    listed = candidates.list_candidates(world.uow(), talent, search="Jordan Rivera").rows
    assert [r.fit_score for r in listed if r.id == cid] == [fit]
    insight = fit_insight.candidate_insight(world.uow(), talent, cid)
    assert [d["key"] for d in insight.dimensions] == list(SHOWN_DIMENSIONS)
    assert insight.model_label.startswith("fit_ensemble prior-1 (prior")


@pytest.mark.db
def test_rescore_on_demand_writes_predictions_and_an_audit_row(world, models) -> None:
    talent = _actor(world, "talent_lead")
    with world.uow() as uow:
        cid = uow.session.scalars(
            select(Candidate.id).where(
                Candidate.company_id == talent.company_id, Candidate.fit_score.is_not(None)
            )
        ).first()
    before = _count(world, Prediction, Prediction.entity_id == cid)
    result = scoring.rescore_candidate(world.uow(), talent, cid, models, NOW)
    assert result.candidate_id == cid
    assert _count(world, Prediction, Prediction.entity_id == cid) == before + 2
    assert _count(world, FitScoreDimension, FitScoreDimension.candidate_id == cid) == len(
        SHOWN_DIMENSIONS
    )
    assert _count(world, AuditLog, AuditLog.action == "candidate.scored") >= 1
    with pytest.raises(PermissionDeniedError):
        scoring.rescore_candidate(world.uow(), _actor(world, "interviewer"), cid, models, NOW)


@pytest.mark.db
def test_a_role_change_queues_a_rescore_the_worker_runs(world, models) -> None:
    talent = _actor(world, "talent_lead")
    role_id = _active_role(world)
    with world.uow() as uow:
        must = list(uow.session.get(Role, role_id).role_intelligence["must_have_skills"])
    roles.update_role(
        world.uow(),
        talent,
        role_id,
        roles.RoleEdits(must_have_skills=[*must[:-1], "Rust"]),
        CachingEmbedder(),
        NOW,
    )
    pending = (
        JobRequest.company_id == talent.company_id,
        JobRequest.kind == "rescore",
        JobRequest.status == "pending",
    )
    assert _count(world, JobRequest, *pending) == 1
    # A second edit while the first rescan waits adds no second request.
    roles.update_role(
        world.uow(),
        talent,
        role_id,
        roles.RoleEdits(mission="Own billing end to end."),
        CachingEmbedder(),
        NOW,
    )
    assert _count(world, JobRequest, *pending) == 1
    n_role = _count(world, Candidate, Candidate.role_id == role_id)
    fits = Prediction.prediction_type == "fit_score", Prediction.company_id == talent.company_id
    before = _count(world, Prediction, *fits)
    out = worker_jobs.process_requests(
        world, get_settings(), Embedder, NOW, models_factory=lambda: models
    )
    assert out["processed"] >= 1
    assert _count(world, JobRequest, *pending) == 0
    assert _count(world, Prediction, *fits) == before + n_role
    with world.uow() as uow:
        triggers = {
            c.fit_breakdown["trigger"]
            for c in uow.session.scalars(select(Candidate).where(Candidate.role_id == role_id))
            if c.fit_breakdown
        }
    assert triggers == {"role_change"}


@pytest.mark.db
def test_a_high_risk_candidate_advancing_alerts_the_team(world) -> None:
    talent = _actor(world, "talent_lead")
    with world.uow() as uow:
        pool = uow.session.scalars(
            select(Candidate).where(
                Candidate.company_id == talent.company_id, Candidate.status == "applied"
            )
        ).all()
        risky = [
            c.id for c in pool if any(r["severity"] == "high" for r in c.risk_indicators or [])
        ]
        calm = [c.id for c in pool if not c.risk_indicators]
    assert risky, "the demo world has high-risk applicants"
    alerts = Notification.event_type == "candidate.high_risk_advanced"
    before = _count(world, Notification, alerts)
    candidates.move_stage(
        world.uow(), talent, [risky[0]], "screening", reason="Looks promising", now=NOW
    )
    assert _count(world, Notification, alerts) == before + 1
    with world.uow() as uow:
        note = uow.session.scalars(select(Notification).where(alerts)).all()[-1]
        assert "Review the risks" in note.body
    if calm:
        candidates.move_stage(world.uow(), talent, [calm[0]], "screening", reason="ok", now=NOW)
        assert _count(world, Notification, alerts) == before + 1


@pytest.mark.db
def test_what_if_moves_the_score_and_its_explanation(world, models) -> None:
    talent = _actor(world, "talent_lead")
    with world.uow() as uow:
        c = uow.session.scalars(
            select(Candidate).where(
                Candidate.company_id == talent.company_id, Candidate.fit_score.is_not(None)
            )
        ).first()
        features = c.fit_breakdown["features"]
    low = fit_insight.what_if(models, features, {"skills_fit": 0.0})
    high = fit_insight.what_if(models, features, {"skills_fit": 100.0})
    assert high.fit_score > low.fit_score
    assert high.contributions["skills_fit"] > low.contributions["skills_fit"]
    for result in (low, high):
        total = result.base_value + sum(result.contributions.values())
        assert total == pytest.approx(result.logit, abs=1e-4)
    with pytest.raises(ValidationError):
        fit_insight.what_if(models, features, {"full_name": 1.0})
    with pytest.raises(ValidationError):
        fit_insight.what_if(models, features, {"skills_fit": float("nan")})


def test_no_signal_reads_the_self_identification_table() -> None:
    """The scoring service never touches the voluntary self-identification answers."""
    import inspect

    import core.repositories.scoring as repo
    import core.services.fit_insight as insight
    import core.services.model_registry as registry
    import core.services.scoring as service

    for module in (service, insight, registry, repo):
        assert "SelfIdentification" not in inspect.getsource(module)
    assert set(FEATURES) == set(SIGNALS)


@pytest.mark.db
def test_pay_expectation_above_the_band_is_a_risk_and_bad_pay_is_refused(world, models) -> None:
    talent = _actor(world, "talent_lead", "northwind")
    role_id = _active_role(world, "northwind")
    with pytest.raises(ValidationError):
        roles.update_role(
            world.uow(),
            talent,
            role_id,
            roles.RoleEdits(compensation=(160_000, 120_000)),
            CachingEmbedder(),
            NOW,
        )
    roles.update_role(
        world.uow(),
        talent,
        role_id,
        roles.RoleEdits(compensation=(120_000, 160_000)),
        CachingEmbedder(),
        NOW,
    )

    def apply(pay: int) -> str:
        receipt = intake.submit_application(
            world.uow(),
            intake.Application(
                role_id=role_id,
                full_name="Sam Okafor",
                email=f"sam.{uuid.uuid4().hex[:6]}@example.com",
                resume=RESUME.format(name="Sam Okafor", email="sam@example.com").encode(),
                resume_filename="cv.txt",
                consent=True,
                expected_compensation=pay,
            ),
            client=f"198.51.100.{uuid.uuid4().int % 250}",
            now=NOW,
        )
        intake.complete_application(
            world.uow(), receipt.company_id, receipt.candidate_id, now=NOW, models=models
        )
        return receipt.reference

    before = _count(world, Candidate)
    with pytest.raises(intake.ApplicationError) as refused:
        apply(50)
    assert "expected_compensation" in refused.value.fields
    assert _count(world, Candidate) == before
    reference = apply(250_000)
    with world.uow() as uow:
        c = uow.session.scalars(select(Candidate).where(Candidate.reference == reference)).one()
        pay = [r for r in c.risk_indicators if r["kind"] == "compensation_outside_band"]
        assert "250,000" in pay[0]["evidence"] or "250000" in pay[0]["evidence"]
        assert pay[0]["severity"] == "high"  # more than 15 % above the top of the band
        assert "expected_compensation" not in c.fit_breakdown["features"]


@pytest.mark.db
def test_a_company_gets_its_own_model_only_with_enough_outcomes_and_when_better(
    world, models
) -> None:
    founder = _actor(world, "founder")
    versions = select(func.count()).select_from(ModelVersion)
    with world.uow() as uow:
        have = ScoringRepository(uow.session).labelled_outcomes(founder.company_id)
        registered = uow.session.scalar(versions)
    labelled_hires(world, founder.company_id, 150 - have, seed=41)
    with pytest.raises(ValidationError, match="needs 200"):
        model_registry.train_company_models(world, founder, models, NOW)
    with world.uow() as uow:
        assert uow.session.scalar(versions) == registered
    with pytest.raises(PermissionDeniedError):
        model_registry.train_company_models(world, _actor(world, "talent_lead"), models, NOW)

    labelled_hires(world, founder.company_id, 150, seed=42)
    report = model_registry.train_company_models(world, founder, models, NOW)
    assert report.labelled >= 290
    assert report.auc > report.prior_auc and report.status == "champion"
    # The company's candidates are now scored by its own model, and the page can say so.
    with world.uow() as uow:
        cid = uow.session.scalars(
            select(Candidate.id).where(
                Candidate.company_id == founder.company_id,
                Candidate.status == "applied",
                Candidate.resume_profile.is_not(None),
            )
        ).first()
    scoring.rescore_candidate(world.uow(), founder, cid, models, NOW)
    insight = fit_insight.candidate_insight(world.uow(), founder, cid)
    assert insight.breakdown["scope"] == "company"
    assert insight.breakdown["version"] == report.version
    assert insight.model_label.startswith(f"fit_ensemble {report.version} (company:")
    total = insight.breakdown["base_value"] + sum(insight.breakdown["contributions"].values())
    assert total == pytest.approx(insight.breakdown["logit"], abs=1e-4)
    own = model_registry.models_that_scored(world.uow(), founder, models, report.version)
    assert own.version == report.version and own is not models
    # Another company's candidates still get the prior.
    other = _actor(world, "founder", "northwind")
    with pytest.raises(NotFoundError):
        model_registry.models_that_scored(world.uow(), other, models, report.version)
