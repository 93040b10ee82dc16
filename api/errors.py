"""One JSON shape for every error: ``{"error": {"code", "message", "details"?}}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from core.services.api_access import CredentialsError
from core.services.errors import (
    LoginBlockedError,
    NotFoundError,
    PeopleOSError,
    PermissionDeniedError,
    ValidationError,
)

# Domain error -> (HTTP status, code); the first match wins (subclasses first).
STATUSES: tuple[tuple[type[PeopleOSError], int, str], ...] = (
    (CredentialsError, 401, "unauthorized"),
    (LoginBlockedError, 429, "rate_limited"),
    (NotFoundError, 404, "not_found"),
    (PermissionDeniedError, 403, "forbidden"),
    (ValidationError, 422, "invalid"),
    (PeopleOSError, 400, "refused"),
)
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PeopleOSError)
    status, code = next((s, c) for kind, s, c in STATUSES if isinstance(exc, kind))
    headers = {}
    if isinstance(exc, LoginBlockedError):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if isinstance(exc, CredentialsError):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error_body(code, str(exc)), status_code=status, headers=headers)


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Where and why only: the rejected input itself may be a password or personal data.
    details = [
        {"location": [str(part) for part in error.get("loc", ())], "problem": error.get("msg")}
        for error in exc.errors()
    ]
    return JSONResponse(
        error_body("invalid", "The request is not valid.", details), status_code=422
    )


def _allowed(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first
    route's, and a path's GET and POST are two routes). Asked of each top-level route by
    Starlette's own matching: FastAPI keeps included routers as opaque entries there."""
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    )


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "The request was refused."
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(request)
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        error_body("server_error", "Something went wrong on our side; nothing was changed."),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(PeopleOSError, _domain)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
