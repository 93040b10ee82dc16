"""Onboarding: every hire's plan, its tasks, and the checkpoints at days 7, 30, 60 and 90.

At each checkpoint the manager (a founder, talent lead or admin) and the new hire each
answer a short form on a 1-5 scale; once both have, the checkpoint's alignment score is
their mean on 0-100. A plan is in progress once anything happened, completed when all
four checkpoints are, and at risk while any alignment is below :data:`AT_RISK_BELOW`. The
worker raises one notification for each overdue checkpoint.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import UnitOfWork
from core.models import Candidate, Hire, OnboardingCheckpoint, OnboardingPlan, Role
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.candidates import CandidateRepository
from core.repositories.companies import CompanyRepository
from core.repositories.hires import HireRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.onboarding import OnboardingRepository
from core.repositories.roles import RoleRepository
from core.repositories.scoring import ScoringRepository
from core.services import notifications
from core.services.auth import Actor
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from ml.fit import SHOWN_DIMENSIONS
from ml.onboarding import CHECKPOINT_DAYS, build_plan

AT_RISK_BELOW = 60
MAX_COMMENT = 1000
SCALE = {1: "1 · Not at all", 2: "2", 3: "3 · Partly", 4: "4", 5: "5 · Fully"}
QUESTIONS = {
    "new_hire": {
        "goals_clear": "My goals for this period are clear.",
        "supported": "I get the support I need from my manager and buddy.",
        "as_expected": "The work matches what I expected when I joined.",
    },
    "manager": {
        "on_track": "They are on track for the role's outcomes.",
        "team": "They work well with the team.",
        "values": "They work in line with the company's values.",
    },
}


@dataclass(frozen=True)
class Checkpoint:
    day: int
    due: date | None
    alignment: int | None
    answered_by: tuple[str, ...]  # "new_hire", "manager"
    completed_at: datetime | None
    comments: dict[str, str]

    def overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due is not None and self.due < today


@dataclass(frozen=True)
class Plan:
    id: uuid.UUID
    hire_name: str
    role_title: str | None
    start_date: date | None
    status: str
    tasks: list[dict[str, Any]]
    goals: dict[str, Any]
    checkpoints: list[Checkpoint]

    @property
    def tasks_done(self) -> int:
        return sum(1 for t in self.tasks if t.get("done"))


def list_plans(uow: UnitOfWork, actor: Actor) -> list[Plan]:
    """Every hire's plan, latest start first (founders, talent leads, admins)."""
    actor.require(Permission.MANAGE_ONBOARDING)
    with uow:
        repo = OnboardingRepository(uow.session)
        rows = repo.list_plans(actor.company_id)
        checkpoints = repo.checkpoints(actor.company_id, [plan.id for plan, *_ in rows])
    by_plan: dict[uuid.UUID, list[OnboardingCheckpoint]] = {}
    for checkpoint in checkpoints:
        by_plan.setdefault(checkpoint.onboarding_plan_id, []).append(checkpoint)
    return [
        _plan(plan, name, title, hire.start_date, by_plan.get(plan.id, []))
        for plan, hire, name, title in rows
    ]


def my_plan(uow: UnitOfWork, actor: Actor) -> Plan | None:
    """The actor's own plan as a new hire, or None when they have none."""
    actor.require(Permission.VIEW_OWN_ONBOARDING)
    if actor.employee_id is None:
        return None
    with uow:
        repo = OnboardingRepository(uow.session)
        plan = repo.plan_of_employee(actor.company_id, actor.employee_id)
        if plan is None:
            return None
        return _detail(repo, actor, plan)


def set_task_done(
    uow: UnitOfWork, actor: Actor, plan_id: uuid.UUID, index: int, done: bool, now: datetime
) -> Plan:
    """Tick a task off (or on again): the new hire on their plan, or a manager."""
    with uow:
        repo = OnboardingRepository(uow.session)
        plan, _ = _plan_for(repo, actor, plan_id)
        data = dict(plan.plan_data or {})
        tasks = [dict(t) for t in data.get("tasks", [])]
        if not 0 <= index < len(tasks):
            raise ValidationError("That task is not in this plan.")
        tasks[index]["done"] = bool(done)
        plan.plan_data = {**data, "tasks": tasks}
        _advance(plan, repo.checkpoints(actor.company_id, [plan.id]), now)
        uow.commit()
        return _detail(repo, actor, plan)


