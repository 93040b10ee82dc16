"""Who calls the REST API: users with JWT access tokens and rotating refresh tokens, and
service accounts with API keys.

A login (username + password, with the app's lockout) gets a short-lived access token (a
JWT signed with a key derived from ``PEOPLEOS_SECRET_KEY``) and a refresh token. Only the
refresh token's SHA-256 is stored. Each refresh spends it and issues the next token of the
same family (the login); a spent token presented again was copied, so the whole family is
revoked, and with it every access token the login issued (each request checks its family).

An API key acts for its company with exactly the permissions listed when an admin made it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from core.config import get_settings
from core.db import UnitOfWork
from core.models import ApiKey, ApiRefreshToken
from core.permissions import Permission
from core.repositories.api_access import ApiAccessRepository
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.rate_limits import RateLimitRepository
from core.repositories.users import UserRepository
from core.services import auth
from core.services.auth import Actor
from core.services.errors import LoginBlockedError, NotFoundError, ValidationError
from core.services.rate_limits import Limit, blocked_until, record

ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
ISSUER = "peopleos"
ALGORITHM = "HS256"
KEY_PREFIX = "pos_"
# Wrong tokens and keys from one client: past this, it waits (429) like a locked login.
CLIENT_CREDENTIAL_LIMIT = Limit(count=30, window=timedelta(minutes=15), block=timedelta(minutes=15))
# Permissions that act as a person (their account, their plan, their pulse answers, other
# people's accounts and personal data): never held by a service account's key.
PERSONAL_PERMISSIONS = frozenset(
    {
        Permission.MANAGE_USERS,
        Permission.MANAGE_PRIVACY,
        Permission.MANAGE_OWN_ACCOUNT,
        Permission.VIEW_OWN_ONBOARDING,
        Permission.ANSWER_PULSE,
    }
)
KEY_PERMISSIONS = tuple(p for p in Permission if p not in PERSONAL_PERMISSIONS)
# A permission a later version dropped no longer grants anything.
_KNOWN = frozenset(p.value for p in Permission)
# last_used_at is written at most this often per key (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class CredentialsError(ValidationError):
    """A token or key that opens nothing (wrong, expired, revoked)."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives


@dataclass(frozen=True)
class ApiKeyView:
    id: uuid.UUID
    name: str
    prefix: str
    permissions: tuple[str, ...]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _signing_key() -> bytes:
    # A key of its own, derived from the app's secret: a cookie signature is no token.
    return hmac.new(
        get_settings().secret_key.encode(), b"peopleos-api-access-token", hashlib.sha256
    ).digest()


def _client_bucket(client: str | None) -> str:
    return f"api-credential-fail:client:{client or 'unknown'}"


def _refuse(uow: UnitOfWork, client: str | None, now: datetime, message: str) -> CredentialsError:
    """Count a wrong credential against the client and commit; the error to raise."""
    record(RateLimitRepository(uow.session), _client_bucket(client), CLIENT_CREDENTIAL_LIMIT, now)
    uow.commit()
    return CredentialsError(message)


def _check_client(uow: UnitOfWork, client: str | None, now: datetime) -> None:
    until = blocked_until(
        RateLimitRepository(uow.session), _client_bucket(client), CLIENT_CREDENTIAL_LIMIT, now
    )
    if until is not None:
        seconds = max(1, int((until - now).total_seconds()) + 1)
        raise LoginBlockedError(
            "Too many wrong tokens or keys from this address. Try again later.", seconds
        )


