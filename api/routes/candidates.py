"""One candidate: profile and talent genome."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api import schemas
from api.deps import CurrentActor, Models, Now, Uow
from core.services import candidates, fit_insight, interviews, scoring

router = APIRouter(prefix="/candidates/{candidate_id}", tags=["candidates"])


@router.get("", response_model=schemas.Candidate)
def get_candidate(candidate_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.Candidate:
    """The candidate's profile (the view is audited); scores only for roles that see them."""
    return schemas.Candidate.model_validate(
        candidates.get_candidate_profile(uow, actor, candidate_id)
    )


@router.get("/genome", response_model=schemas.Genome)
def genome(candidate_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.Genome:
    """The candidate's talent genome (for roles that see scores)."""
    insight = fit_insight.candidate_insight(uow, actor, candidate_id)
    return schemas.Genome(candidate_id=insight.candidate_id, genome=insight.genome)


@router.put("", response_model=schemas.Candidate)
def move(
    candidate_id: uuid.UUID, body: schemas.StageMove, actor: CurrentActor, uow: Uow, now: Now
) -> schemas.Candidate:
    """Move the candidate to another stage, with the reason (a person decides; offers and
    hires carry details and are made in the app)."""
    candidates.move_stage(
        uow,
        actor,
        [candidate_id],
        body.status,
        reason=body.reason,
        now=now,
        reason_code=body.reason_code,
    )
    return get_candidate(candidate_id, actor, uow)


@router.post("/score", response_model=schemas.Score)
def score(
    candidate_id: uuid.UUID, actor: CurrentActor, uow: Uow, models: Models, now: Now
) -> schemas.Score:
    """Score the candidate again with the company's serving models."""
    result = scoring.rescore_candidate(uow, actor, candidate_id, models, now)
    return schemas.Score.model_validate(result)


@router.get("/interviews", response_model=list[schemas.Interview])
def candidate_interviews(
    candidate_id: uuid.UUID, actor: CurrentActor, uow: Uow, now: Now
) -> list[schemas.Interview]:
    """The candidate's interviews the caller may see: upcoming first, then past ones."""
    candidates.get_candidate_profile(uow, actor, candidate_id)  # unknown or not visible: 404
    views = [
        *interviews.list_interviews(uow, actor, now, candidate_id=candidate_id),
        *interviews.list_interviews(uow, actor, now, upcoming=False, candidate_id=candidate_id),
    ]
    return [schemas.Interview.model_validate(v) for v in views]


@router.post("/predict", response_model=fit_insight.WhatIf)
def predict(
    candidate_id: uuid.UUID,
    body: schemas.WhatIfRequest,
    actor: CurrentActor,
    uow: Uow,
    models: Models,
) -> fit_insight.WhatIf:
    """The candidate's fit if some features were different, explained (nothing is stored)."""
    return fit_insight.candidate_what_if(uow, actor, candidate_id, models, body.changes)
