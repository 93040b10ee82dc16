"""The model registry holds every model's artifact and checksum; accuracy comes from outcomes.

Two processes with different models folders (one empty) on the same database load the same
champion from the registry and score a candidate identically; tampered bytes are refused
with an error naming the version. Accuracy figures match a hand computation.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from core.config import get_settings
from core.db import Database
from core.models import Candidate, JobRequest, ModelVersion, Outcome, Prediction
from core.services import auth, model_accuracy, model_registry, scoring
from core.services.errors import PermissionDeniedError
from ml import accuracy, training
from ml.embeddings import Embedder
from ml.training import FIT_MODEL, SUCCESS_MODEL
from tests.helpers import actor_of_role, company_ids_by_name, login_app

NOW = datetime(2026, 11, 3, 10, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def _company(db: Database) -> uuid.UUID:
    return company_ids_by_name(db)[sorted(company_ids_by_name(db))[0]]


# --------------------------------------------------------------------------- accuracy


def test_accuracy_figures_equal_a_hand_computation() -> None:
    p = [0.9, 0.8, 0.3, 0.6, 0.2, 0.4]
    y = [1, 0, 0, 1, 1, 0]
    a = accuracy.measure(p, y)
    # Pairs (positive, negative) ranked right: 0.9 beats all 3, 0.6 beats 0.3 and 0.4.
    assert a.auc is not None and a.auc.value == pytest.approx(5 / 9)
    assert a.brier is not None
    assert a.brier.value == pytest.approx((0.01 + 0.64 + 0.09 + 0.16 + 0.64 + 0.16) / 6)
    assert a.mae is not None and a.mae.value == pytest.approx(100 * 2.8 / 6)
    for e in (a.auc, a.brier, a.mae):
        assert e.n == 6 and e.low <= e.value <= e.high and e.low < e.high
    # Bins of width 0.2: {0.2, 0.3}, {0.4}, {0.6}, {0.8, 0.9}.
    assert [(b.n, b.observed_rate) for b in a.calibration] == [
        (2, 0.5),
        (1, 0.0),
        (1, 1.0),
        (2, 0.5),
    ]
    assert accuracy.measure(p, y) == a  # seeded: the same data gives the same intervals


def test_neutral_outcomes_count_in_the_error_only_and_one_class_has_no_auc() -> None:
    a = accuracy.measure([0.7, 0.4, 0.5], [1, 1, 0.5])
    assert a.n == 3 and a.n_binary == 2 and a.auc is None
    assert a.mae is not None and a.mae.value == pytest.approx(100 * (0.3 + 0.6 + 0) / 3)
    assert a.brier is not None and a.brier.value == pytest.approx((0.09 + 0.36) / 2)
    empty = accuracy.measure([], [])
    assert empty.n == 0 and empty.mae is None and empty.brier is None and not empty.calibration


def test_large_sample_auc_matches_sklearn() -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    p = np.round(rng.random(400), 2)  # ties, as stored values have
    y = (rng.random(400) < p).astype(float)
    a = accuracy.measure(p, y)
    assert a.auc is not None and a.auc.value == pytest.approx(roc_auc_score(y, p))
    assert a.auc.high - a.auc.low < 0.2


@pytest.mark.db
def test_accuracy_per_version_comes_from_predictions_joined_to_outcomes(world: Database) -> None:
    founder = actor_of_role(world, _company(world), "founder")
    measured = model_accuracy.accuracy_from_outcomes(world.uow(), founder)
    assert measured, "the demo world has hire outcomes linked to predictions"
    with world.uow() as uow:
        rows = uow.session.execute(
            select(Prediction.model_version, Prediction.entity_id, Prediction.predicted_value)
            .join(Outcome, Outcome.prediction_id == Prediction.id)
            .where(Prediction.company_id == founder.company_id)
        ).all()
    by_version: dict[str, set[uuid.UUID]] = {}
    for version, entity, _ in rows:
        by_version.setdefault(version, set()).add(entity)
    for m in measured:
        assert m.accuracy.n == len(by_version[m.model_version])
    with pytest.raises(PermissionDeniedError):
        model_accuracy.accuracy_from_outcomes(
            world.uow(), actor_of_role(world, founder.company_id, "employee")
        )


@pytest.mark.db
def test_the_models_page_shows_accuracy_from_outcomes(world_app: Database) -> None:
    founder = actor_of_role(world_app, _company(world_app), "founder")
    expected = model_accuracy.accuracy_from_outcomes(world_app.uow(), founder)
    at = login_app(founder.username, "models")
    assert not at.exception
    assert "Accuracy from outcomes" in [h.value for h in at.subheader]
    shown = at.dataframe[0].value
    assert list(shown["Outcomes"]) == [m.accuracy.n for m in expected]
    first = expected[0].accuracy
    assert first.mae is not None
    assert shown["MAE, 0-100 (95 % CI)"].iloc[0].startswith(f"{first.mae.value:.3f} (")
    total = sum(m.accuracy.n for m in expected)
    assert any(f"rests on {total:,} outcomes" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) >= 1


# --------------------------------------------------------------------------- registry


@pytest.mark.db
def test_registered_models_hold_their_bytes_and_checksum(world: Database) -> None:
    with world.uow() as uow:
        rows = uow.session.scalars(
            select(ModelVersion).where(
                ModelVersion.version == training.PRIOR_VERSION,
                ModelVersion.name.in_([FIT_MODEL, SUCCESS_MODEL]),
            )
        ).all()
        assert len(rows) == 2
        for row in rows:
            assert row.artifact is not None
            assert row.artifact_sha256 == hashlib.sha256(row.artifact).hexdigest()
            assert row.company_id is None and row.status == "champion"


def _score_in_a_process(url: str, candidate: uuid.UUID) -> tuple[scoring.ScoreResult, float]:
    """Load the models as a new process would (from the registry) and score ``candidate``."""
    model_registry.clear_loaded()
    database = Database(url)
    try:
        models = model_registry.load_models(db=database)
        talent = actor_of_role(database, _company(database))
        result = scoring.rescore_candidate(database.uow(), talent, candidate, models, NOW)
        with database.uow() as uow:
            value = uow.session.scalars(
                select(Prediction.predicted_value)
                .where(Prediction.entity_id == candidate, Prediction.prediction_type == "fit_score")
                .order_by(Prediction.created_at.desc(), Prediction.id)
            ).first()
        return result, float(value)
    finally:
        database.dispose()


@pytest.mark.db
def test_a_process_with_an_empty_models_folder_scores_identically(
    world: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with world.uow() as uow:
        candidate = uow.session.scalars(
            select(Candidate.id).where(
                Candidate.company_id == _company(world), Candidate.fit_score.is_not(None)
            )
        ).first()
    first, first_value = _score_in_a_process(world.url, candidate)
    # A second process (another machine): its own, empty, data folder.
    empty = tmp_path / "other"
    monkeypatch.setenv("PEOPLEOS_DATA_DIR", str(empty))
    get_settings.cache_clear()
    try:
        assert not (empty / "local" / "models").exists()
        second, second_value = _score_in_a_process(world.url, candidate)
        cached = empty / "local" / "models" / f"peopleos-{training.PRIOR_VERSION}.pkl"
        assert cached.exists()  # the cache was refreshed from the registry row
        third, third_value = _score_in_a_process(world.url, candidate)  # now from that cache
    finally:
        get_settings.cache_clear()
        model_registry.clear_loaded()
    assert first == second == third
    assert first_value == second_value == third_value


def rescore_as_the_web_app(url: str, username: str, candidate: str, at: str) -> None:
    """What "Rescore now" on a profile runs in a web process: the models from the registry
    (as pages._components.fit_models loads them), MiniLM, the scoring service."""
    db = Database(url)
    try:
        models = model_registry.load_models(db=db)
        actor = auth.load_actor(db.uow(), username)
        scoring.rescore_candidate(
            db.uow(),
            actor,
            uuid.UUID(candidate),
            models,
            datetime.fromisoformat(at),
            encoder=Embedder(),
        )
    finally:
        db.dispose()


_WEB_PROCESS = (
    "import sys; from tests.test_model_registry import rescore_as_the_web_app as run; "
    "run(*sys.argv[1:])"
)


def _latest_scores(db: Database, candidate: uuid.UUID) -> tuple[float, ...]:
    """The candidate's fit score, log-odds and success probability as last stored, and the
    values of the newest fit and success predictions."""
    with db.uow() as uow:
        c = uow.session.get(Candidate, candidate)
        values = [
            uow.session.scalars(
                select(Prediction.predicted_value)
                .where(Prediction.entity_id == candidate, Prediction.prediction_type == kind)
                .order_by(Prediction.created_at.desc(), Prediction.id)
            ).first()
            for kind in ("fit_score", "success_prob")
        ]
        return (
            float(c.fit_score),
            float(c.fit_breakdown["logit"]),
            float(c.success_probability),
            *(float(v) for v in values),
        )


@pytest.mark.db
@pytest.mark.slow
def test_two_web_processes_and_a_worker_score_a_candidate_identically(
    world: Database, tmp_path: Path
) -> None:
    """Three OS processes on one database, each with its own data folder (one of them empty,
    another machine): two run a profile's "Rescore now" (this test's process is the first),
    the worker carries out a rescoring request for the candidate's role. Each stores the
    same scores."""
    company_id = _company(world)
    talent = actor_of_role(world, company_id)
    with world.uow() as uow:
        candidate = uow.session.scalars(
            select(Candidate).where(
                Candidate.company_id == company_id, Candidate.fit_score.is_not(None)
            )
        ).first()
        candidate_id, role_id = candidate.id, candidate.role_id
    # Every process gets the test keys; only the data folder differs.
    base = {**os.environ, "PEOPLEOS_DATABASE_URL": world.url}
    empty = tmp_path / "empty"
    # This process is the first web process (the checkout's data folder); another, with an
    # empty one, is the second.
    model_registry.clear_loaded()
    rescore_as_the_web_app(world.url, talent.username, str(candidate_id), NOW.isoformat())
    scores = [_latest_scores(world, candidate_id)]
    later = NOW.replace(minute=1).isoformat()
    subprocess.run(
        [sys.executable, "-c", _WEB_PROCESS, world.url, talent.username, str(candidate_id), later],
        cwd=ROOT,
        env={**base, "PEOPLEOS_DATA_DIR": str(empty)},
        check=True,
        capture_output=True,
        timeout=300,
    )
    scores.append(_latest_scores(world, candidate_id))
    assert (empty / "local" / "models" / f"peopleos-{training.PRIOR_VERSION}.pkl").exists()
    with world.uow() as uow:
        uow.session.add(
            JobRequest(
                company_id=company_id,
                kind="rescore",
                requested_by=talent.username,
                status="pending",
                payload={"role_id": str(role_id), "trigger": "on_demand"},
            )
        )
        uow.commit()
    worker = subprocess.run(
        [sys.executable, "-m", "core.worker", "--once", "job_requests"],
        cwd=ROOT,
        env={**base, "PEOPLEOS_DATA_DIR": str(tmp_path / "worker")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    with world.uow() as uow:
        done = uow.session.scalars(select(JobRequest).where(JobRequest.kind == "rescore")).all()
        assert [r.status for r in done] == ["succeeded"]
    scores.append(_latest_scores(world, candidate_id))
    assert scores[0] == scores[1] == scores[2]


@pytest.mark.db
def test_a_tampered_artifact_is_refused_naming_its_version(
    world: Database, empty_data_dir: Path
) -> None:
    with world.uow() as uow:
        row = uow.session.scalars(
            select(ModelVersion).where(
                ModelVersion.name == FIT_MODEL, ModelVersion.version == training.PRIOR_VERSION
            )
        ).one()
        original = bytes(row.artifact or b"")
        row.artifact = original[:-8] + b"tampered"
        uow.commit()
    try:
        with pytest.raises(model_registry.ModelIntegrityError, match=training.PRIOR_VERSION):
            model_registry.load_models(db=world)
        # The refused bytes never reach this machine's cache.
        assert not (
            empty_data_dir / "local" / "models" / f"peopleos-{training.PRIOR_VERSION}.pkl"
        ).exists()
    finally:
        with world.uow() as uow:
            row = uow.session.scalars(
                select(ModelVersion).where(
                    ModelVersion.name == FIT_MODEL, ModelVersion.version == training.PRIOR_VERSION
                )
            ).one()
            row.artifact = original
            uow.commit()
    assert model_registry.load_models(db=world).version == training.PRIOR_VERSION
