"""What every route needs: the database, the time, the client and the acting user."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from core.config import get_settings
from core.db import Database, UnitOfWork
from core.services import api_access, client_address, model_registry, roles
from core.services.api_access import CredentialsError
from core.services.auth import Actor
from ml.dna import TextEncoder
from ml.training import TrainedModels

_bearer = HTTPBearer(auto_error=False, description="An access token, or an API key")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key")


def database(request: Request) -> Database:
    return request.app.state.database


def uow(request: Request) -> UnitOfWork:
    return database(request).uow()


def models(request: Request) -> TrainedModels:
    """The serving models, from the registry (loaded once per process, as the pages do)."""
    return model_registry.load_models(db=database(request))


class _Language:
    """MiniLM and the reference postings, loaded on first use and kept by the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._encoder: TextEncoder | None = None
        self._references: Any = None

    def encoder(self) -> TextEncoder:
        with self._lock:
            if self._encoder is None:
                from ml.embeddings import Embedder

                self._encoder = Embedder().load()
            return self._encoder

    def references(self) -> Any:
        encoder = self.encoder()
        with self._lock:
            if self._references is None:
                self._references = roles.reference_index(encoder)
            return self._references


LANGUAGE = _Language()


def encoder() -> TextEncoder:
    return LANGUAGE.encoder()


def references() -> Any:
    return LANGUAGE.references()


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
Models = Annotated[TrainedModels, Depends(models)]
Encoder = Annotated[TextEncoder, Depends(encoder)]
References = Annotated[Any, Depends(references)]