def _issue(
    repo: ApiAccessRepository,
    user_id: uuid.UUID,
    company_id: uuid.UUID,
    family_id: uuid.UUID,
    client: str | None,
    now: datetime,
) -> TokenPair:
    refresh = secrets.token_urlsafe(32)
    repo.add_refresh_token(
        ApiRefreshToken(
            token_hash=_hash(refresh),
            family_id=family_id,
            user_id=user_id,
            company_id=company_id,
            created_at=now,
            expires_at=now + REFRESH_TOKEN_LIFETIME,
            client_address=client,
        )
    )
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "cid": str(company_id),
        "fam": str(family_id),
        "iat": int(now.timestamp()),
        "exp": int((now + ACCESS_TOKEN_LIFETIME).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    access = jwt.encode(claims, _signing_key(), algorithm=ALGORITHM)
    return TokenPair(access, refresh, int(ACCESS_TOKEN_LIFETIME.total_seconds()))


def log_in(
    uow: UnitOfWork, username: str, password: str, client: str | None, now: datetime
) -> TokenPair:
    """A new API login: an access and a refresh token. Wrong credentials raise
    CredentialsError; a locked account or client LoginBlockedError (the app's lockout)."""
    with uow:
        user = auth.check_login(uow, username, password, client, now, via="api")
        if user is None:
            uow.commit()  # the failure and its audit row
            raise CredentialsError("Wrong username or password.")
        pair = _issue(
            ApiAccessRepository(uow.session), user.id, user.company_id, uuid.uuid4(), client, now
        )
        uow.commit()
    return pair


def refresh(uow: UnitOfWork, refresh_token: str, client: str | None, now: datetime) -> TokenPair:
    """Spend ``refresh_token`` for a new pair of the same login. A token already spent
    revokes its whole login (it was copied); an expired or revoked one opens nothing."""
    with uow:
        _check_client(uow, client, now)
        repo = ApiAccessRepository(uow.session)
        row = repo.get_refresh_token(_hash(refresh_token))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise _refuse(uow, client, now, "The refresh token is not valid.")
        if row.used_at is not None:
            repo.revoke_family(row.company_id, row.family_id, now)
            AuditRepository(uow.session).add(
                actor="api",
                actor_user_id=row.user_id,
                company_id=row.company_id,
                action="api.refresh_token_reused",
                entity_type="user",
                entity_id=str(row.user_id),
                summary={"family": str(row.family_id)},
                client_address=client,
            )
            raise _refuse(uow, client, now, "The refresh token was already used; log in again.")
        user = UserRepository(uow.session).get(row.company_id, row.user_id)
        if user is None or not user.is_active:
            repo.revoke_family(row.company_id, row.family_id, now)
            raise _refuse(uow, client, now, "The refresh token is not valid.")
        row.used_at = now
        pair = _issue(repo, row.user_id, row.company_id, row.family_id, client, now)
        uow.commit()
    return pair


def log_out(uow: UnitOfWork, refresh_token: str, now: datetime) -> None:
    """End the login ``refresh_token`` belongs to (its refresh and access tokens); a no-op
    for a token that opens nothing."""
    with uow:
        repo = ApiAccessRepository(uow.session)
        row = repo.get_refresh_token(_hash(refresh_token))
        if row is None:
            return
        repo.revoke_family(row.company_id, row.family_id, now)
        uow.commit()


def actor_from_access_token(
    uow: UnitOfWork, token: str, client: str | None, now: datetime
) -> Actor:
    """The user an access token speaks for, re-read now: its signature, expiry, login
    (not logged out, not revoked) and account (active) are all checked."""
    with uow:
        _check_client(uow, client, now)
        try:
            claims = jwt.decode(
                token,
                _signing_key(),
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "cid", "fam"]},
            )
            user_id = uuid.UUID(claims["sub"])
            company_id = uuid.UUID(claims["cid"])
            family_id = uuid.UUID(claims["fam"])
        except jwt.ExpiredSignatureError:
            raise _refuse(uow, client, now, "The access token has expired; refresh it.") from None
        except (jwt.InvalidTokenError, ValueError):
            raise _refuse(uow, client, now, "The access token is not valid.") from None
        repo = ApiAccessRepository(uow.session)
        user = UserRepository(uow.session).get(company_id, user_id)
        if (
            user is None
            or not user.is_active
            or not repo.is_family_live(company_id, family_id, now)
        ):
            raise _refuse(uow, client, now, "The access token is not valid.")
        return auth.actor_for(uow, user, session_id=None, client=client)


