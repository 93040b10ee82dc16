"""The GraphQL types (the seed's Company, Role, Candidate, DNAProfile) and the query root.
Every resolver calls the service its REST route calls, with the acting user."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Hashable
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.fastapi import BaseContext
from strawberry.scalars import JSON

from api.deps import CurrentActor, Uow
from api.graphql.limits import DEFAULT_FIRST, MAX_FIRST
from api.routes.companies import own_company
from core.db import UnitOfWork
from core.permissions import Permission
from core.services import candidate_feed, candidates, company_dna, fit_insight, roles
from core.services.auth import Actor
from core.services.errors import ValidationError

T = TypeVar("T")


# ----------------------------------------------------------------------------- context
class Context(BaseContext):
    """The acting user and the request's one unit of work, shared by every resolver."""

    def __init__(self, actor: Actor, uow: UnitOfWork) -> None:
        super().__init__()
        self.actor = actor
        self.uow = uow
        # Sibling fields resolve concurrently, but a UnitOfWork holds one session at a time.
        self._lock = asyncio.Lock()
        self._answers: dict[Hashable, Any] = {}

    async def call(
        self, service: Callable[..., T], *args: Any, key: Hashable | None = None, **kwargs: Any
    ) -> T:
        """``service(uow, actor, *args, **kwargs)`` in the thread pool (the services block,
        as FastAPI's sync routes do), one at a time; with ``key``, once per request."""
        async with self._lock:
            if key is not None and key in self._answers:
                return self._answers[key]
            answer = await run_in_threadpool(service, self.uow, self.actor, *args, **kwargs)
            if key is not None:
                self._answers[key] = answer
            return answer


def context(actor: CurrentActor, uow: Uow) -> Context:
    """The request's context (FastAPI resolves the actor and the unit of work)."""
    return Context(actor, uow)


def _ctx(info: strawberry.Info) -> Context:
    return info.context


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(f"'{value}' is not an id.") from None


# ----------------------------------------------------------------------------- enums
# The services' value lists, as GraphQL enums (REST's OpenAPI enums, schemas.py).
CandidateSort = strawberry.enum(
    Enum("CandidateSort", {s.upper(): s for s in candidate_feed.SORTS}),
    description="The order of a role's candidates (score orders need view_scores).",
)
CandidateStage = strawberry.enum(
    Enum("CandidateStage", {s.upper(): s for s in candidates.STAGES}),
    description="A candidate's stage in the pipeline.",
)


# ----------------------------------------------------------------------------- types
@strawberry.type(description="Who the credential speaks for: the user or key and its company.")
class Me:
    username: str = strawberry.field(description="The user, or api-key:<prefix> for a key.")
    full_name: str
    role: str
    company_id: strawberry.ID
    company_name: str
    permissions: list[str]


@strawberry.type(description="One culture dimension of the company's DNA.")
class CultureDimension:
    key: str
    name: str
    score: int
    evidence: list[str] = strawberry.field(description="The company's own sentences, verbatim.")


@strawberry.type(description="A hire the company's DNA suggests, and why.")
class HiringPriority:
    title: str
    department: str
    priority: str
    reason: str


@strawberry.type(name="DNAProfile", description="The company's DNA from its latest scan.")
class DNAProfile:
    stage: str
    stage_label: str | None
    velocity: str = strawberry.field(description="The velocity label, e.g. steady or unknown.")
    velocity_score: float | None = strawberry.field(description="Out of 100; null: no metrics.")
    culture_dna: list[CultureDimension] = strawberry.field(name="cultureDNA")
    team_gaps: list[str]
    hiring_priorities: list[HiringPriority]
    runway_months: int | None
    team_size: int | None
    scanned_at: datetime | None

    @classmethod
    def of(cls, view: company_dna.DnaView) -> DNAProfile | None:
        profile = view.profile
        if profile is None:
            return None
        velocity = profile.get("velocity") or {}
        return cls(
            stage=profile["stage"],
            stage_label=profile.get("stage_label"),
            velocity=velocity.get("label", "unknown"),
            velocity_score=velocity.get("score"),
            culture_dna=[
                CultureDimension(
                    key=d["key"], name=d["name"], score=d["score"], evidence=d["evidence"]
                )
                for d in profile.get("culture") or []
            ],
            team_gaps=list(profile.get("team_gaps") or []),
            hiring_priorities=[
                HiringPriority(
                    title=p["title"],
                    department=p["department"],
                    priority=p["priority"],
                    reason=p["reason"],
                )
                for p in profile.get("hiring_priorities") or []
            ],
            runway_months=profile.get("runway_months"),
            team_size=profile.get("team_size"),
            scanned_at=view.scanned_at,
        )


