"""GraphQL at /api/v1/graphql (POST): the seed's Company, Role, Candidate and DNAProfile.

A third adapter over the core services, beside the pages and the REST routes: the same
credential (``api.deps.actor``: no or a bad one answers 401 in the REST error shape), and
every resolver calls the service its REST route calls, with the actor. The services decide
what a role may see; a refusal, or another company's id (answered exactly as an unknown
one), is a GraphQL error with ``extensions.code`` from ``api.errors.STATUSES``, never data.

Before anything resolves, a query is refused when it is deeper than MAX_DEPTH, has more than
MAX_ALIASES aliases or MAX_TOKENS tokens, or costs more than MAX_COST (see QueryCost).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Hashable
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry
from cross_web import HTTPException
from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    is_object_type,
)
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.scalars import JSON
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.unset import UNSET

from api import errors
from api.deps import CurrentActor, Uow
from api.routes.companies import own_company
from core.db import UnitOfWork
from core.permissions import Permission
from core.services import candidate_feed, candidates, company_dna, fit_insight, roles
from core.services.auth import Actor
from core.services.errors import PeopleOSError, ValidationError

# Nesting deeper than this is refused. Depth counts as strawberry counts it (a root field is
# at 0): the deepest query that does not go round a cycle, company{roles{candidates{items{
# genome}}}}, reaches 4. Role.company makes the graph cyclic: without a bound, one request
# could nest without end.
MAX_DEPTH = 4
# Aliases let one query ask for the same expensive field many times over.
MAX_ALIASES = 15
# Bounds the parser's work before any rule runs (the standard introspection query is ~170).
MAX_TOKENS = 1_000
# Role.candidates(first:) at most, and its default; the REST feed allows up to 200 a page,
# GraphQL fewer because one query can page every role at once.
MAX_FIRST = 100
DEFAULT_FIRST = 50
# What an unpaged list of objects (Company.roles, DNAProfile.cultureDNA, ...) is assumed to
# hold when estimating cost: they are short in practice, and the estimate must not depend
# on the data.
DEFAULT_LIST_SIZE = 20
# The most a query may cost: each field 1, a list's selections times its page size.
MAX_COST = 5_000

log = logging.getLogger(__name__)
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


def _context(actor: CurrentActor, uow: Uow) -> Context:
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
    def of_row(cls, row: roles.RoleRow) -> Role:
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            department=row.department,
            priority=row.priority,
            status=row.status,
            active_candidates=row.active_candidates,
        )

    @classmethod
    def of_detail(cls, detail: roles.RoleDetail) -> Role:
        return cls(
            id=strawberry.ID(str(detail.id)),
            title=detail.title,
            department=detail.department,
            priority=detail.priority,
            status=detail.status,
            active_candidates=detail.active_candidates,
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
        return Role.of_detail(detail)

    @strawberry.field(description="A candidate the caller may see (the view is audited).")
    async def candidate(self, info: strawberry.Info, id: strawberry.ID) -> Candidate | None:
        profile = await _ctx(info).call(candidates.get_candidate_profile, _uuid(id))
        return Candidate.of_profile(profile)


# ----------------------------------------------------------------------------- cost
def _page_size(node: FieldNode, field: Any) -> int | None:
    """The ``first`` a field asks for: its literal value, MAX_FIRST for a variable (not
    known when validating), the argument's default when left out; None: no such argument."""
    if "first" not in field.args:
        return None
    for argument in node.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return int(argument.value.value)
            if isinstance(argument.value, VariableNode):
                return MAX_FIRST
            return None  # a wrong literal: the schema's own rules refuse it
    default = field.args["first"].default_value
    return default if isinstance(default, int) else MAX_FIRST


