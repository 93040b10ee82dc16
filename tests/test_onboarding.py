"""Onboarding: the plan a hire gets, tasks ticked off, both sides of each checkpoint, the
plan's status, the overdue reminder (once) and the two pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import (
    AuditLog,
    Candidate,
    Hire,
    Notification,
    OnboardingCheckpoint,
    OnboardingPlan,
)
from core.services import auth, hiring, onboarding
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from tests.helpers import actor_of_role, login_app

pytestmark = pytest.mark.db
NEW = {"goals_clear": 4, "supported": 5, "as_expected": 4}
MANAGER = {"on_track": 4, "team": 4, "values": 5}
LOW = {"on_track": 1, "team": 2, "values": 1}


def _new_hire(world: Database, now: datetime) -> tuple[Any, Any, onboarding.Plan]:
    """Hire an applicant (as if offered) starting today; the talent lead, the new hire
    (after setting a password through the invitation) and their plan."""
    with world.uow() as uow:
        candidate = uow.session.scalars(
            select(Candidate)
            .where(
                Candidate.status.in_(("applied", "screening")),
                Candidate.role_id.is_not(None),
                Candidate.id.not_in(select(Hire.candidate_id)),
            )
            .order_by(Candidate.id)
        ).first()
        candidate.status = "offer"  # test setup: as if offered earlier
        uow.commit()
        company, email = candidate.company_id, candidate.email
    talent = actor_of_role(world, company)
    hiring.hire_candidate(
        world.uow(), talent, candidate.id, now.date(), now, base_url="http://x.test"
    )
    with world.uow() as uow:
        body = uow.session.scalars(
            select(Notification.body).where(
                Notification.event_type == "user.invitation", Notification.recipient == email
            )
        ).one()
    token = re.search(r"token=(\S+)", body).group(1)
    username = auth.accept_invitation(world.uow(), token, "a-long-enough-pass-1", now)
    me = auth.load_actor(world.uow(), username)
    plan = onboarding.my_plan(world.uow(), me)
    assert plan is not None
    return talent, me, plan


def _counts(db: Database) -> tuple[int, ...]:
    with db.uow() as uow:
        return tuple(
            uow.session.scalar(select(func.count()).select_from(m))
            for m in (OnboardingCheckpoint, Notification, AuditLog)
        )


def test_both_sides_of_a_checkpoint_give_its_alignment(world: Database) -> None:
    now = datetime.now(UTC)
    talent, me, plan = _new_hire(world, now)
    assert [c.day for c in plan.checkpoints] == [7, 30, 60, 90]
    assert [c.due for c in plan.checkpoints] == [
        now.date() + timedelta(days=d) for d in (7, 30, 60, 90)
    ]
    assert plan.status == "pending" and plan.tasks
    after_mine = onboarding.answer_checkpoint(world.uow(), me, plan.id, 7, NEW, "Going well.", now)
    day7 = after_mine.checkpoints[0]
    assert day7.answered_by == ("new_hire",) and day7.alignment is None
    assert after_mine.status == "in_progress"
    done = onboarding.answer_checkpoint(world.uow(), talent, plan.id, 7, MANAGER, "", now)
    day7 = done.checkpoints[0]
    # Answers 4, 5, 4, 4, 4, 5 -> mean 4.33 on 1-5 -> 83 on 0-100.
    assert day7.alignment == 83 and day7.completed_at is not None
    with pytest.raises(ValidationError, match="complete"):
        onboarding.answer_checkpoint(world.uow(), me, plan.id, 7, NEW, "", now)
    low = onboarding.answer_checkpoint(world.uow(), talent, plan.id, 30, LOW, "", now)
    assert low.status == "in_progress"  # one side only: no alignment yet
    at_risk = onboarding.answer_checkpoint(
        world.uow(), me, plan.id, 30, {"goals_clear": 2, "supported": 2, "as_expected": 1}, "", now
    )
    assert at_risk.checkpoints[1].alignment < onboarding.AT_RISK_BELOW
    assert at_risk.status == "at_risk"
    assert [p.status for p in onboarding.list_plans(world.uow(), talent) if p.id == plan.id] == [
        "at_risk"
    ]


def test_bad_answers_and_other_peoples_plans_change_nothing(world: Database) -> None:
    now = datetime.now(UTC)
    _, me, plan = _new_hire(world, now)
    _, someone_else, _ = _new_hire(world, now)
    before = _counts(world)
    for answers, message in (
        ({"goals_clear": 4}, "every question"),
        ({**NEW, "supported": 6}, "1 to 5"),
        ({**NEW, "supported": True}, "1 to 5"),
    ):
        with pytest.raises(ValidationError, match=message):
            onboarding.answer_checkpoint(world.uow(), me, plan.id, 7, answers, "", now)
    # Another new hire: refused (or, in another company, not found).
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        onboarding.answer_checkpoint(world.uow(), someone_else, plan.id, 7, NEW, "", now)
    with pytest.raises(PermissionDeniedError):
        onboarding.list_plans(world.uow(), me)
    with pytest.raises(ValidationError, match="not in this plan"):
        onboarding.set_task_done(world.uow(), me, plan.id, 999, True, now)
    assert _counts(world) == before
    ticked = onboarding.set_task_done(world.uow(), me, plan.id, 0, True, now)
    assert ticked.tasks_done == 1 and ticked.status == "in_progress"


def test_an_overdue_checkpoint_is_announced_once(world: Database) -> None:
    now = datetime.now(UTC)
    _new_hire(world, now)
    later = now + timedelta(days=8)  # day 7 is overdue for that hire (and maybe others)
    with world.uow() as uow:
        expected = uow.session.scalar(
            select(func.count())
            .select_from(OnboardingCheckpoint)
            .join(OnboardingPlan, OnboardingPlan.id == OnboardingCheckpoint.onboarding_plan_id)
            .where(
                OnboardingCheckpoint.completed_at.is_(None),
                OnboardingCheckpoint.due_date < later.date(),
                OnboardingPlan.status.not_in(("completed", "cancelled")),
            )
        )
    first = onboarding.notify_overdue(world.uow(), later)
    assert first["overdue"] == expected >= 1
    count = lambda: _counts(world)[1]  # noqa: E731
    sent = count()
    onboarding.notify_overdue(world.uow(), later)
    assert count() == sent  # the same checkpoints: no second message


def test_the_pages_show_the_plan_to_the_new_hire_and_the_founder(world_app: Database) -> None:
    now = datetime.now(UTC)
    _, me, plan = _new_hire(world_app, now)
    mine = login_app(me.username, "my_onboarding")
    assert not mine.exception
    assert any("of" in m.value and "done" in m.value for m in mine.markdown)
    assert len(mine.checkbox) == len(plan.tasks)
    assert [b for b in mine.button if b.label == "Submit the checkpoint"]
    founder = actor_of_role(world_app, me.company_id, "founder")
    page = login_app(founder.username, "onboarding")
    assert not page.exception
    metrics = {m.label: m.value for m in page.metric}
    assert int(metrics["Plans"]) == len(onboarding.list_plans(world_app.uow(), founder))


def test_two_starts_of_a_hire_without_a_plan_at_once_make_one_plan(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    with world.uow() as uow:
        hire = uow.session.scalars(select(Hire).order_by(Hire.id)).first()
        for plan in uow.session.scalars(
            select(OnboardingPlan).where(OnboardingPlan.hire_id == hire.id)
        ):
            uow.session.delete(plan)
        uow.commit()
        hire_id, company_id = hire.id, hire.company_id
    lead = actor_of_role(world, company_id, "talent_lead")
    real = onboarding.add_plan
    raced: list[bool] = []

    def add_plan_after_a_rival(session, company, candidate, hire, role, start, when):  # noqa: ANN001, ANN202
        if not raced:  # the other request commits its plan between our read and our insert
            raced.append(True)
            onboarding.start_plan(world.uow(), lead, hire_id, when)
        return real(session, company, candidate, hire, role, start, when)

    monkeypatch.setattr(onboarding, "add_plan", add_plan_after_a_rival)
    plan, created = onboarding.start_plan(world.uow(), lead, hire_id, now)
    assert raced and created is False and plan.status == "in_progress"
    with world.uow() as uow:
        plans = uow.session.scalars(
            select(OnboardingPlan.id).where(OnboardingPlan.hire_id == hire_id)
        ).all()
    assert plans == [plan.id]
