"""The demo world in the database: complete, deterministic, idempotent, all-or-nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import (
    AuditLog,
    Base,
    Candidate,
    Company,
    Hire,
    ModelVersion,
    OnboardingCheckpoint,
    Outcome,
    Prediction,
    User,
)
from core.models.enums import CANDIDATE_STATUSES, USER_ROLES
from core.repositories.audit import AuditRepository
from core.services import database, demo
from core.services.errors import ValidationError
from tests.conftest import DEMO_AS_OF, DEMO_PASSWORD

pytestmark = pytest.mark.db


def _seed(db: Database, **overrides: Any) -> demo.SeedReport:
    args: dict[str, Any] = {
        "companies": 2,
        "candidates": 150,
        "seed": 11,
        "as_of": DEMO_AS_OF,
        "password": DEMO_PASSWORD,
    }
    args.update(overrides)
    return demo.seed_demo(db.uow(), **args)


def _dump(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table but the audit log (and password hashes), as sorted tuples."""
    out: dict[str, list[tuple]] = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            # bcrypt salts are random by design; compare everything else.
            columns = [c for c in table.columns if c.name != "password_hash"]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return out


def test_seeded_world_is_complete(seeded_db: Database) -> None:
    with seeded_db.uow() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Company)) == 3
        assert s.scalar(select(func.count()).select_from(Candidate)) == 400
        for company_id in s.scalars(select(Company.id)):
            statuses = set(
                s.scalars(select(Candidate.status).where(Candidate.company_id == company_id))
            )
            assert statuses == set(CANDIDATE_STATUSES)
        hired = s.scalar(select(func.count()).where(Candidate.status == "hired"))
        assert s.scalar(select(func.count()).select_from(Hire)) == hired
        assert s.scalar(select(func.count()).select_from(OnboardingCheckpoint)) == 4 * hired
        roles = set(s.scalars(select(User.role)))
        assert roles == set(USER_ROLES)
        # Every hire has a stored prediction; known outcomes are matched to them.
        predictions = s.scalar(select(func.count()).where(Prediction.entity_type == "hire"))
        assert predictions == hired
        known = s.scalar(select(func.count()).where(Hire.actual_outcome.is_not(None)))
        assert s.scalar(select(func.count()).select_from(Outcome)) == known > 0
        orphan = s.scalar(
            select(func.count())
            .select_from(Outcome)
            .where(~Outcome.prediction_id.in_(select(Prediction.id)))
        )
        assert orphan == 0
        truth = s.scalars(select(ModelVersion).where(ModelVersion.status == "reference")).one()
        assert 0.7 < truth.metrics["bayes_auc"] < 0.95
        baseline = s.scalars(
            select(ModelVersion).where(ModelVersion.name == "success_baseline")
        ).one()
        assert baseline.metrics["auc_synthetic_holdout"] <= truth.metrics["bayes_auc"] + 0.01
        # The prior fit ensemble is registered too, and every candidate has been scored.
        fit = s.scalars(select(ModelVersion).where(ModelVersion.name == "fit_ensemble")).one()
        assert fit.status == "champion" and fit.company_id is None
        assert s.scalar(select(func.count()).where(Candidate.fit_score.is_(None))) == 0


@pytest.mark.slow
def test_same_seed_gives_the_same_data(new_database_url: Callable[[], str]) -> None:
    dumps = []
    for _ in range(2):
        url = new_database_url()
        database.upgrade(url)
        db = Database(url)
        try:
            _seed(db)
            dumps.append(_dump(db))
        finally:
            db.dispose()
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["candidates"]) == 150


@pytest.mark.slow
def test_seeding_twice_changes_nothing_and_other_data_needs_reset(db: Database) -> None:
    first = _seed(db)
    assert first.created
    before = _dump(db)
    again = _seed(db)
    assert not again.created and "already loaded" in again.message
    assert _dump(db) == before
    with pytest.raises(ValidationError, match="--reset"):
        _seed(db, seed=12)
    assert _dump(db) == before


@pytest.mark.slow
def test_reset_wipes_and_reloads_but_keeps_the_audit_log(db: Database) -> None:
    _seed(db)
    report = _seed(db, seed=12, reset=True)
    assert report.created and report.wiped is not None
    assert report.wiped["candidates"] == 150
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Candidate)) == 150
        actions = sorted(uow.session.scalars(select(AuditLog.action)))
    assert actions == ["demo.reset_and_seed", "demo.seed"]


def test_a_failure_mid_seed_writes_nothing(db: Database, monkeypatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(AuditRepository, "add", boom)
    with pytest.raises(RuntimeError):
        _seed(db)
    assert all(rows == [] for rows in _dump(db).values())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"companies": 0}, "--companies"),
        ({"companies": 13}, "--companies"),
        ({"candidates": 5}, "--candidates"),
        ({"password": "short"}, "at least 12"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(
    db: Database, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _seed(db, **overrides)
    assert all(rows == [] for rows in _dump(db).values())


def test_as_of_moves_the_world_in_time(new_database_url: Callable[[], str]) -> None:
    url = new_database_url()
    database.upgrade(url)
    db = Database(url)
    try:
        _seed(db, as_of=date(2025, 6, 1))
        with db.uow() as uow:
            latest = uow.session.scalar(select(func.max(Candidate.created_at)))
        assert latest.date() <= date(2025, 6, 1)
    finally:
        db.dispose()


def test_the_people_chain_is_whole_in_the_demo(seeded_db: Database) -> None:
    """Every hired candidate: one offer at least, one hire, one plan, four checkpoints;
    every outcome row points at a prediction; every conducted interview has its panel's
    scorecard, with ratings on the 1-4 scale."""
    from core.models import (
        Hire,
        Interview,
        InterviewPanelist,
        InterviewScorecard,
        Offer,
        OnboardingCheckpoint,
        OnboardingPlan,
        Outcome,
    )

    with seeded_db.uow() as uow:
        s = uow.session
        hired = set(s.scalars(select(Candidate.id).where(Candidate.status == "hired")))
        hires = list(s.scalars(select(Hire)))
        plans = {p.hire_id: p.id for p in s.scalars(select(OnboardingPlan))}
        checkpoints = dict(
            s.execute(
                select(OnboardingCheckpoint.onboarding_plan_id, func.count()).group_by(
                    OnboardingCheckpoint.onboarding_plan_id
                )
            ).all()
        )
        offered = set(s.scalars(select(Offer.candidate_id)))
        at_offer = set(s.scalars(select(Candidate.id).where(Candidate.status == "offer")))
        loose = s.scalar(select(func.count()).where(Outcome.prediction_id.is_(None)))
        outcomes = s.scalar(select(func.count()).select_from(Outcome))
        conducted = set(s.scalars(select(Interview.id).where(Interview.status == "completed")))
        carded = list(s.scalars(select(InterviewScorecard)))
        panels = set(s.execute(select(InterviewPanelist.interview_id, InterviewPanelist.user_id)))
    assert hired and sorted(h.candidate_id for h in hires) == sorted(hired)
    assert all(h.id in plans and checkpoints[plans[h.id]] == 4 for h in hires)
    assert (hired | at_offer) <= offered
    assert outcomes > 0 and loose == 0
    assert conducted and {c.interview_id for c in carded} == conducted
    assert all((c.interview_id, c.interviewer_id) in panels for c in carded)
    assert all(set(c.ratings.values()) <= {1, 2, 3, 4} for c in carded)
