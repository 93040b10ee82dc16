"""Retention models in the learning loop: registry, retraining, A/B split, promotion, rollback.

The prior is served from its registry row (an empty models folder scores identically) and
scoring never trains; ``train_challenger`` registers the company's own model with its bytes
and sha256, or says why not; scoring splits employees between the champion and the
challenger near the configured share and records arm and version; the challenger is
promoted only when better beyond doubt (else retired, with the reason), and a rollback
restores an earlier version in one action. Every decision is audited and announced.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from core.config import get_settings
from core.db import Database
from core.models import AuditLog, Employee, ModelVersion, Notification, Outcome, Prediction
from core.repositories.scoring import ScoringRepository
from core.services import (
    model_promotion,
    model_registry,
    retention,
    retention_models,
    retention_promotion,
)
from core.services.errors import PermissionDeniedError, ValidationError
from ml import ab, artifacts, synthetic_retention
from ml import retention as rm
from tests.helpers import actor_of_role, company_ids_by_name

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
PRIOR = synthetic_retention.PRIOR_VERSION


def _companies(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """(the first company by name, the second): tests that register models use one each."""
    ids = company_ids_by_name(db)
    first, second = sorted(ids)
    return ids[first], ids[second]


def _no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to fit a retention model (prior or own) fails the test."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("scoring trained a model")

    monkeypatch.setattr(rm, "train", refuse)
    monkeypatch.setattr(rm, "fit", refuse)
    monkeypatch.setattr(rm.RetentionModel, "fit", refuse)
    monkeypatch.setattr(synthetic_retention, "train_prior", refuse)


def _scores(db: Database, company_id: uuid.UUID, at: datetime) -> dict[uuid.UUID, tuple]:
    """Employee -> (probability, model version, features) of the scores made at ``at``."""
    with db.uow() as uow:
        rows = uow.session.scalars(
            select(Prediction).where(
                Prediction.company_id == company_id,
                Prediction.prediction_type == "retention_risk",
                Prediction.created_at == at,
            )
        ).all()
        return {r.entity_id: (r.predicted_value, r.model_version, r.features) for r in rows}


def _register(db: Database, company_id: uuid.UUID, version: str, status: str, at: datetime):
    """A retention model of the company under ``version``: the prior's model, so the arms
    differ only in the outcomes a test gives them (what the promotion rule judges)."""
    prior = retention_models.load_prior(db.uow())
    trained = dataclasses.replace(prior, version=version, trained_on="a test")
    with db.uow() as uow:
        retention_models.register(
            ScoringRepository(uow.session),
            trained,
            company_id,
            status,
            at,
            artifacts.dumps(trained),
        )
        uow.commit()


def _row(db: Database, version: str) -> ModelVersion:
    """The registry row of a retention ``version``, its artifact loaded (a deferred column)."""
    with db.uow() as uow:
        row = uow.session.scalars(
            select(ModelVersion).where(
                ModelVersion.name == retention_models.MODEL_NAME, ModelVersion.version == version
            )
        ).one()
        assert row.artifact is not None
        return row


def _retire(db: Database, company_id: uuid.UUID) -> None:
    """The company's retention models all retired (the prior scores again)."""
    with db.uow() as uow:
        for row in uow.session.scalars(
            select(ModelVersion).where(
                ModelVersion.company_id == company_id,
                ModelVersion.name == retention_models.MODEL_NAME,
            )
        ):
            row.status = "retired"
        uow.commit()


# --------------------------------------------------------------------------- the registry


