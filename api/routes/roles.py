"""One role: its definition, intelligence and candidates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api import schemas
from api.deps import CurrentActor, Encoder, Now, References, Uow
from core.services import candidate_feed, candidates, roles, sourcing
from core.services.roles import RoleEdits

router = APIRouter(prefix="/roles/{role_id}", tags=["roles"])


@router.get("", response_model=schemas.Role)
def get_role(role_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.Role:
    return schemas.Role.model_validate(roles.get_role(uow, actor, role_id))


@router.get("/intelligence", response_model=schemas.RoleIntelligence)
def intelligence(role_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.RoleIntelligence:
    """What the role needs: level, skills, market and hiring difficulty."""
    role = roles.get_role(uow, actor, role_id)
    return schemas.RoleIntelligence(role_id=role.id, intelligence=role.intelligence)


@router.get("/candidates", response_model=schemas.CandidatePage)
def list_candidates(
    role_id: uuid.UUID,
    actor: CurrentActor,
    uow: Uow,
    status: schemas.Stage | None = None,
    sort: schemas.CandidateSort = "newest",
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=candidate_feed.MAX_LIMIT)] = 50,
) -> schemas.CandidatePage:
    """The role's candidates the caller may see, a page at a time (follow next_cursor)."""
    page = candidate_feed.role_candidates(
        uow, actor, role_id, status=status, sort=sort, cursor=cursor, limit=limit
    )
    return schemas.CandidatePage(
        items=[schemas.CandidateSummary.model_validate(r) for r in page.rows],
        next_cursor=page.next_cursor,
        scores_visible=page.scores_visible,
    )


@router.post("/candidates", response_model=schemas.Candidate, status_code=status.HTTP_201_CREATED)
def add_candidate(
    role_id: uuid.UUID, body: schemas.CandidateCreate, actor: CurrentActor, uow: Uow, now: Now
) -> schemas.Candidate:
    """Add a candidate you sourced to the role, as applied (the worker scores them next);
    the same email already on this role is refused, never overwritten."""
    new = sourcing.NewCandidate(**body.model_dump())
    candidate_id = sourcing.add_candidate(uow, actor, role_id, new, now)
    return schemas.Candidate.model_validate(
        candidates.get_candidate_profile(uow, actor, candidate_id)
    )


@router.put("", response_model=schemas.Role)
def update_role(
    role_id: uuid.UUID,
    body: schemas.RoleUpdate,
    actor: CurrentActor,
    uow: Uow,
    encoder: Encoder,
    now: Now,
) -> schemas.Role:
    """Change a role's definition and, with ``status``, publish, fill, close or reopen it."""
    fields = body.model_dump(exclude_unset=True)
    status = fields.pop("status", None)
    detail = None
    if fields:
        detail = roles.update_role(uow, actor, role_id, RoleEdits(**fields), encoder, now)
    if status is not None:
        detail = roles.set_status(uow, actor, role_id, status, now)
    return schemas.Role.model_validate(detail or roles.get_role(uow, actor, role_id))


@router.post("/generate-jd", response_model=schemas.Role)
def generate_jd(
    role_id: uuid.UUID,
    actor: CurrentActor,
    uow: Uow,
    encoder: Encoder,
    references: References,
    now: Now,
) -> schemas.Role:
    """Write the role's intelligence and job description again from the company's DNA."""
    detail = roles.regenerate_role(uow, actor, role_id, encoder, now, references=references)
    return schemas.Role.model_validate(detail)
