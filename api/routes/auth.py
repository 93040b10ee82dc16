"""Logins of the API: access and refresh tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from api import schemas
from api.deps import Client, CurrentActor, Now, Uow
from core.permissions import Permission
from core.services import api_access

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=schemas.TokenPair)
def token(body: schemas.TokenRequest, uow: Uow, client: Client, now: Now) -> schemas.TokenPair:
    """Log in with a username and password (the app's lockout applies): a short-lived
    access token and a refresh token."""
    pair = api_access.log_in(uow, body.username, body.password, client, now)
    return schemas.TokenPair.model_validate(pair)


@router.post("/refresh", response_model=schemas.TokenPair)
def refresh(body: schemas.RefreshRequest, uow: Uow, client: Client, now: Now) -> schemas.TokenPair:
    """Spend a refresh token for a new pair. A token used twice ends the whole login."""
    pair = api_access.refresh(uow, body.refresh_token, client, now)
    return schemas.TokenPair.model_validate(pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(body: schemas.RefreshRequest, uow: Uow, now: Now) -> None:
    """End the login of this refresh token, its access tokens included."""
    api_access.log_out(uow, body.refresh_token, now)


me_router = APIRouter(tags=["auth"])


@me_router.get("/me", response_model=schemas.Me)
def me(actor: CurrentActor) -> schemas.Me:
    """Who the credential speaks for: the user or key, its company and what it may do."""
    return schemas.Me(
        username=actor.username,
        full_name=actor.full_name,
        role=actor.role,
        company_id=actor.company_id,
        company_name=actor.company_name,
        permissions=[str(p) for p in Permission if actor.can(p)],
    )