def answer_checkpoint(
    uow: UnitOfWork,
    actor: Actor,
    plan_id: uuid.UUID,
    day: int,
    answers: dict[str, int],
    comment: str,
    now: datetime,
) -> Plan:
    """The actor's side of a checkpoint: the new hire's on their own plan, a manager's on
    any plan. Answering again replaces that side's answers until both sides are in."""
    with uow:
        repo = OnboardingRepository(uow.session)
        plan, side = _plan_for(repo, actor, plan_id)
        checkpoints = repo.checkpoints(actor.company_id, [plan.id])
        checkpoint = next((c for c in checkpoints if c.checkpoint_day == day), None)
        if checkpoint is None:
            raise NotFoundError("This plan has no such checkpoint.")
        if checkpoint.completed_at is not None:
            raise ValidationError("This checkpoint is complete; its answers are kept as given.")
        clean = _checked(side, answers, comment)
        feedback = dict(checkpoint.feedback or {})
        feedback[side] = {**clean, "by": actor.username, "at": now.isoformat()}
        checkpoint.feedback = feedback
        if all(s in feedback for s in QUESTIONS):
            scores = [v for s in QUESTIONS for v in feedback[s]["answers"].values()]
            checkpoint.alignment_score = round((fmean(scores) - 1) / 4 * 100)
            checkpoint.completed_at = now
        _advance(plan, checkpoints, now)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="onboarding.checkpoint_answered",
            entity_type="onboarding_plan",
            entity_id=str(plan.id),
            summary={"day": day, "side": side, "alignment": checkpoint.alignment_score},
        )
        uow.commit()
        return _detail(repo, actor, plan)


def _checked(side: str, answers: dict[str, int], comment: str) -> dict[str, Any]:
    wanted = QUESTIONS[side]
    if set(answers) != set(wanted):
        raise ValidationError("Answer every question of the checkpoint.")
    for key, value in answers.items():
        if isinstance(value, bool) or value not in SCALE:
            raise ValidationError(f"“{wanted[key]}”: answer 1 to 5.")
    text = " ".join(comment.split())
    if len(text) > MAX_COMMENT:
        raise ValidationError(f"The comment is at most {MAX_COMMENT} characters.")
    return {"answers": {k: int(answers[k]) for k in wanted}, "comment": text}


def _plan_for(
    repo: OnboardingRepository, actor: Actor, plan_id: uuid.UUID
) -> tuple[OnboardingPlan, str]:
    """The plan and the actor's side of it: the new hire's own, or a manager's."""
    plan = repo.get_plan(actor.company_id, plan_id)
    if plan is None:
        raise NotFoundError("Onboarding plan not found.")
    if actor.employee_id is not None and actor.can(Permission.VIEW_OWN_ONBOARDING):
        own = repo.plan_of_employee(actor.company_id, actor.employee_id)
        if own is not None and own.id == plan.id:
            return plan, "new_hire"
    if actor.can(Permission.MANAGE_ONBOARDING):
        return plan, "manager"
    raise PermissionDeniedError("Your role does not allow this.")


def _advance(plan: OnboardingPlan, checkpoints: list[OnboardingCheckpoint], now: datetime) -> None:
    """The plan's status from its tasks and checkpoints (a cancelled plan stays so)."""
    if plan.status == "cancelled":
        return
    scores = [c.alignment_score for c in checkpoints if c.alignment_score is not None]
    started = any(t.get("done") for t in (plan.plan_data or {}).get("tasks", [])) or any(
        c.feedback for c in checkpoints
    )
    if plan.started_at is None and started:
        plan.started_at = now
    if scores and min(scores) < AT_RISK_BELOW:
        plan.status = "at_risk"
    elif checkpoints and all(c.completed_at is not None for c in checkpoints):
        plan.status = "completed"
        plan.completed_at = plan.completed_at or now
    elif started:
        plan.status = "in_progress"


def get_plan(uow: UnitOfWork, actor: Actor, plan_id: uuid.UUID) -> Plan:
    """One plan: the new hire's own, or any for those who manage onboarding."""
    with uow:
        repo = OnboardingRepository(uow.session)
        plan, _ = _plan_for(repo, actor, plan_id)
        return _detail(repo, actor, plan)


def plan_of_hire(uow: UnitOfWork, actor: Actor, hire_id: uuid.UUID) -> Plan:
    """The plan made when ``hire_id`` was hired (for those who manage onboarding)."""
    actor.require(Permission.MANAGE_ONBOARDING)
    with uow:
        repo = OnboardingRepository(uow.session)
        plan = repo.plan_of_hire(actor.company_id, hire_id)
        if plan is None:
            raise NotFoundError("No onboarding plan for this hire.")
        return _detail(repo, actor, plan)


def start_plan(
    uow: UnitOfWork, actor: Actor, hire_id: uuid.UUID, now: datetime
) -> tuple[Plan, bool]:
    """Start the hire's onboarding: their plan (made at hire) becomes in progress, or, for
    a hire without one (hired before plans existed), a plan is made from the role and the
    DNA and started. Returns the plan and whether it was made now; starting twice changes
    nothing."""
    actor.require(Permission.MANAGE_ONBOARDING)
    try:
        return _start_plan(uow, actor, hire_id, now)
    except IntegrityError:
        # Another request made this hire's plan at the same moment (one plan per hire):
        # this one rolled back and starts that plan instead.
        return _start_plan(uow, actor, hire_id, now)


