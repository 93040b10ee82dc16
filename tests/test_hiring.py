"""Offer and hire: the offer checked against the role's band, and one transaction that
creates the hire, the employee, their account with a one-time invitation, and the
onboarding plan with checkpoints at days 7, 30, 60 and 90."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import (
    AuditLog,
    Candidate,
    CandidateStageEvent,
    Employee,
    Hire,
    Notification,
    Offer,
    OnboardingCheckpoint,
    OnboardingPlan,
    Prediction,
    Role,
    User,
    UserInvitation,
)
from core.services import candidates, hiring
from core.services.errors import ValidationError
from tests.helpers import actor_of_role

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
START = date(2026, 12, 7)
BASE = "https://people.example.com"


def _counts(db: Database) -> dict[str, int]:
    models = (
        Offer,
        Hire,
        Employee,
        User,
        UserInvitation,
        OnboardingPlan,
        OnboardingCheckpoint,
        Notification,
        CandidateStageEvent,
        AuditLog,
    )
    with db.uow() as uow:
        return {m.__name__: uow.session.scalar(select(func.count()).select_from(m)) for m in models}


def _in_stage(db: Database, status: str) -> tuple[uuid.UUID, Candidate, Role]:
    """A candidate of any company in ``status`` with a role, never hired, and its company.
    The small world runs out of them, so an applicant is put there when none is left."""
    with db.uow() as uow:
        open_ = (
            select(Candidate)
            .where(Candidate.role_id.is_not(None), Candidate.id.not_in(select(Hire.candidate_id)))
            .order_by(Candidate.id)
        )
        candidate = uow.session.scalars(open_.where(Candidate.status == status)).first()
        if candidate is None:
            candidate = uow.session.scalars(
                open_.where(Candidate.status.in_(("applied", "screening")))
            ).first()
            assert candidate is not None, "the world has no open candidate left"
            candidate.status = status  # test setup: as if moved there earlier
            uow.commit()
        role = uow.session.get(Role, candidate.role_id)
        uow.session.expunge_all()
    return candidate.company_id, candidate, role


def test_an_offer_inside_the_band_moves_the_candidate_to_offer(world: Database) -> None:
    company, candidate, role = _in_stage(world, "interview")
    band = role.role_intelligence["compensation"]
    talent = actor_of_role(world, company)
    offer = hiring.make_offer(world.uow(), talent, candidate.id, band["min"], START, NOW)
    assert offer.band == (band["min"], band["max"]) and offer.band_exception is None
    with world.uow() as uow:
        assert uow.session.get(Candidate, candidate.id).status == "offer"
        stored = uow.session.scalars(select(Offer).where(Offer.candidate_id == candidate.id)).one()
    assert stored.salary == band["min"] and stored.start_date == START


def test_an_offer_outside_the_band_needs_a_reason(world: Database) -> None:
    company, candidate, role = _in_stage(world, "interview")
    band = role.role_intelligence["compensation"]
    talent = actor_of_role(world, company)
    before = _counts(world)
    with pytest.raises(ValidationError, match="outside the role's band"):
        hiring.make_offer(world.uow(), talent, candidate.id, band["max"] + 1, START, NOW)
    assert _counts(world) == before
    offer = hiring.make_offer(
        world.uow(),
        talent,
        candidate.id,
        band["max"] + 1,
        START,
        NOW,
        band_exception="Competing offer from a larger company.",
    )
    assert offer.band_exception == "Competing offer from a larger company."


@pytest.mark.parametrize(
    ("salary", "start", "message"),
    [
        (0, START, "whole, positive"),
        (90_000, date(2026, 11, 1), "passed"),
        (90_000, None, "start date"),
    ],
)
def test_a_bad_offer_changes_nothing(
    world: Database, salary: int, start: date | None, message: str
) -> None:
    company, candidate, _ = _in_stage(world, "interview")
    before = _counts(world)
    with pytest.raises(ValidationError, match=message):
        hiring.make_offer(
            world.uow(), actor_of_role(world, company), candidate.id, salary, start, NOW
        )
    assert _counts(world) == before


def test_a_plain_stage_move_cannot_skip_the_offer_or_the_hire(world: Database) -> None:
    company, candidate, _ = _in_stage(world, "interview")
    with pytest.raises(ValidationError, match="Make an offer"):
        candidates.move_stage(
            world.uow(),
            actor_of_role(world, company),
            [candidate.id],
            "offer",
            reason="Great",
            now=NOW,
        )


def test_hiring_without_a_start_date_changes_nothing(world: Database) -> None:
    company, candidate, _ = _in_stage(world, "offer")
    before = _counts(world)
    with pytest.raises(ValidationError, match="needs a start date"):
        hiring.hire_candidate(
            world.uow(), actor_of_role(world, company), candidate.id, None, NOW, base_url=BASE
        )
    assert _counts(world) == before


def test_hiring_creates_everything_once(world: Database) -> None:
    company, candidate, role = _in_stage(world, "offer")
    talent = actor_of_role(world, company)
    before = _counts(world)
    assert hiring.get_hire(world.uow(), talent, candidate.id) is None
    hired = hiring.hire_candidate(world.uow(), talent, candidate.id, START, NOW, base_url=BASE)
    assert hired.created
    # What the profile shows from then on.
    assert hiring.get_hire(world.uow(), talent, candidate.id) == replace(hired, created=False)
    assert list(hired.checkpoints) == [START + timedelta(days=d) for d in (7, 30, 60, 90)]
    after = _counts(world)
    for name in ("Hire", "Employee", "User", "UserInvitation", "OnboardingPlan"):
        assert after[name] == before[name] + 1, name
    assert after["OnboardingCheckpoint"] == before["OnboardingCheckpoint"] + 4
    with world.uow() as uow:
        s = uow.session
        hire = s.get(Hire, hired.hire_id)
        latest_fit = s.scalars(
            select(Prediction.predicted_value)
            .where(Prediction.entity_id == candidate.id, Prediction.prediction_type == "fit_score")
            .order_by(Prediction.created_at.desc())
        ).first()
        assert hire.predicted_fit_score == round(100 * float(latest_fit))
        assert s.get(Candidate, candidate.id).status == "hired"
        user = s.scalars(select(User).where(User.username == hired.username)).one()
        assert user.role == "employee" and not user.is_active and user.email == candidate.email
        employee = s.get(Employee, user.employee_id)
        assert employee.hire_id == hire.id and employee.title == role.title
        invitation = s.scalars(
            select(UserInvitation).where(UserInvitation.user_id == user.id)
        ).one()
        assert invitation.expires_at == NOW + timedelta(hours=72)
        mail = s.scalars(
            select(Notification).where(
                Notification.event_type == "user.invitation",
                Notification.recipient == candidate.email,
            )
        ).one()
        plan = s.scalars(select(OnboardingPlan).where(OnboardingPlan.hire_id == hire.id)).one()
    token = re.search(r"/welcome\?token=(\S+)", mail.body).group(1)
    assert mail.body.count(BASE) == 1 and "password:" not in mail.body.lower()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert plan.status == "pending" and plan.plan_data["tasks"]
    assert {t["owner"] for t in plan.plan_data["tasks"]} <= {"manager", "buddy", "new_hire"}
    # Again: nothing new, the same hire.
    again = hiring.hire_candidate(world.uow(), talent, candidate.id, START, NOW, base_url=BASE)
    assert not again.created and again.hire_id == hired.hire_id
    assert _counts(world) == after


def _invited(world: Database, now: datetime = NOW) -> tuple[str, str]:
    """Hire someone at ``now``; the token from their invitation email and their username."""
    company, candidate, _ = _in_stage(world, "offer")
    start = now.date() + timedelta(days=14)
    hired = hiring.hire_candidate(
        world.uow(), actor_of_role(world, company), candidate.id, start, now, base_url=BASE
    )
    with world.uow() as uow:
        body = uow.session.scalars(
            select(Notification.body).where(
                Notification.event_type == "user.invitation",
                Notification.recipient == candidate.email,
            )
        ).one()
    return re.search(r"token=(\S+)", body).group(1), hired.username


def test_the_invitation_sets_a_password_once(world: Database) -> None:
    from core.services import auth

    token, username = _invited(world)
    assert auth.invitation_info(world.uow(), token, NOW).username == username
    assert auth.log_in(world.uow(), username, "a-long-enough-pass-1", None, NOW) is None
    before = _counts(world)
    with pytest.raises(ValidationError, match="too common"):
        auth.accept_invitation(world.uow(), token, "password1234", NOW)
    assert _counts(world) == before
    assert auth.accept_invitation(world.uow(), token, "a-long-enough-pass-1", NOW) == username
    assert auth.log_in(world.uow(), username, "a-long-enough-pass-1", None, NOW)
    # The link works once.
    with pytest.raises(ValidationError, match="already used"):
        auth.accept_invitation(world.uow(), token, "another-long-pass-2", NOW)


def test_an_expired_or_made_up_link_changes_nothing(world: Database) -> None:
    from core.services import auth

    token, _ = _invited(world)
    later = NOW + timedelta(hours=hiring.INVITATION_HOURS, seconds=1)
    before = _counts(world)
    with pytest.raises(ValidationError, match="expired"):
        auth.accept_invitation(world.uow(), token, "a-long-enough-pass-1", later)
    with pytest.raises(ValidationError, match="not valid"):
        auth.accept_invitation(world.uow(), "made-up", "a-long-enough-pass-1", NOW)
    assert _counts(world) == before


def test_the_welcome_page_sets_the_password(world_app: Database) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.helpers import APP

    token, username = _invited(world_app, datetime.now(UTC))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["token"] = token
    at.run()
    at.switch_page("pages/welcome.py").run()
    assert any(username in m.value.replace("\\", "") for m in at.markdown), (
        [m.value for m in at.markdown],
        [e.value for e in at.error],
    )
    at.text_input[0].set_value("a-long-enough-pass-1")
    at.text_input[1].set_value("a-long-enough-pass-1")
    at.button[0].click().run()
    assert any("password is set" in s.value for s in at.success), [e.value for e in at.error]
    again = AppTest.from_file(str(APP), default_timeout=60)
    again.query_params["token"] = token
    again.run()
    again.switch_page("pages/welcome.py").run()
    assert any("already used" in e.value for e in again.error)


def _hired(world: Database) -> tuple[object, Candidate, uuid.UUID]:
    company, candidate, _ = _in_stage(world, "offer")
    talent = actor_of_role(world, company)
    hired = hiring.hire_candidate(world.uow(), talent, candidate.id, START, NOW, base_url=BASE)
    return talent, candidate, hired.hire_id


def test_an_outcome_checks_every_prediction_about_the_hire(world: Database) -> None:
    from core.models import Outcome
    from core.services import hires

    talent, candidate, hire_id = _hired(world)
    later = datetime(2027, 3, 1, tzinfo=UTC)
    view = hires.record_outcome(
        world.uow(), talent, hire_id, "failure", later, left_on=date(2027, 2, 15), reason="Left."
    )
    assert view.retention_days == (date(2027, 2, 15) - START).days
    with world.uow() as uow:
        s = uow.session
        predictions = list(
            s.scalars(select(Prediction).where(Prediction.entity_id == candidate.id))
        )
        outcomes = {
            o.prediction_id: o
            for o in s.scalars(
                select(Outcome).where(Outcome.prediction_id.in_([p.id for p in predictions]))
            )
        }
        employee = s.scalars(select(Employee).where(Employee.hire_id == hire_id)).one()
    assert predictions and set(outcomes) == {p.id for p in predictions}
    for p in predictions:
        error = abs(float(p.predicted_value) - 0.0)
        assert outcomes[p.id].feedback_data["error"] == pytest.approx(error, abs=1e-6)
        assert outcomes[p.id].actual_value == 0.0
    assert view.predictions_checked == len(predictions)
    assert employee.status == "left" and employee.end_date == date(2027, 2, 15)
    # A correction replaces the rows: one per prediction, never two.
    hires.record_outcome(world.uow(), talent, hire_id, "success", later)
    with world.uow() as uow:
        count = uow.session.scalar(
            select(func.count()).where(Outcome.prediction_id.in_([p.id for p in predictions]))
        )
    assert count == len(predictions)


def test_bad_outcomes_change_nothing(world: Database) -> None:
    from core.services import hires

    talent, _, hire_id = _hired(world)
    later = datetime(2027, 3, 1, tzinfo=UTC)
    before = _counts(world)
    for kwargs, message in (
        ({"outcome": "great"}, "success, failure or neutral"),
        ({"outcome": "failure", "left_on": START - timedelta(days=1)}, "before their start"),
        ({"outcome": "failure", "left_on": date(2027, 4, 1)}, "in the future"),
    ):
        with pytest.raises(ValidationError, match=message):
            hires.record_outcome(
                world.uow(), talent, hire_id, kwargs.pop("outcome"), later, **kwargs
            )
    assert _counts(world) == before


def test_the_cli_records_an_outcome_and_refuses_someone_never_hired(world: Database) -> None:
    from tests.helpers import run_cli

    _, candidate, _ = _hired(world)
    with world.uow() as uow:
        company = uow.session.get(Candidate, candidate.id).company_id
        never = uow.session.scalars(
            select(Candidate.email).where(
                Candidate.company_id == company, Candidate.status == "applied"
            )
        ).first()
    args = ("hires", "outcome", "--company", str(company), "--outcome", "neutral")
    before = _counts(world)
    refused = run_cli(*args, "--email", never, url=world.url)
    assert refused.returncode == 2 and "was never hired" in refused.stderr
    assert _counts(world) == before
    done = run_cli(*args, "--email", candidate.email, url=world.url)
    assert done.returncode == 0, done.stderr
    assert "Recorded neutral" in done.stdout and "prediction(s) checked" in done.stdout


def test_models_learn_from_the_features_stored_with_the_prediction(world: Database) -> None:
    """A rescore after the hire changes the candidate's breakdown; the training row keeps
    the features the prediction was made from."""
    from core.repositories.scoring import ScoringRepository
    from core.services import hires

    talent, candidate, hire_id = _hired(world)
    hires.record_outcome(world.uow(), talent, hire_id, "success", datetime(2027, 3, 1, tzinfo=UTC))
    with world.uow() as uow:
        stored = [
            p.features
            for p in uow.session.scalars(
                select(Prediction).where(
                    Prediction.entity_id == candidate.id, Prediction.prediction_type == "fit_score"
                )
            )
        ]
        row = uow.session.get(Candidate, candidate.id)
        row.fit_breakdown = {**row.fit_breakdown, "features": {"recomputed": 1.0}}
        uow.commit()
    with world.uow() as uow:
        rows = ScoringRepository(uow.session).labelled_hires(talent.company_id)
    mine = [features for features, outcome in rows if features in stored]
    assert mine and all("recomputed" not in f["features"] for f, _ in rows)