def test_an_empty_models_folder_scores_identically_and_scoring_never_trains(
    world: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    company_id, _ = _companies(world)
    founder = actor_of_role(world, company_id, "founder")
    assert retention_models.ensure_prior(world.uow(), NOW) in ("loaded", "trained")
    assert retention_models.ensure_prior(world.uow(), NOW) == "loaded"  # idempotent
    stored = _row(world, PRIOR)
    assert stored.company_id is None and stored.artifact
    assert stored.artifact_sha256 == artifacts.sha256(stored.artifact)
    retention.score_company(world.uow(), founder, NOW)
    here = _scores(world, company_id, NOW)
    assert here and {v for _, v, _ in here.values()} == {PRIOR}
    # Another machine: empty models folder, and any training fails the test.
    _no_training(monkeypatch)
    other = tmp_path / "other"
    monkeypatch.setenv("PEOPLEOS_DATA_DIR", str(other))
    get_settings.cache_clear()
    model_registry.clear_loaded()
    try:
        report = retention.score_company(world.uow(), founder, NOW)  # replaces the day's scores
        cached = other / "local" / "models" / f"peopleos-{PRIOR}.pkl"
        assert cached.read_bytes() == stored.artifact  # written from the registry row
    finally:
        get_settings.cache_clear()
        model_registry.clear_loaded()
    there = _scores(world, company_id, NOW)
    assert report.model_version == PRIOR and report.scored == len(here)
    assert {k: v[0] for k, v in there.items()} == {k: v[0] for k, v in here.items()}
    assert {k: v[2]["drivers"] for k, v in there.items()} == {
        k: v[2]["drivers"] for k, v in here.items()
    }


def test_a_tampered_retention_artifact_is_refused(world: Database, empty_data_dir: Path) -> None:
    company_id, _ = _companies(world)
    founder = actor_of_role(world, company_id, "founder")
    _register(world, company_id, "retention-tampered", "champion", NOW)
    try:
        with world.uow() as uow:
            row = uow.session.scalars(
                select(ModelVersion).where(ModelVersion.version == "retention-tampered")
            ).one()
            row.artifact = bytes(row.artifact or b"")[:-8] + b"tampered"
            uow.commit()
        with pytest.raises(model_registry.ModelIntegrityError, match="retention-tampered"):
            retention.score_company(world.uow(), founder, NOW)
    finally:
        _retire(world, company_id)


# --------------------------------------------------------------------------- retraining


def _add_a_pattern_the_prior_does_not_know(db: Database, company_id: uuid.UUID) -> None:
    """160 people: those in Field Ops leave 5 to 11 months after starting, those in Lab
    stay. The prior knows neither team; the company's own model can learn it."""
    rng = np.random.default_rng(11)
    today = NOW.date()
    with db.uow() as uow:
        for i in range(160):
            start = today - timedelta(days=int(rng.integers(200, 900)))
            field = i % 2 == 0
            end = start + timedelta(days=int(rng.integers(150, 330))) if field else None
            if end is not None and end >= today:
                end = None
            uow.session.add(
                Employee(
                    company_id=company_id,
                    full_name=f"Pattern Person {i}",
                    department="Field Ops" if field else "Lab",
                    title="Specialist",
                    start_date=start,
                    end_date=end,
                    status="left" if end is not None else "active",
                    level=2,
                )
            )
        uow.commit()


def test_train_challenger_says_why_not_then_registers_a_challenger_with_its_bytes(
    world: Database,
) -> None:
    _, company_id = _companies(world)
    admin = actor_of_role(world, company_id, "admin")
    before = retention_models.train_challenger(world, admin, NOW)
    assert before.kind == "retention" and before.status == "skipped" and before.version is None
    assert before.labelled < rm.MIN_OWN_LEAVERS
    assert f"{before.labelled} leavers with a complete horizon" in before.reason
    assert f"needs {rm.MIN_OWN_LEAVERS}" in before.reason and "shared prior" in before.reason

    _add_a_pattern_the_prior_does_not_know(world, company_id)
    result = retention_models.train_challenger(world, admin, NOW)
    try:
        assert result.status == "challenger", result.reason
        assert result.labelled >= rm.MIN_OWN_LEAVERS and result.version
        row = _row(world, result.version)
        assert row.company_id == company_id and row.status == "challenger"
        assert row.artifact and row.artifact_sha256 == artifacts.sha256(row.artifact)
        loaded = artifacts.loads(row.artifact, rm.TrainedRetention, "a retention model")
        assert loaded.version == result.version
        metrics = row.metrics or {}
        assert metrics["test"]["auc"] > metrics["prior_auc_same_months"]
        assert metrics["leavers"] == result.labelled and "own history" in metrics["trained_on"]
        with world.uow() as uow:
            audited = uow.session.scalars(
                select(AuditLog.summary).where(
                    AuditLog.action == "models.trained", AuditLog.entity_id == result.version
                )
            ).one()
        assert audited["kind"] == "retention" and audited["status"] == "challenger"
        # One challenger at a time: the next waits for this one's decision.
        again = retention_models.train_challenger(world, admin, NOW + timedelta(days=7))
        assert again.status == "skipped" and result.version in again.reason
        # Scoring serves it to its arm (from the registry), training nothing.
        report = retention.score_company(world.uow(), admin, NOW)
        assert report.challenger_version in (None, result.version)
    finally:
        _retire(world, company_id)
    talent = actor_of_role(world, company_id, "talent_lead")
    with pytest.raises(PermissionDeniedError):
        retention_models.train_challenger(world, talent, NOW)


# --------------------------------------------------------------------------- the split


def test_scoring_splits_employees_between_arms_and_records_each(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id, _ = _companies(world)
    founder = actor_of_role(world, company_id, "founder")
    retention_models.ensure_prior(world.uow(), NOW)
    _register(world, company_id, "retention-ab-split", "challenger", NOW)
    _no_training(monkeypatch)
    at = NOW + timedelta(minutes=1)
    try:
        monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0.5")
        report = retention.score_company(world.uow(), founder, at)
        rows = _scores(world, company_id, at)
        assert rows and report.scored == len(rows)
        for employee, (_, version, features) in rows.items():
            arm = ab.arm_for(employee, 0.5)
            expected = "retention-ab-split" if arm == ab.CHALLENGER else PRIOR
            assert features["arm"] == arm and features["version"] == version == expected
        share = report.challenger_scored / report.scored
        assert report.challenger_version == "retention-ab-split" and 0.2 < share < 0.8
        view = retention.risk_list(world.uow(), founder, at)
        assert view.model_version == PRIOR and view.challenger_version == "retention-ab-split"
        # Share 0: no split, the champion scores everyone.
        monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0")
        later = at + timedelta(minutes=1)
        report = retention.score_company(world.uow(), founder, later)
        assert {f["arm"] for _, _, f in _scores(world, company_id, later).values()} == {ab.CHAMPION}
        assert report.challenger_version is None and report.challenger_scored == 0
    finally:
        _retire(world, company_id)


def test_the_split_is_near_its_share_on_10000_employee_ids() -> None:
    ids = [uuid.UUID(int=i * 104729 + 7) for i in range(10_000)]
    arms = [ab.arm_for(i, 0.2) for i in ids]
    assert abs(arms.count(ab.CHALLENGER) / len(ids) - 0.2) <= 0.02


# --------------------------------------------------------------------------- promotion


def _outcomes(
    db: Database, company_id: uuid.UUID, version: str, skill: float, n: int, at: datetime
) -> None:
    """``n`` retention predictions of ``version`` made at ``at``, each with an outcome;
    ``skill`` sets how well they rank the leavers (1: perfectly, 0: not at all)."""
    rng = np.random.default_rng(len(version) * 7919 + n)
    with db.uow() as uow:
        for _ in range(n):
            left = float(rng.random() < 0.3)
            predicted = float(np.clip(skill * left + (1 - skill) * rng.random(), 0, 1))
            prediction = Prediction(
                company_id=company_id,
                entity_type="employee",
                entity_id=uuid.uuid4(),
                prediction_type="retention_risk",
                predicted_value=round(predicted, 6),
                model_version=version,
                features={"arm": "test", "version": version, "horizon_days": 180},
                created_at=at,
            )
            uow.session.add(prediction)
            uow.session.flush()
            uow.session.add(
                Outcome(company_id=company_id, prediction_id=prediction.id, actual_value=left)
            )
        uow.commit()


def test_promotion_follows_the_rule_and_a_rollback_restores_the_champion(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id, _ = _companies(world)
    admin = actor_of_role(world, company_id, "admin")
    founder = actor_of_role(world, company_id, "founder")
    retention_models.ensure_prior(world.uow(), NOW)
    monkeypatch.setenv("PEOPLEOS_AB_MIN_OUTCOMES", "40")
    start = NOW + timedelta(days=400)  # after every score other tests make
    try:
        # Worse, then better, then one with too few outcomes: decided oldest first.
        for k, version in enumerate(("retention-ab-worse", "retention-ab-better")):
            _register(world, company_id, version, "challenger", start + timedelta(hours=k))
        _register(world, company_id, "retention-ab-young", "challenger", start + timedelta(hours=2))
        test_time = start + timedelta(days=200)
        _outcomes(world, company_id, PRIOR, 0.3, 150, test_time)  # the champion's arm
        _outcomes(world, company_id, "retention-ab-worse", 0.02, 150, test_time)
        _outcomes(world, company_id, "retention-ab-better", 0.85, 150, test_time)
        _outcomes(world, company_id, "retention-ab-young", 0.9, 10, test_time)
        # Outcomes from before a challenger existed do not count for its test.
        _outcomes(world, company_id, PRIOR, 1.0, 300, start - timedelta(days=30))

        decisions = {
            d.version: d for d in model_promotion.decide_promotion(world.uow(), admin, test_time)
        }
        worse, better = decisions["retention-ab-worse"], decisions["retention-ab-better"]
        assert worse.decision == "retired" and "Not better beyond doubt" in worse.reason
        assert worse.champion_outcomes == 150
        assert better.decision == "promoted" and better.auc_difference.low > 0
        for d in (worse, better):
            assert "No impact-ratio check applies" in d.reason and not d.refused
        assert "retention-ab-young" not in decisions  # after a promotion: the next run
        assert _row(world, "retention-ab-better").status == "champion"
        retired = _row(world, "retention-ab-worse")
        assert retired.status == "retired"
        assert retired.metrics["ab_decision"]["reason"] == worse.reason
        again = retention_promotion.decide_promotion(world.uow(), admin, test_time)
        assert [(d.version, d.decision) for d in again] == [("retention-ab-young", "waiting")]
        with world.uow() as uow:
            audited = set(
                uow.session.scalars(
                    select(AuditLog.action + ":" + AuditLog.entity_id).where(
                        AuditLog.company_id == company_id
                    )
                )
            )
            announced = set(
                uow.session.scalars(
                    select(Notification.event_type).where(Notification.company_id == company_id)
                )
            )
        assert {
            "models.retired:retention-ab-worse",
            "models.promoted:retention-ab-better",
        } <= audited
        assert {"models.promoted", "models.retired"} <= announced

        # The new champion scores everyone (share 0); a rollback restores the prior.
        monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0")
        retention.score_company(world.uow(), founder, test_time)
        assert {v for _, v, _ in _scores(world, company_id, test_time).values()} == {
            "retention-ab-better"
        }
        assert model_promotion.rollback_to(world.uow(), admin, PRIOR, test_time) == PRIOR
        later = test_time + timedelta(minutes=1)
        retention.score_company(world.uow(), founder, later)
        assert {v for _, v, _ in _scores(world, company_id, later).values()} == {PRIOR}
        assert _row(world, "retention-ab-better").status == "retired"
        with pytest.raises(ValidationError, match="champion already"):
            model_promotion.rollback_to(world.uow(), admin, PRIOR, later)
        # ... and back to the promoted version in one action.
        model_promotion.rollback_to(world.uow(), admin, "retention-ab-better", later)
        assert _row(world, "retention-ab-better").status == "champion"
        assert retention.risk_list(world.uow(), founder, later).model_version == (
            "retention-ab-better"
        )
        with world.uow() as uow:
            rollbacks = uow.session.scalars(
                select(AuditLog.entity_id).where(
                    AuditLog.company_id == company_id, AuditLog.action == "models.rolled_back"
                )
            ).all()
        assert sorted(rollbacks) == sorted([PRIOR, "retention-ab-better"])
        talent = actor_of_role(world, company_id, "talent_lead")
        with pytest.raises(PermissionDeniedError):
            retention_promotion.rollback_to(world.uow(), talent, PRIOR, later)
    finally:
        _retire(world, company_id)