@strawberry.type(description="The caller's company (another company's id is not found).")
class Company:
    id: strawberry.ID
    name: str

    @strawberry.field(description="The stage from the latest DNA scan; null before one.")
    async def stage(self, info: strawberry.Info) -> str | None:
        view = await _ctx(info).call(company_dna.get_company_dna, key="dna")
        return (view.profile or {}).get("stage")

    @strawberry.field(description="The latest DNA scan (needs view_company_dna).")
    async def dna_profile(self, info: strawberry.Info) -> DNAProfile | None:
        return DNAProfile.of(await _ctx(info).call(company_dna.get_company_dna, key="dna"))

    @strawberry.field(description="The company's roles, by status then title (manage_roles).")
    async def roles(self, info: strawberry.Info) -> list[Role] | None:
        return [Role.of_row(r) for r in await _ctx(info).call(roles.list_roles, key="roles")]

    @classmethod
    def of(cls, actor: Actor) -> Company:
        return cls(id=strawberry.ID(str(actor.company_id)), name=actor.company_name)


@strawberry.type(description="A role of the caller's company (manage_roles).")
class Role:
    id: strawberry.ID
    title: str
    department: str | None
    priority: str | None
    status: str
    active_candidates: int
    detail: strawberry.Private[roles.RoleDetail | None] = None

    @strawberry.field(description="What the role needs: level, skills, market, difficulty.")
    async def intelligence(self, info: strawberry.Info) -> JSON | None:
        detail = self.detail
        if detail is None:  # listed by Company.roles: the list rows carry no intelligence
            detail = await _ctx(info).call(roles.get_role, _uuid(self.id), key=("role", self.id))
        return detail.intelligence

    @strawberry.field(description="The company the role belongs to (the caller's).")
    def company(self, info: strawberry.Info) -> Company:
        return Company.of(_ctx(info).actor)

    @strawberry.field(
        description=(
            f"The role's candidates the caller may see, a page at a time (first: 1 to "
            f"{MAX_FIRST}; after: the nextCursor of the page before, with the same sort)."
        )
    )
    async def candidates(
        self,
        info: strawberry.Info,
        first: int = DEFAULT_FIRST,
        after: str | None = None,
        sort: CandidateSort = CandidateSort.NEWEST,
        status: CandidateStage | None = None,
    ) -> CandidatePage | None:
        if not 1 <= first <= MAX_FIRST:
            raise ValidationError(f"first must be between 1 and {MAX_FIRST}.")
        if after is not None and len(after) > 400:  # as REST's cursor parameter
            raise ValidationError("The cursor does not belong to this list (sort).")
        page = await _ctx(info).call(
            candidate_feed.role_candidates,
            _uuid(self.id),
            status=status.value if status else None,
            sort=sort.value,
            cursor=after,
            limit=first,
        )
        return CandidatePage(
            items=[Candidate.of_row(r, page.scores_visible) for r in page.rows],
            next_cursor=page.next_cursor,
            scores_visible=page.scores_visible,
        )

    @classmethod
    def of_row(
        cls, row: roles.RoleRow | roles.RoleDetail, detail: roles.RoleDetail | None = None
    ) -> Role:
        """A listed role, or (with ``detail``) one read whole, whose intelligence is known."""
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            department=row.department,
            priority=row.priority,
            status=row.status,
            active_candidates=row.active_candidates,
            detail=detail,
        )


