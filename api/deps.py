"""What every route needs: the database, the time, the client and the acting user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from core.config import get_settings
from core.db import Database, UnitOfWork
from core.services import api_access, client_address
from core.services.api_access import CredentialsError
from core.services.auth import Actor

_bearer = HTTPBearer(auto_error=False, description="An access token, or an API key")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key")


def database(request: Request) -> Database:
    return request.app.state.database


def uow(request: Request) -> UnitOfWork:
    return database(request).uow()


def now() -> datetime:
    return datetime.now(UTC)


def client(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    return client_address.resolve(
        peer, request.headers.get("x-forwarded-for"), get_settings().trusted_proxies
    )


def actor(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    key: Annotated[str | None, Security(_api_key)],
) -> Actor:
    """The user of the access token, or the service account of the API key."""
    secret = key or (bearer.credentials if bearer else None)
    if not secret:
        raise CredentialsError("Log in (POST /api/v1/auth/token) or send an API key.")
    if secret.startswith(api_access.KEY_PREFIX):
        return api_access.actor_from_key(uow(request), secret, client(request), now())
    return api_access.actor_from_access_token(uow(request), secret, client(request), now())


Uow = Annotated[UnitOfWork, Depends(uow)]
Now = Annotated[datetime, Depends(now)]
Client = Annotated[str, Depends(client)]
CurrentActor = Annotated[Actor, Depends(actor)]
