"""Onboarding plans: by hire, by plan, and the 7/30/60/90-day checkpoints."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api import schemas
from api.deps import CurrentActor, Now, Uow
from core.services import onboarding

router = APIRouter(tags=["onboarding"])


@router.get("/hires/{hire_id}/onboarding", response_model=schemas.OnboardingPlan)
def plan_of_hire(hire_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.OnboardingPlan:
    """The onboarding plan made when the candidate was hired."""
    return schemas.OnboardingPlan.model_validate(onboarding.plan_of_hire(uow, actor, hire_id))


@router.get("/onboarding/{plan_id}/status", response_model=schemas.OnboardingPlan)
def status(plan_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.OnboardingPlan:
    """The plan's status, tasks and checkpoints (the new hire's own, or any for managers)."""
    return schemas.OnboardingPlan.model_validate(onboarding.get_plan(uow, actor, plan_id))


@router.post("/onboarding/{plan_id}/checkpoint", response_model=schemas.OnboardingPlan)
def checkpoint(
    plan_id: uuid.UUID,
    body: schemas.CheckpointAnswers,
    actor: CurrentActor,
    uow: Uow,
    now: Now,
) -> schemas.OnboardingPlan:
    """Answer a checkpoint from the caller's side: the new hire on their own plan, a manager
    on any (the questions' keys are in the body's description)."""
    plan = onboarding.answer_checkpoint(
        uow, actor, plan_id, body.day, body.answers, body.comment, now
    )
    return schemas.OnboardingPlan.model_validate(plan)