def _start_plan(
    uow: UnitOfWork, actor: Actor, hire_id: uuid.UUID, now: datetime
) -> tuple[Plan, bool]:
    with uow:
        repo = OnboardingRepository(uow.session)
        plan = repo.plan_of_hire(actor.company_id, hire_id)
        created = plan is None
        if plan is None:
            hire = HireRepository(uow.session).get(actor.company_id, hire_id)
            if hire is None:
                raise NotFoundError("No such hire.")
            candidate = CandidateRepository(uow.session).get(actor.company_id, hire.candidate_id)
            assert candidate is not None  # a hire's candidate is erased with the hire
            role = (
                RoleRepository(uow.session).get(actor.company_id, hire.role_id)
                if hire.role_id
                else None
            )
            start = hire.start_date or now.date()
            plan = add_plan(uow.session, actor.company_id, candidate, hire, role, start, now)
        if plan.status == "cancelled":
            raise ValidationError("This plan was cancelled; it cannot be started.")
        if plan.started_at is None or plan.status == "pending":
            plan.started_at = plan.started_at or now
            if plan.status == "pending":
                plan.status = "in_progress"
            AuditRepository(uow.session).add(
                **actor.audit_fields(),
                action="onboarding.started",
                entity_type="onboarding_plan",
                entity_id=str(plan.id),
                summary={"hire_id": str(hire_id), "plan_made": created},
            )
        view = _detail(repo, actor, plan)
        uow.commit()
    return view, created


def add_plan(
    session: Session,
    company_id: uuid.UUID,
    candidate: Candidate,
    hire: Hire,
    role: Role | None,
    start: date,
    now: datetime,
) -> OnboardingPlan:
    """Make a hire's plan and its 7/30/60/90-day checkpoints in the caller's transaction:
    tasks from the role's outcomes, the company's values and the candidate's weaker
    dimensions and risks."""
    company = CompanyRepository(session).get(company_id)
    assert company is not None
    intelligence = (role.role_intelligence or {}) if role else {}
    culture = (company.dna_profile or {}).get("culture") or []
    values = [v for dim in culture for v in dim.get("stated_values", [])]
    scores = {
        d.dimension_type: d.score
        for d in ScoringRepository(session).dimensions(company_id, candidate.id)
    }
    plan_data = build_plan(
        role_title=role.title if role else "",
        outcomes={str(k): str(v) for k, v in (intelligence.get("outcomes") or {}).items()},
        values=values,
        dimension_scores=scores,
        dimension_names=dict(SHOWN_DIMENSIONS),
        risk_codes=[r["kind"] for r in candidate.risk_indicators or [] if "kind" in r],
        stage_label=(company.dna_profile or {}).get("stage_label") or company.stage,
    )
    plan = OnboardingPlan(
        hire_id=hire.id,
        company_id=company_id,
        plan_data=plan_data,
        status="pending",
        created_at=now,
    )
    session.add(plan)
    session.flush()
    for day in CHECKPOINT_DAYS:
        session.add(
            OnboardingCheckpoint(
                company_id=company_id,
                onboarding_plan_id=plan.id,
                checkpoint_day=day,
                due_date=start + timedelta(days=day),
                created_at=now,
            )
        )
    session.flush()
    return plan


def notify_overdue(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """One notification per overdue checkpoint, however often the worker runs (the
    outbox's dedupe key makes it once)."""
    with uow:
        rows = OnboardingRepository(uow.session).overdue(now.date())
        repo = NotificationRepository(uow.session)
        for checkpoint, name, company in rows:
            notifications.enqueue(
                repo,
                company_id=uuid.UUID(company),
                event_type="onboarding.checkpoint_overdue",
                channel="slack",
                subject=f"Onboarding checkpoint overdue: day {checkpoint.checkpoint_day}",
                body=(
                    f"The day-{checkpoint.checkpoint_day} onboarding checkpoint of {name}, due "
                    f"{checkpoint.due_date:%Y-%m-%d}, is not answered yet."
                ),
                dedupe_key=f"onboarding-overdue:{checkpoint.id}",
            )
        uow.commit()
    return {"overdue": len(rows)}


def _detail(repo: OnboardingRepository, actor: Actor, plan: OnboardingPlan) -> Plan:
    row = repo.plan_row(actor.company_id, plan.id)
    if row is None:
        raise NotFoundError("Onboarding plan not found.")
    _, hire, name, title = row
    return _plan(plan, name, title, hire.start_date, repo.checkpoints(actor.company_id, [plan.id]))


def _plan(
    plan: OnboardingPlan,
    name: str,
    title: str | None,
    start: date | None,
    checkpoints: list[OnboardingCheckpoint],
) -> Plan:
    data = plan.plan_data or {}
    return Plan(
        id=plan.id,
        hire_name=name,
        role_title=title,
        start_date=start,
        status=plan.status,
        tasks=[dict(t) for t in data.get("tasks", [])],
        goals=dict(data.get("goals") or {}),
        checkpoints=[
            Checkpoint(
                day=c.checkpoint_day,
                due=c.due_date,
                alignment=c.alignment_score,
                answered_by=tuple(s for s in QUESTIONS if s in (c.feedback or {})),
                completed_at=c.completed_at,
                comments={
                    s: str(v.get("comment", ""))
                    for s, v in (c.feedback or {}).items()
                    if isinstance(v, dict) and v.get("comment")
                },
            )
            for c in checkpoints
        ],
    )
