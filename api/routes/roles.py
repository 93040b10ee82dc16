"""One role: its definition, intelligence and candidates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api import schemas
from api.deps import CurrentActor, Uow
from core.services import candidate_feed, roles

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
def candidates(
    role_id: uuid.UUID,
    actor: CurrentActor,
    uow: Uow,
    status: str | None = None,
    sort: Annotated[str, Query(description="newest, fit or success")] = "newest",
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
