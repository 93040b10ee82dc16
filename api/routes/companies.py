"""A company's DNA and roles."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api import schemas
from api.deps import CurrentActor, Uow
from core.services import company_dna, roles
from core.services.auth import Actor
from core.services.errors import NotFoundError

router = APIRouter(prefix="/companies/{company_id}", tags=["companies"])


def own_company(actor: Actor, company_id: uuid.UUID) -> None:
    # Another company's id answers as an unknown one: a refusal confirms nothing.
    if company_id != actor.company_id:
        raise NotFoundError("Company not found.")


@router.get("/dna", response_model=schemas.CompanyDna)
def dna(company_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.CompanyDna:
    """The company's DNA profile from its latest scan, its team and recommendations."""
    own_company(actor, company_id)
    return schemas.CompanyDna.model_validate(company_dna.get_company_dna(uow, actor))


@router.get("/dna/recommendations", response_model=schemas.Recommendations)
def recommendations(
    company_id: uuid.UUID, actor: CurrentActor, uow: Uow
) -> schemas.Recommendations:
    """What the DNA suggests the company does next."""
    own_company(actor, company_id)
    view = company_dna.get_company_dna(uow, actor)
    return schemas.Recommendations(company_id=company_id, recommendations=view.recommendations)


@router.get("/roles", response_model=list[schemas.RoleSummary])
def list_roles(
    company_id: uuid.UUID, actor: CurrentActor, uow: Uow, status: str | None = None
) -> list[schemas.RoleSummary]:
    """The company's roles (optionally of one status: draft, open, paused, closed)."""
    own_company(actor, company_id)
    return [schemas.RoleSummary.model_validate(r) for r in roles.list_roles(uow, actor, status)]