def actor_from_key(uow: UnitOfWork, key: str, client: str | None, now: datetime) -> Actor:
    """The service account an API key speaks for, with exactly the key's permissions."""
    with uow:
        _check_client(uow, client, now)
        row = ApiAccessRepository(uow.session).get_key_by_hash(_hash(key))
        if row is None or row.revoked_at is not None:
            raise _refuse(uow, client, now, "The API key is not valid.")
        company = CompanyRepository(uow.session).get(row.company_id)
        assert company is not None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            row.last_used_at = now
            uow.commit()
        return Actor(
            user_id=None,
            username=f"api-key:{row.prefix}",
            full_name=row.name,
            role="admin",
            company_id=row.company_id,
            company_name=company.name,
            client_address=client,
            grants=frozenset(Permission(p) for p in row.permissions if p in _KNOWN),
        )


def _view(row: ApiKey) -> ApiKeyView:
    return ApiKeyView(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        permissions=tuple(row.permissions),
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _permissions(actor: Actor, names: list[str]) -> list[str]:
    chosen: list[Permission] = []
    for name in names:
        try:
            permission = Permission(name.strip())
        except ValueError:
            raise ValidationError(f"Unknown permission '{name}'.") from None
        if permission in PERSONAL_PERMISSIONS:
            raise ValidationError(f"'{permission}' acts as a person; a key cannot hold it.")
        if not actor.can(permission):
            raise ValidationError(f"You do not hold '{permission}' yourself.")
        if permission not in chosen:
            chosen.append(permission)
    if not chosen:
        raise ValidationError("Give the key at least one permission.")
    if Permission.VIEW_CANDIDATES in chosen and Permission.VIEW_ALL_CANDIDATES not in chosen:
        # A key interviews no one: seeing candidates means seeing all of them.
        raise ValidationError("'view_candidates' on a key needs 'view_all_candidates' too.")
    return [str(p) for p in chosen]


def create_key(
    uow: UnitOfWork, actor: Actor, name: str, permissions: list[str], now: datetime
) -> tuple[ApiKeyView, str]:
    """A new key (its view and its secret, shown this once) for ``actor``'s company."""
    actor.require(Permission.MANAGE_USERS)
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise ValidationError("Name the key (1 to 100 characters).")
    granted = _permissions(actor, permissions)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with uow:
        row = ApiKey(
            company_id=actor.company_id,
            name=name,
            prefix=secret[:12],
            key_hash=_hash(secret),
            permissions=granted,
            created_by=actor.username,
            created_at=now,
        )
        ApiAccessRepository(uow.session).add_key(row)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="api_key.created",
            entity_type="api_key",
            entity_id=str(row.id),
            summary={"name": name, "prefix": row.prefix, "permissions": granted},
        )
        view = _view(row)
        uow.commit()
    return view, secret


def list_keys(uow: UnitOfWork, actor: Actor) -> list[ApiKeyView]:
    """The company's keys, live ones first, newest first."""
    actor.require(Permission.MANAGE_USERS)
    with uow:
        return [_view(row) for row in ApiAccessRepository(uow.session).list_keys(actor.company_id)]


def revoke_key(uow: UnitOfWork, actor: Actor, key_id: uuid.UUID, now: datetime) -> ApiKeyView:
    """Revoke a key of ``actor``'s company at once (a no-op for one already revoked)."""
    actor.require(Permission.MANAGE_USERS)
    with uow:
        row = ApiAccessRepository(uow.session).get_key(actor.company_id, key_id)
        if row is None:
            raise NotFoundError("API key not found.")
        if row.revoked_at is None:
            row.revoked_at = now
            AuditRepository(uow.session).add(
                **actor.audit_fields(),
                action="api_key.revoked",
                entity_type="api_key",
                entity_id=str(row.id),
                summary={"name": row.name, "prefix": row.prefix},
            )
        view = _view(row)
        uow.commit()
    return view
