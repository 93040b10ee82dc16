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

import logging
from typing import Any

import strawberry
from cross_web import HTTPException
from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.unset import UNSET

from api import errors
from api.graphql.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, QueryCost
from api.graphql.types import Query, context
from core.services.errors import PeopleOSError

__all__ = ["router", "schema"]
log = logging.getLogger(__name__)


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
    context_getter=context,
    # OpenAPI cannot describe GraphQL operations; the GraphQL schema describes itself.
    include_in_schema=False,
)
# Only the POST route: GET answers 405 like any other route, and there are no
# subscriptions (the schema has none, and the actor dependency reads an HTTP request).
router.routes = [r for r in router.routes if isinstance(r, APIRoute) and "POST" in r.methods]
