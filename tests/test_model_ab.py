"""A/B testing of a company's models: the split, the recorded arm, promotion and rollback.

The split is deterministic (two processes agree) and near its share on 10,000 ids; scoring
records each prediction's arm and version; a challenger is promoted only when better beyond
doubt and no less fair, else retired with the reason; a rollback restores the old scores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from core.db import Database
from core.models import AuditLog, Candidate, ModelVersion, Notification, Outcome, Prediction
from core.services import model_promotion, model_registry, scoring, webhooks
from core.services.errors import PermissionDeniedError
from ml import ab
from ml.training import FIT_MODEL
from tests.helpers import actor_of_role, company_ids_by_name
from tests.model_world import register_challenger

NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)
IDS = [uuid.UUID(int=i * 7919 + 13) for i in range(10_000)]


@pytest.mark.parametrize("share", [0.0, 0.2, 0.5])
def test_the_split_gives_the_challenger_its_share_of_10000_ids(share: float) -> None:
    arms = [ab.arm_for(i, share) for i in IDS]
    assert abs(arms.count(ab.CHALLENGER) / len(IDS) - share) <= 0.02
    assert [ab.arm_for(i, share) for i in IDS] == arms  # stable within a process


def test_two_processes_pick_the_same_arm() -> None:
    code = (
        "import uuid; from ml import ab; "
        "print(''.join('b' if ab.arm_for(uuid.UUID(int=i * 7919 + 13), 0.2) == 'challenger' "
        "else 'a' for i in range(500)))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    here = "".join("b" if ab.arm_for(i, 0.2) == ab.CHALLENGER else "a" for i in IDS[:500])
    assert other == here and 60 < here.count("b") < 140


def test_the_auc_difference_interval_separates_a_clearly_better_arm() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200).astype(float)
    good = y * 0.6 + rng.random(200) * 0.4  # ranks almost every pair right
    noise = rng.random(200)
    better = ab.auc_difference((noise, y), (good, y))
    worse = ab.auc_difference((good, y), (noise, y))
    assert better is not None and better.low > 0 and better.value > 0.3
    assert worse is not None and worse.high < 0
    assert ab.auc_difference((noise, np.ones(200)), (good, y)) is None


def _company(db: Database) -> uuid.UUID:
    return company_ids_by_name(db)[sorted(company_ids_by_name(db))[0]]


def _outcomes(db: Database, company_id: uuid.UUID, version: str, skill: float, n: int) -> None:
    """``n`` fit predictions of ``version`` with outcomes; ``skill`` sets how well the
    prediction ranks them (1: perfectly, 0: not at all)."""
    rng = np.random.default_rng(abs(hash(version)) % 2**32)
    with db.uow() as uow:
        for _ in range(n):
            y = float(rng.integers(0, 2))
            predicted = float(np.clip(skill * y + (1 - skill) * rng.random(), 0, 1))
            prediction = Prediction(
                company_id=company_id,
                entity_type="candidate",
                entity_id=uuid.uuid4(),
                prediction_type="fit_score",
                predicted_value=round(predicted, 6),
                model_version=f"{FIT_MODEL}:{version}",
                features={"arm": "test", "version": version},
                created_at=NOW - timedelta(days=30),
            )
            uow.session.add(prediction)
            uow.session.flush()
            uow.session.add(
                Outcome(company_id=company_id, prediction_id=prediction.id, actual_value=y)
            )
        uow.commit()


def _status(db: Database, version: str) -> tuple[str, dict]:
    with db.uow() as uow:
        row = uow.session.scalars(
            select(ModelVersion).where(
                ModelVersion.name == FIT_MODEL, ModelVersion.version == version
            )
        ).one()
        return row.status, dict(row.metrics or {})


@pytest.mark.db
def test_scoring_splits_candidates_between_arms_and_records_each(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id = _company(world)
    register_challenger(world, company_id, "ab-split-1", NOW)
    monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0.5")
    scoring.rescore_company(
        world, company_id, model_registry.load_models(), NOW, trigger="on_demand"
    )
    with world.uow() as uow:
        rows = uow.session.scalars(
            select(Prediction).where(
                Prediction.company_id == company_id, Prediction.created_at == NOW
            )
        ).all()
        people = uow.session.scalars(select(Candidate).where(Candidate.company_id == company_id))
        breakdowns = {c.id: c.fit_breakdown for c in people}
    assert rows
    for row in rows:
        arm = ab.arm_for(row.entity_id, 0.5)
        assert row.features["arm"] == arm == breakdowns[row.entity_id]["arm"]
        expected = "ab-split-1" if arm == ab.CHALLENGER else model_registry.load_models().version
        assert row.features["version"] == expected and row.model_version.endswith(f":{expected}")
    challenger = sum(r.features["arm"] == ab.CHALLENGER for r in rows) / len(rows)
    assert 0.3 < challenger < 0.7
    # Share 0: no split, the champion scores everyone.
    monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0")
    later = NOW + timedelta(minutes=1)
    scoring.rescore_company(
        world, company_id, model_registry.load_models(), later, trigger="on_demand"
    )
    with world.uow() as uow:
        arms = set(
            uow.session.scalars(
                select(Prediction.features["arm"].as_string()).where(
                    Prediction.company_id == company_id, Prediction.created_at == later
                )
            )
        )
    assert arms == {ab.CHAMPION}
    _retire(world, "ab-split-1")


def _retire(db: Database, version: str) -> None:
    with db.uow() as uow:
        for row in uow.session.scalars(select(ModelVersion).where(ModelVersion.version == version)):
            row.status = "retired"
        uow.commit()


@pytest.mark.db
def test_promotion_follows_the_rule_and_a_rollback_restores_the_champion(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id = _company(world)
    admin = actor_of_role(world, company_id, "admin")
    prior = model_registry.load_models().version
    monkeypatch.setenv("PEOPLEOS_AB_MIN_OUTCOMES", "40")
    _outcomes(world, company_id, prior, 0.3, 120)  # the champion's (the prior's) arm
    # Worse, then better-but-less-fair, then better: the decisions run oldest first.
    for k, (version, skill) in enumerate(
        (("ab-worse", 0.05), ("ab-unfair", 0.8), ("ab-better", 0.8))
    ):
        register_challenger(world, company_id, version, NOW - timedelta(hours=3 - k))
        _outcomes(world, company_id, version, skill, 120)
    register_challenger(world, company_id, "ab-young", NOW)
    _outcomes(world, company_id, "ab-young", 0.9, 10)  # too few outcomes: it waits

    real = model_registry.impact_refusals

    def guard(uow, cid, current, new):  # noqa: ANN001, ANN202 - same signature as the real one
        if new.version == "ab-unfair":
            return ["Gender Woman: impact ratio 0.85 would fall to 0.62 (below 0.8)"], 80
        return real(uow, cid, current, new)

    monkeypatch.setattr(model_registry, "impact_refusals", guard)
    hook, _ = webhooks.register_endpoint(
        world.uow(), admin, "https://hooks.example.com/models", ["model.promoted"], "BI", NOW
    )
    decisions = {d.version: d for d in model_promotion.decide_promotion(world.uow(), admin, NOW)}
    assert decisions["ab-worse"].decision == "retired"
    assert "Not better beyond doubt" in decisions["ab-worse"].reason
    assert decisions["ab-unfair"].decision == "retired"
    assert "less fair" in decisions["ab-unfair"].reason
    assert decisions["ab-better"].decision == "promoted"
    assert decisions["ab-better"].auc_difference.low > 0
    assert "ab-young" not in decisions  # decided after the promotion, next run
    assert _status(world, "ab-better")[0] == "champion"
    for version in ("ab-worse", "ab-unfair"):
        status, metrics = _status(world, version)
        assert status == "retired" and metrics["ab_decision"]["reason"]
    again = model_promotion.decide_promotion(world.uow(), admin, NOW + timedelta(hours=1))
    assert [(d.version, d.decision) for d in again] == [("ab-young", "waiting")]
    with world.uow() as uow:
        audited = set(
            uow.session.scalars(
                select(AuditLog.entity_id).where(
                    AuditLog.company_id == company_id, AuditLog.action.like("models.%")
                )
            )
        )
        announced = uow.session.scalars(
            select(Notification.event_type).where(Notification.company_id == company_id)
        ).all()
    assert {"ab-worse", "ab-unfair", "ab-better"} <= audited
    assert {"models.promoted", "models.retired"} <= set(announced)
    with world.uow() as uow:  # one webhook: the promotion (retirements are not announced)
        (hooked,) = uow.session.scalars(
            select(Notification.body).where(Notification.recipient == str(hook.id))
        ).all()
    assert json.loads(hooked)["data"] == {"version": "ab-better"}

    # The new champion scores everyone (share 0); rolling back restores the prior's scores.
    monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0")
    models = model_registry.load_models()
    with world.uow() as uow:
        candidate = uow.session.scalars(
            select(Candidate.id).where(
                Candidate.company_id == company_id, Candidate.fit_score.is_not(None)
            )
        ).first()
    talent = actor_of_role(world, company_id)
    scoring.rescore_candidate(world.uow(), talent, candidate, models, NOW)
    with world.uow() as uow:
        assert uow.session.get(Candidate, candidate).fit_breakdown["version"] == "ab-better"
    assert model_promotion.rollback_to(world.uow(), admin, prior, NOW) == prior
    before = scoring.rescore_candidate(world.uow(), talent, candidate, models, NOW)
    with world.uow() as uow:
        assert uow.session.get(Candidate, candidate).fit_breakdown["version"] == prior
    assert _status(world, "ab-better")[0] == "retired"
    # ... and back to ab-better in one action.
    model_promotion.rollback_to(world.uow(), admin, "ab-better", NOW + timedelta(minutes=5))
    assert _status(world, "ab-better")[0] == "champion"
    model_promotion.rollback_to(world.uow(), admin, prior, NOW + timedelta(minutes=6))
    assert scoring.rescore_candidate(world.uow(), talent, candidate, models, NOW) == before
    with world.uow() as uow:
        rollbacks = uow.session.scalars(
            select(AuditLog.entity_id).where(AuditLog.action == "models.rolled_back")
        ).all()
    assert rollbacks.count(prior) == 2
    with pytest.raises(PermissionDeniedError):
        model_promotion.rollback_to(world.uow(), talent, "ab-better", NOW)
    _retire(world, "ab-young")
