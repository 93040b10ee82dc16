"""ORM round trips and constraints on the migrated schema (SQLite and PostgreSQL)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import Database
from core.models import (
    AuditLog,
    Candidate,
    Company,
    CompanyDnaDimension,
    CulturePulseCheck,
    Employee,
    FitScoreDimension,
    Hire,
    Interview,
    ModelVersion,
    Notification,
    OnboardingCheckpoint,
    OnboardingPlan,
    Outcome,
    Prediction,
    Role,
    StartuposSync,
    User,
)
from core.repositories.base import add_in_dependency_order

pytestmark = pytest.mark.db

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _graph() -> list[object]:
    """One row in every table, linked the way the product links them."""
    company = Company(
        startupos_id=uuid.uuid4(),
        name="Quillpay",
        stage="seed",
        funding_stage="seed",
        runway_months=18,
        team_size=9,
        dna_profile={"culture": {"ownership": 81}, "gaps": ["design"]},
        dna_updated_at=WHEN,
    )
    role = Role(
        company_id=company.id,
        title="Founding Engineer",
        priority="high",
        status="active",
        role_intelligence={"must_have_skills": ["Python"]},
        jd_text="Build it.",
    )
    candidate = Candidate(
        company_id=company.id,
        role_id=role.id,
        email="a@example.com",
        full_name="Ada L",
        status="hired",
        fit_score=77,
        risk_indicators=[{"type": "short_tenure", "severity": "low"}],
    )
    user = User(
        company_id=company.id,
        username="founder.quill",
        email="f@example.com",
        full_name="F",
        password_hash="x",
        role="founder",
    )
    hire = Hire(
        candidate_id=candidate.id,
        role_id=role.id,
        company_id=company.id,
        start_date=date(2026, 1, 5),
        actual_outcome="success",
        retention_days=120,
    )
    employee = Employee(
        company_id=company.id, hire_id=hire.id, full_name="Ada L", start_date=date(2026, 1, 5)
    )
    plan = OnboardingPlan(
        hire_id=hire.id,
        company_id=company.id,
        plan_data={"goals": {}},
        status="in_progress",
        started_at=WHEN,
    )
    prediction = Prediction(
        company_id=company.id,
        entity_type="hire",
        entity_id=hire.id,
        prediction_type="success_prob",
        predicted_value=0.731234,
        confidence=0.7,
        model_version="m:1",
        features={"skills_match": 0.5},
    )
    return [
        company,
        CompanyDnaDimension(
            company_id=company.id, dimension_type="culture", dimension_data={"score": 70}
        ),
        role,
        candidate,
        FitScoreDimension(
            company_id=company.id,
            candidate_id=candidate.id,
            dimension_type="stage_fit",
            score=64,
            reasoning="Seed experience",
        ),
        user,
        Interview(
            company_id=company.id,
            candidate_id=candidate.id,
            role_id=role.id,
            interview_type="technical",
            scheduled_at=WHEN,
            interviewer_id=user.id,
            questions=[{"question": "Why?"}],
            feedback={"recommendation": "yes"},
            score=80,
        ),
        hire,
        employee,
        plan,
        OnboardingCheckpoint(
            company_id=company.id,
            onboarding_plan_id=plan.id,
            checkpoint_day=30,
            due_date=date(2026, 2, 4),
            alignment_score=72,
        ),
        CulturePulseCheck(
            company_id=company.id,
            employee_id=employee.id,
            alignment_score=70,
            builder_mindset_score=66,
            pulse_data={"month": "2026-02"},
        ),
        prediction,
        Outcome(
            company_id=company.id, prediction_id=prediction.id, actual_value=1, accuracy=0.731234
        ),
        ModelVersion(
            company_id=None,
            name="fit",
            version="1",
            status="champion",
            metrics={"auc": 0.8},
            feature_names=["a"],
        ),
        StartuposSync(
            company_id=company.id,
            sync_type="full",
            sync_status="succeeded",
            data_snapshot={"team": []},
            synced_at=WHEN,
        ),
        AuditLog(
            company_id=company.id,
            actor="test",
            action="create",
            entity_type="company",
            entity_id=str(company.id),
        ),
        Notification(
            company_id=company.id,
            event_type="dna_scan_done",
            channel="slack",
            subject="Scan done",
            body="Done",
            dedupe_key=f"scan:{company.id}",
        ),
    ]


def test_every_table_round_trips(db: Database) -> None:
    rows = _graph()
    with db.uow() as uow:
        add_in_dependency_order(uow.session, rows)
        uow.commit()
    with db.uow() as uow:
        company = uow.session.scalars(select(Company)).one()
        assert company.dna_profile == {"culture": {"ownership": 81}, "gaps": ["design"]}
        assert company.dna_updated_at == WHEN
        assert company.dna_updated_at.tzinfo is not None
        assert company.created_at.tzinfo is not None
        candidate = uow.session.scalars(select(Candidate)).one()
        assert candidate.risk_indicators == [{"type": "short_tenure", "severity": "low"}]
        assert candidate.company_id == company.id
        prediction = uow.session.scalars(select(Prediction)).one()
        assert prediction.predicted_value == pytest.approx(0.731234)
        assert isinstance(prediction.predicted_value, float)
        for model in (
            CompanyDnaDimension,
            Role,
            FitScoreDimension,
            Interview,
            Hire,
            Employee,
            OnboardingPlan,
            OnboardingCheckpoint,
            CulturePulseCheck,
            Outcome,
            ModelVersion,
            StartuposSync,
            AuditLog,
            Notification,
            User,
        ):
            assert len(uow.session.scalars(select(model)).all()) == 1, model.__tablename__
        checkpoint = uow.session.scalars(select(OnboardingCheckpoint)).one()
        assert checkpoint.due_date == date(2026, 2, 4)


def test_updated_at_moves_on_update(db: Database) -> None:
    rows = _graph()
    with db.uow() as uow:
        add_in_dependency_order(uow.session, rows)
        uow.commit()
    with db.uow() as uow:
        role = uow.session.scalars(select(Role)).one()
        before = role.updated_at
        role.updated_at = before - timedelta(days=1)
        uow.commit()
    with db.uow() as uow:
        role = uow.session.scalars(select(Role)).one()
        role.status = "filled"
        uow.commit()
    with db.uow() as uow:
        assert uow.session.scalars(select(Role)).one().updated_at > before - timedelta(days=1)


@pytest.mark.parametrize(
    "break_row",
    [
        pytest.param(lambda rows: setattr(rows[3], "status", "ghosted"), id="candidate-status"),
        pytest.param(lambda rows: setattr(rows[3], "fit_score", 101), id="fit-score-range"),
        pytest.param(lambda rows: setattr(rows[0], "stage", "ipo"), id="company-stage"),
        pytest.param(lambda rows: setattr(rows[2], "priority", "urgent"), id="role-priority"),
        pytest.param(lambda rows: setattr(rows[5], "role", "superuser"), id="user-role"),
        pytest.param(lambda rows: setattr(rows[3], "email", None), id="candidate-email-null"),
        pytest.param(lambda rows: setattr(rows[3], "role_id", uuid.uuid4()), id="dangling-fk"),
    ],
)
def test_constraints_reject_bad_rows_and_nothing_is_written(db: Database, break_row) -> None:
    rows = _graph()
    break_row(rows)
    with pytest.raises(IntegrityError), db.uow() as uow:
        add_in_dependency_order(uow.session, rows)
        uow.commit()
    with db.uow() as uow:
        assert uow.session.scalars(select(Company)).all() == []


def test_startupos_id_and_username_are_unique(db: Database) -> None:
    rows = _graph()
    with db.uow() as uow:
        add_in_dependency_order(uow.session, rows)
        uow.commit()
    company = rows[0]
    twin = Company(startupos_id=company.startupos_id, name="Twin", stage="seed")
    with pytest.raises(IntegrityError), db.uow() as uow:
        uow.session.add(twin)
        uow.commit()
    clash = User(
        company_id=company.id,
        username="founder.quill",
        email="x@example.com",
        full_name="X",
        password_hash="x",
        role="admin",
    )
    with pytest.raises(IntegrityError), db.uow() as uow:
        uow.session.add(clash)
        uow.commit()


def test_unit_of_work_rolls_back_without_commit(db: Database) -> None:
    with pytest.raises(RuntimeError), db.uow() as uow:
        uow.session.add(Company(startupos_id=uuid.uuid4(), name="Gone", stage="seed"))
        uow.session.flush()
        raise RuntimeError("boom")
    with db.uow() as uow:
        uow.session.add(Company(startupos_id=uuid.uuid4(), name="Uncommitted", stage="seed"))
    with db.uow() as uow:
        assert uow.session.scalars(select(Company)).all() == []


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.uow() as uow:
        uow.session.add(
            Company(
                startupos_id=uuid.uuid4(),
                name="N",
                stage="seed",
                dna_updated_at=datetime(2026, 1, 1),
            )
        )
        uow.commit()