@strawberry.type(description="A candidate the caller may see.")
class Candidate:
    id: strawberry.ID
    full_name: str | None
    email: str
    status: str
    role_title: str | None
    source: str | None
    applied_at: datetime
    fit_score: int | None = strawberry.field(
        description="Null: not scored yet, or hidden from the caller's role (scoresVisible)."
    )
    scores_visible: bool
    # Known when listed by Role.candidates (its row carries it); candidate(id) reads the
    # stored fit, as the REST profile carries no success probability.
    listed_success: strawberry.Private[int | None] = None
    listed: strawberry.Private[bool] = False

    @strawberry.field(
        description=(
            "In Role.candidates: null when not scored or hidden. In candidate(id): from the "
            "stored fit, which needs view_scores (a forbidden error otherwise)."
        )
    )
    async def success_probability(self, info: strawberry.Info) -> int | None:
        if self.listed:
            return self.listed_success
        return (await self._insight(info)).success_probability

    @strawberry.field(description="How the fit score was made (needs view_scores).")
    async def fit_breakdown(self, info: strawberry.Info) -> JSON | None:
        return (await self._insight(info)).breakdown

    @strawberry.field(description="The talent genome; null before scoring (needs view_scores).")
    async def genome(self, info: strawberry.Info) -> JSON | None:
        return (await self._insight(info)).genome

    async def _insight(self, info: strawberry.Info) -> fit_insight.Insight:
        return await _ctx(info).call(
            fit_insight.candidate_insight, _uuid(self.id), key=("insight", self.id)
        )

    @classmethod
    def of_row(cls, row: candidates.CandidateRow, scores_visible: bool) -> Candidate:
        return cls(
            id=strawberry.ID(str(row.id)),
            full_name=row.full_name,
            email=row.email,
            status=row.status,
            role_title=row.role_title,
            source=row.source,
            applied_at=row.applied_at,
            fit_score=row.fit_score,
            scores_visible=scores_visible,
            listed_success=row.success_probability,
            listed=True,
        )

    @classmethod
    def of_profile(cls, profile: candidates.CandidateProfile) -> Candidate:
        return cls(
            id=strawberry.ID(str(profile.id)),
            full_name=profile.full_name,
            email=profile.email,
            status=profile.status,
            role_title=profile.role_title,
            source=profile.source,
            applied_at=profile.applied_at,
            fit_score=profile.fit_score,
            scores_visible=profile.scores_visible,
        )


@strawberry.type(description="One page of a role's candidates.")
class CandidatePage:
    items: list[Candidate]
    next_cursor: str | None = strawberry.field(
        description="Pass as after: for the next page; null: this is the last."
    )
    scores_visible: bool = strawberry.field(
        description="False: the caller's role does not see scores (they are null)."
    )


@strawberry.type
class Query:
    @strawberry.field(description="Who the credential speaks for and what it may do.")
    def me(self, info: strawberry.Info) -> Me:
        actor = _ctx(info).actor
        return Me(
            username=actor.username,
            full_name=actor.full_name,
            role=actor.role,
            company_id=strawberry.ID(str(actor.company_id)),
            company_name=actor.company_name,
            permissions=[str(p) for p in Permission if actor.can(p)],
        )

    @strawberry.field(description="The caller's own company; any other id is not found.")
    def company(self, info: strawberry.Info, id: strawberry.ID) -> Company | None:
        actor = _ctx(info).actor
        own_company(actor, _uuid(id))
        return Company.of(actor)

    @strawberry.field(description="A role of the caller's company (needs manage_roles).")
    async def role(self, info: strawberry.Info, id: strawberry.ID) -> Role | None:
        role_id = _uuid(id)
        detail = await _ctx(info).call(roles.get_role, role_id, key=("role", id))
        return Role.of_row(detail, detail)

    @strawberry.field(description="A candidate the caller may see (the view is audited).")
    async def candidate(self, info: strawberry.Info, id: strawberry.ID) -> Candidate | None:
        profile = await _ctx(info).call(candidates.get_candidate_profile, _uuid(id))
        return Candidate.of_profile(profile)
