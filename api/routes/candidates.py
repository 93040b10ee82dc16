"""One candidate: profile and talent genome."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api import schemas
from api.deps import CurrentActor, Uow
from core.services import candidates, fit_insight

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
