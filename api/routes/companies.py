"""A company's DNA and roles."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from api import schemas
from api.deps import CurrentActor, Encoder, Now, References, Uow
from core.services import analytics, company_dna, hires, predictions, roles
from core.services.auth import Actor
from core.services.errors import NotFoundError
from core.services.roles import RoleDraft

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
    company_id: uuid.UUID, actor: CurrentActor, uow: Uow, status: schemas.RoleStatus | None = None
) -> list[schemas.RoleSummary]:
    """The company's roles (optionally of one status: draft, active, filled, closed)."""
    own_company(actor, company_id)
    return [schemas.RoleSummary.model_validate(r) for r in roles.list_roles(uow, actor, status)]


@router.get("/analytics", response_model=analytics.AnalyticsReport)
def report(
    company_id: uuid.UUID,
    actor: CurrentActor,
    uow: Uow,
    now: Now,
    since: date | None = None,
    until: date | None = None,
    role_id: uuid.UUID | None = None,
) -> analytics.AnalyticsReport:
    """The Analytics page's report: funnel, sources, time in stage and to hire, offers,
    prediction accuracy, forecasts and recommendations (each with the cases it rests on)."""
    own_company(actor, company_id)
    return analytics.analytics_report(uow, actor, now.date(), since, until, role_id)


@router.get("/outcomes", response_model=list[schemas.Outcome])
def outcomes(company_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> list[schemas.Outcome]:
    """The company's hires with their real outcome when recorded, latest start first."""
    own_company(actor, company_id)
    return [schemas.Outcome.model_validate(h) for h in hires.list_hires(uow, actor)]


@router.post("/dna/scan", response_model=schemas.DnaScan)
def scan(
    company_id: uuid.UUID, actor: CurrentActor, uow: Uow, encoder: Encoder, now: Now
) -> schemas.DnaScan:
    """Scan the company's latest StartupOS snapshot into a new DNA profile."""
    own_company(actor, company_id)
    return schemas.DnaScan.model_validate(company_dna.scan_company(uow, actor, encoder, now))


@router.post("/roles", response_model=schemas.Role, status_code=status.HTTP_201_CREATED)
def create_role(
    company_id: uuid.UUID,
    body: schemas.RoleCreate,
    actor: CurrentActor,
    uow: Uow,
    encoder: Encoder,
    references: References,
    now: Now,
) -> schemas.Role:
    """A new draft role with its intelligence and job description written from the DNA."""
    own_company(actor, company_id)
    draft = RoleDraft(body.title, body.department, body.priority)
    detail = roles.create_role(uow, actor, draft, encoder, now, references=references)
    return schemas.Role.model_validate(detail)


@router.get("/predictions", response_model=schemas.PredictionPage)
def list_predictions(
    company_id: uuid.UUID,
    actor: CurrentActor,
    uow: Uow,
    prediction_type: Annotated[str | None, Query(max_length=50)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=predictions.MAX_LIMIT)] = 50,
) -> schemas.PredictionPage:
    """Every stored prediction, newest first, with the model version that made it and the
    real outcome once matched (follow next_cursor for more)."""
    own_company(actor, company_id)
    page = predictions.list_predictions(
        uow, actor, prediction_type=prediction_type, cursor=cursor, limit=limit
    )
    return schemas.PredictionPage(
        items=[schemas.Prediction.model_validate(r) for r in page.rows],
        next_cursor=page.next_cursor,
    )