class QueryCost(ValidationRule):
    """Refuse an operation whose estimated cost exceeds MAX_COST.

    Each field costs 1. A list of objects multiplies its selections by its page size: the
    ``first`` of the field that pages it (itself, or the page-returning field above it, as
    Role.candidates for its items), else DEFAULT_LIST_SIZE. Introspection is free (the token
    limit bounds it).
    """

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        root = self.context.schema.get_root_type(node.operation)
        if root is None:
            return
        cost = self._selections(node.selection_set, root, None, frozenset())
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"The query costs {cost:,}, more than the limit of {MAX_COST:,} (each "
                    "field 1, a list's fields times its page size: ask for fewer fields "
                    "or smaller pages).",
                    node,
                    extensions={"code": "too_costly", "cost": cost, "limit": MAX_COST},
                )
            )

    def _selections(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType,
        page: int | None,
        fragments: frozenset[str],
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, page, fragments)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.context.schema.get_type(condition.name.value) if condition else parent
                if is_object_type(kind):
                    total += self._selections(selection.selection_set, kind, page, fragments)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in fragments:  # unknown or a cycle: other rules
                    continue
                kind = self.context.schema.get_type(fragment.type_condition.name.value)
                if is_object_type(kind):
                    total += self._selections(
                        fragment.selection_set, kind, page, fragments | {name}
                    )
        return total

    def _field(
        self, node: FieldNode, parent: GraphQLObjectType, page: int | None, fragments: frozenset
    ) -> int:
        name = node.name.value
        field = parent.fields.get(name)
        if name.startswith("__") or field is None:
            return 0
        size = _page_size(node, field)
        if size is not None:
            page = size
        if node.selection_set is None:
            return 1
        kind = get_named_type(field.type)
        if not is_object_type(kind):
            return 1
        if is_list_type(get_nullable_type(field.type)):
            times = page if page is not None else DEFAULT_LIST_SIZE
            return 1 + times * self._selections(node.selection_set, kind, None, fragments)
        return 1 + self._selections(node.selection_set, kind, page, fragments)


# ----------------------------------------------------------------------------- errors
def _code(error: GraphQLError) -> str:
    """The REST code of a domain refusal; ``invalid`` for a query the schema refuses."""
    original = error.original_error
    if isinstance(original, PeopleOSError):
        return next(code for kind, _, code in errors.STATUSES if isinstance(original, kind))
    if _unexpected(error):
        return "server_error"
    return str((error.extensions or {}).get("code", "invalid"))


def _unexpected(error: GraphQLError) -> bool:
    """A resolver failed on something else than a domain refusal: a bug, not the caller's."""
    original = error.original_error
    return (
        error.path is not None
        and original is not None
        and not isinstance(original, (PeopleOSError, GraphQLError))
    )


def _formatted(error: GraphQLError) -> dict[str, Any]:
    shown = dict(error.formatted)
    if _unexpected(error):
        # As the REST handler: the exception's text may name tables, values or paths.
        shown["message"] = "Something went wrong on our side; nothing was changed."
    shown["extensions"] = {**(error.extensions or {}), "code": _code(error)}
    return shown


class _Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Refusals and invalid queries are the caller's answer, not the server's trouble.
        for error in errors:
            if _unexpected(error):
                log.error("GraphQL resolver failed", exc_info=error.original_error)


class _Router(GraphQLRouter):
    """Strawberry's router with the REST error shape for what fails before GraphQL runs
    (a body that is not JSON) and error codes on every GraphQL error."""

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            code = errors.HTTP_CODES.get(exc.status_code, "error")
            return JSONResponse(errors.error_body(code, exc.reason), status_code=exc.status_code)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if result.errors:
            response["errors"] = [_formatted(e) for e in result.errors]
        return response


schema = _Schema(
    query=Query,
    # Factories: strawberry builds each extension afresh for every request.
    extensions=[
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules([QueryCost]),
    ],
)

router = _Router(
    schema,
    path="/graphql",
    # No GraphiQL and no queries over GET: both would need the credential header a browser
    # does not send, and POST alone keeps one way in.
    graphql_ide=None,
    allow_queries_via_get=False,
    subscription_protocols=(),
    context_getter=_context,
    # OpenAPI cannot describe GraphQL operations; the GraphQL schema describes itself.
    include_in_schema=False,
)
# Only the POST route: GET answers 405 like any other route, and there are no
# subscriptions (the schema has none, and the actor dependency reads an HTTP request).
router.routes = [r for r in router.routes if isinstance(r, APIRoute) and "POST" in r.methods]
