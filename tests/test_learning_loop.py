"""The whole learning loop on the synthetic world (issue #16's Done-when).

Outcomes are recorded -> the worker's retraining job finds them due and trains a genuine
challenger from them -> scoring splits candidates between champion and challenger as
configured -> each challenger's arm earns outcomes from the company's truth -> the promotion
rule retires a worse challenger and a better but less fair one, and promotes a better one ->
a rollback restores the earlier champion's scores exactly.

The company's truth (``tests.model_world``): a hire succeeds when their builder mindset is
at least 50, which the prior (trained on the synthetic world) does not know.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from scipy.special import expit
from sqlalchemy import delete, select

from core.config import ab_settings, retrain_settings
from core.db import Database
from core.models import AuditLog, Candidate, ModelVersion, Outcome, Prediction
from core.models import SelfIdentification as SelfId
from core.repositories.scoring import ScoringRepository
from core.services import model_promotion, model_registry, model_retraining, scoring, worker_jobs
from ml import ab
from ml.fit import dimension_frame
from ml.synthetic import generate_history
from ml.training import FIT_MODEL
from tests.helpers import actor_of_role, company_ids_by_name, run_cli
from tests.model_world import labelled_hires, skewed_applicants, succeeded

pytestmark = pytest.mark.db


def _company(db: Database) -> uuid.UUID:
    return company_ids_by_name(db)[sorted(company_ids_by_name(db))[0]]


def _serve(db: Database, company_id: uuid.UUID, n: int, seed: int, at: datetime) -> None:
    """``n`` new applicants, each scored by the model of the arm ``ml.ab.arm_for`` gives
    them (the real models' outputs), who were then hired and had the outcome the company's
    truth gives: the outcomes a running A/B test earns."""
    prior = model_registry.load_models()
    rows = dimension_frame(generate_history(n, seed=seed)[0])
    people = [uuid.uuid4() for _ in range(n)]
    with db.uow() as uow:
        repo = ScoringRepository(uow.session)
        served = {}
        for arm in ab.ARMS:
            models = model_registry.models_for(repo, company_id, prior, arm)[0]
            served[arm] = (models.version, expit(models.fit.decision_function(rows)))
        for i, (person, row) in enumerate(zip(people, rows.to_dict("records"), strict=True)):
            arm = ab.arm_for(person, ab_settings().share)
            version, predicted = served[arm]
            prediction = Prediction(
                company_id=company_id,
                entity_type="candidate",
                entity_id=person,
                prediction_type="fit_score",
                predicted_value=round(float(predicted[i]), 6),
                model_version=f"{FIT_MODEL}:{version}",
                features={"features": row, "arm": arm, "version": version},
                created_at=at,
            )
            uow.session.add(prediction)
            uow.session.flush()
            uow.session.add(
                Outcome(
                    company_id=company_id,
                    prediction_id=prediction.id,
                    actual_value=1.0 if succeeded(row) else 0.0,
                    created_at=at,
                )
            )
        uow.commit()


def _row(db: Database, version: str) -> ModelVersion:
    with db.uow() as uow:
        row = uow.session.scalars(
            select(ModelVersion).where(
                ModelVersion.name == FIT_MODEL, ModelVersion.version == version
            )
        ).one()
        uow.session.expunge(row)
        return row


def _challenger(db: Database, company_id: uuid.UUID) -> str:
    with db.uow() as uow:
        row = model_registry.company_challenger(ScoringRepository(uow.session), company_id)
        assert row is not None and row.artifact_sha256 and row.artifact
        return row.version


def _fit_score(db: Database, candidate: uuid.UUID) -> tuple[float, str]:
    with db.uow() as uow:
        c = uow.session.get(Candidate, candidate)
        return float(c.fit_score), c.fit_breakdown["version"]


def test_outcomes_retrain_split_promote_by_the_rule_and_roll_back(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0.5")
    monkeypatch.setenv("PEOPLEOS_AB_MIN_OUTCOMES", "40")
    monkeypatch.setenv("PEOPLEOS_RETRAIN_AFTER_OUTCOMES", "100")
    company_id = _company(world)
    admin = actor_of_role(world, company_id, "admin")
    talent = actor_of_role(world, company_id)
    prior = model_registry.load_models()
    clock = datetime.now(UTC)  # the attempt marks are audit rows, stamped with the real time

    # A candidate's score under the prior, to compare after the rollback.
    with world.uow() as uow:
        candidate = uow.session.scalars(
            select(Candidate.id).where(
                Candidate.company_id == company_id, Candidate.fit_score.is_not(None)
            )
        ).first()
    monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0")
    scoring.rescore_candidate(world.uow(), talent, candidate, prior, clock)
    prior_score = _fit_score(world, candidate)
    assert prior_score[1] == prior.version
    monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0.5")

    # 1. The worker's job tries every company; this one lacks labelled hires: skipped, said why.
    worker_jobs.retrain_due(world, clock)
    with world.uow() as uow:
        skipped = uow.session.scalars(
            select(AuditLog.summary).where(
                AuditLog.company_id == company_id,
                AuditLog.action == "models.retrain_skipped",
                AuditLog.entity_id == "fit",
            )
        ).all()
    assert skipped and "needs 200" in skipped[-1]["reason"]
    settings = retrain_settings()
    assert "fit" not in model_retraining.due_kinds(world.uow(), company_id, clock, settings)

    # 2. Outcomes of 220 hires are recorded (the company's early records had them backwards):
    #    due at once (>= 100 new), retrained by the job, registered as a challenger.
    t = clock + timedelta(minutes=1)
    role_id = labelled_hires(world, company_id, 220, seed=61, invert=True, recorded_at=t)
    due = model_retraining.due_kinds(world.uow(), company_id, t, settings)
    assert due["fit"] == "220 people with new outcomes"
    summary = worker_jobs.retrain_due(world, t)
    assert summary["outcome"]["failed"] == 0 and summary["challengers"] >= 1
    worse = _challenger(world, company_id)
    assert _row(world, worse).status == "challenger"
    assert "fit" not in model_retraining.due_kinds(world.uow(), company_id, t, settings)

    # 3. Scoring splits the company's candidates between the arms as configured.
    scored = scoring.rescore_company(world, company_id, prior, t, trigger="on_demand")
    with world.uow() as uow:
        made = uow.session.scalars(
            select(Prediction).where(
                Prediction.company_id == company_id,
                Prediction.created_at == t,
                Prediction.prediction_type == "fit_score",
            )
        ).all()
    assert len(made) == scored > 30
    for p in made:
        arm = ab.arm_for(p.entity_id, 0.5)
        assert p.features["arm"] == arm
        assert p.features["version"] == (worse if arm == ab.CHALLENGER else prior.version)
    # (That the split gives each arm its share is measured on 10,000 ids in test_model_ab.)
    assert {p.features["arm"] for p in made} == set(ab.ARMS)

    # 4. Its arm earns outcomes: worse than the champion's, so it is retired.
    _serve(world, company_id, 300, seed=71, at=t + timedelta(minutes=1))
    decisions = model_promotion.decide_promotion(world.uow(), admin, t + timedelta(minutes=2))
    assert [(d.version, d.decision) for d in decisions] == [(worse, "retired")]
    assert "Not better beyond doubt" in decisions[0].reason
    assert decisions[0].auc_difference.high < 0  # genuinely worse, not only unproven

    # 5. Outcomes of 600 more hires, truthfully recorded, while 80 self-identified applicants
    #    show women with little builder mindset: the retrained model is better, but less fair.
    t = clock + timedelta(minutes=10)
    labelled_hires(world, company_id, 600, seed=62, recorded_at=t)
    applicants = skewed_applicants(world, company_id, role_id)
    worker_jobs.retrain_due(world, t)
    unfair = _challenger(world, company_id)
    assert unfair != worse
    _serve(world, company_id, 300, seed=72, at=t + timedelta(minutes=1))
    decisions = model_promotion.decide_promotion(world.uow(), admin, t + timedelta(minutes=2))
    assert [(d.version, d.decision) for d in decisions] == [(unfair, "retired")]
    assert decisions[0].auc_difference.low > 0  # better beyond doubt ...
    assert "less fair" in decisions[0].reason and "Gender Woman" in decisions[0].reason
    assert _row(world, unfair).metrics["ab_decision"]["promotion_refused"]

    # 6. Those applicants withdraw their self-identification; "models retrain" (the CLI, with
    #    its progress bar) trains again; better and no less fair: promoted.
    with world.uow() as uow:
        uow.session.execute(delete(SelfId).where(SelfId.candidate_id.in_(applicants)))
        uow.commit()
    done = run_cli(
        "models", "retrain", "--company", str(company_id), "--kind", "fit", url=world.url
    )
    assert done.returncode == 0, done.stderr
    better = _challenger(world, company_id)
    assert (
        better not in (worse, unfair) and f"fit: {better} registered as a challenger" in done.stdout
    )
    assert "100%" in done.stderr  # the progress bar reached its end
    at = datetime.now(UTC) + timedelta(minutes=1)
    _serve(world, company_id, 300, seed=73, at=at)
    decisions = model_promotion.decide_promotion(world.uow(), admin, at)
    assert [(d.version, d.decision) for d in decisions] == [(better, "promoted")]
    assert _row(world, better).status == "champion"
    for version in (worse, unfair):
        assert _row(world, version).status == "retired"

    # 7. The new champion scores the candidate differently; a rollback restores the prior's
    #    score exactly, in one action.
    monkeypatch.setenv("PEOPLEOS_AB_SHARE", "0")
    scoring.rescore_candidate(world.uow(), talent, candidate, prior, at)
    assert _fit_score(world, candidate)[1] == better
    assert model_promotion.rollback_to(world.uow(), admin, prior.version, at) == prior.version
    scoring.rescore_candidate(world.uow(), talent, candidate, prior, at)
    assert _fit_score(world, candidate) == prior_score
    assert _row(world, better).status == "retired"
