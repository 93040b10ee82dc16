"""Onboarding plans: by hire, by plan, and the 7/30/60/90-day checkpoints."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api import schemas
from api.deps import CurrentActor, Now, Uow
from core.services import onboarding

router = APIRouter(tags=["onboarding"])


@router.get("/hires/{hire_id}/onboarding", response_model=schemas.OnboardingPlan)
def plan_of_hire(hire_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.OnboardingPlan:
    """The onboarding plan made when the candidate was hired."""
    return schemas.OnboardingPlan.model_validate(onboarding.plan_of_hire(uow, actor, hire_id))


@router.post(
    "/hires/{hire_id}/onboarding/start",
    response_model=schemas.OnboardingPlan,
    responses={201: {"model": schemas.OnboardingPlan, "description": "A plan was made."}},
)
def start(
    hire_id: uuid.UUID, actor: CurrentActor, uow: Uow, now: Now, response: Response
) -> schemas.OnboardingPlan:
    """Start the hire's onboarding: the plan made at hire becomes in progress (200), or a
    hire without a plan gets one made and started (201). Starting again changes nothing."""
    plan, created = onboarding.start_plan(uow, actor, hire_id, now)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return schemas.OnboardingPlan.model_validate(plan)


@router.get("/onboarding/{plan_id}/status", response_model=schemas.OnboardingPlan)
def plan_status(plan_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.OnboardingPlan:
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
