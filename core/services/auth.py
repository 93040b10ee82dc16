"""Authentication: passwords, logins with lockout, server-side sessions, the acting user."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import bcrypt

from core.config import DEFAULT_DEMO_PASSWORD, PROJECT_ROOT
from core.db import UnitOfWork
from core.models import User, UserInvitation, UserSession
from core.permissions import Permission, can
from core.repositories.api_access import ApiAccessRepository
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.rate_limits import RateLimitRepository
from core.repositories.users import (
    UserInvitationRepository,
    UserRepository,
    UserSessionRepository,
    normalise_username,
)
from core.services.errors import (
    LoginBlockedError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from core.services.rate_limits import Limit, blocked_until, record

MIN_PASSWORD_LENGTH = 12
# bcrypt only reads the first 72 bytes; longer passwords would silently share a hash.
MAX_PASSWORD_BYTES = 72
ACCOUNT_LOGIN_LIMIT = Limit(count=5, window=timedelta(minutes=15), block=timedelta(minutes=15))
CLIENT_LOGIN_LIMIT = Limit(count=30, window=timedelta(minutes=15), block=timedelta(minutes=15))
DEFAULT_SESSION_LENGTH = timedelta(hours=8)
SESSION_TOKEN_BYTES = 32
# How long a login from an address lets that account past the address's failure limit;
# ended sessions are kept this long for it, then purged.
RECOGNISED_CLIENT_FOR = timedelta(days=30)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """Leaked and predictable passwords, lower-case: data/breached_passwords.txt (30,000 from
    a public breach corpus) and data/common_passwords.txt (12+ characters, hand-picked)."""
    found: set[str] = set()
    for name in ("breached_passwords.txt", "common_passwords.txt"):
        lines = (PROJECT_ROOT / "data" / name).read_text(encoding="utf-8").splitlines()
        found.update(line.strip().lower() for line in lines if line and not line.startswith("#"))
    return frozenset(found)


# A password that is a run of 1-4 characters repeated ("abcabcabcabc", "aaaaaaaaaaaa").
_REPEATED = re.compile(r"(.{1,4}?)\1+", re.DOTALL)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Compared against when the username is unknown, so both paths cost one bcrypt check
    (made on first use: a quarter second of CPU that no process should pay at import)."""
    return bcrypt.hashpw(b"peopleos-timing-equaliser", bcrypt.gensalt(rounds=12)).decode()


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a service runs, re-read from the database every request."""

    user_id: uuid.UUID | None
    username: str
    full_name: str
    role: str
    company_id: uuid.UUID
    company_name: str
    employee_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None  # the login session; None at the command line
    client_address: str | None = None
    # An API key's holder may do only what the key lists (within the role's permissions).
    grants: frozenset[Permission] | None = None

    def can(self, permission: Permission) -> bool:
        return can(self.role, permission) and (self.grants is None or permission in self.grants)

    def audit_fields(self) -> dict[str, Any]:
        """Who did it, for an audit row: name, user id, company and client address."""
        return {
            "actor": self.username,
            "actor_user_id": self.user_id,
            "company_id": self.company_id,
            "client_address": self.client_address,
        }

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDeniedError("Your role does not allow this.")

    @classmethod
    def system(cls, company_id: uuid.UUID, company_name: str, label: str = "cli") -> Actor:
        """The operator at the command line, acting as an admin of one company."""
        return cls(None, label, label, "admin", company_id, company_name)


def check_password_policy(
    password: str, *, username: str = "", allow_demo_password: bool = False
) -> None:
    """Raise ValidationError unless the password is long enough, not leaked or predictable,
    and does not contain the username or the demo password published in README (which only
    the demo users may have: ``allow_demo_password``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if password != password.strip():
        raise ValidationError("Password must not start or end with a space.")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise ValidationError(f"Password must be at most {MAX_PASSWORD_BYTES} bytes long.")
    lowered = password.lower()
    if lowered in _common_passwords():
        raise ValidationError(
            "That password is too common: it appears in lists of leaked passwords. Choose another."
        )
    if len(set(password)) < 4 or _REPEATED.fullmatch(password):
        raise ValidationError("That password is too common: a short pattern repeated.")
    if len(username) >= 3 and username.lower() in lowered:
        raise ValidationError("Password must not contain the username.")
    if not allow_demo_password and DEFAULT_DEMO_PASSWORD in lowered:
        raise ValidationError("Password must not contain the demo password published in README.")


def hash_password(
    password: str, rounds: int = 12, *, username: str = "", allow_demo_password: bool = False
) -> str:
    check_password_policy(password, username=username, allow_demo_password=allow_demo_password)
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def unusable_password_hash() -> str:
    """A hash no password opens (of a random secret nobody keeps), for an account whose
    owner sets their password through an invitation."""
    secret = secrets.token_urlsafe(32).encode()
    return bcrypt.hashpw(secret, bcrypt.gensalt(rounds=4)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode()[:MAX_PASSWORD_BYTES], password_hash.encode())
    except ValueError:
        return False


def log_in(
    uow: UnitOfWork,
    username: str,
    password: str,
    client: str | None,
    now: datetime,
    *,
    session_length: timedelta = DEFAULT_SESSION_LENGTH,
) -> str | None:
    """Check a password login and open a server-side session: its token (for the cookie),
    or None when the username or password is wrong.

    Raises LoginBlockedError while the account or the client is locked, even for the
    right password; audits every attempt. The attempt, its counters and the new session
    commit together.
    """
    with uow:
        user = check_login(uow, username, password, client, now)
        token = None
        if user is not None:
            token = _open_session(
                UserSessionRepository(uow.session), user, client, now, session_length
            )
        uow.commit()
    return token


def check_login(
    uow: UnitOfWork,
    username: str,
    password: str,
    client: str | None,
    now: datetime,
    *,
    via: str | None = None,
) -> User | None:
    """The checks of every password login (the app's and the API's), inside the caller's
    open unit of work: the user when the password is right, None when wrong.

    Counts failures per account and per client and audits each attempt (``via`` names a
    channel other than the app). While the account or the client is locked it commits
    the audit row and raises LoginBlockedError, even for the right password. The caller
    commits otherwise.
    """
    name = normalise_username(username)
    account_bucket = f"login-fail:user:{name}"
    client_bucket = f"login-fail:client:{client or 'unknown'}"
    limits = RateLimitRepository(uow.session)
    sessions = UserSessionRepository(uow.session)
    audit = AuditRepository(uow.session)
    user = UserRepository(uow.session).get_by_username(name)
    channel = {"via": via} if via else {}
    until = blocked_until(limits, account_bucket, ACCOUNT_LOGIN_LIMIT, now)
    if until is None and not _recognised_client(sessions, user, client, now):
        until = blocked_until(limits, client_bucket, CLIENT_LOGIN_LIMIT, now)
    if until is not None:
        summary = {"until": until.isoformat(), **channel}
        _audit_login(audit, user, "login.blocked", client, summary)
        uow.commit()
        seconds = max(1, math.ceil((until - now).total_seconds()))
        minutes = max(1, round(seconds / 60))
        raise LoginBlockedError(
            f"Too many failed logins. Try again in {minutes} minute(s).", seconds
        )
    if user is None:
        verify_password(password, _dummy_hash())
    elif verify_password(password, user.password_hash) and user.is_active:
        limits.clear(account_bucket)
        user.last_login_at = now
        _audit_login(audit, user, "login.succeeded", client, channel or None)
        return user
    record(limits, account_bucket, ACCOUNT_LOGIN_LIMIT, now)
    record(limits, client_bucket, CLIENT_LOGIN_LIMIT, now)
    _audit_login(audit, user, "login.failed", client, channel or None)
    return None


def _recognised_client(
    sessions: UserSessionRepository, user: User | None, client: str | None, now: datetime
) -> bool:
    """Whether ``user`` logged in from ``client`` lately. Such a login is not held back by
    the client's failures, so guesses at made-up names from a shared address (an office
    behind one router, every local browser) cannot lock its real users out; the account's
    own lockout still applies."""
    if user is None or client is None:
        return False
    return sessions.has_session_from(user.id, client, now - RECOGNISED_CLIENT_FOR)


def _open_session(
    sessions: UserSessionRepository,
    user: User,
    client: str | None,
    now: datetime,
    length: timedelta,
) -> str:
    token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    sessions.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            company_id=user.company_id,
            created_at=now,
            expires_at=now + length,
            client_address=client,
        )
    )
    return token


def _token_hash(token: str) -> str:
    # Only the hash is stored: a copy of the database opens no session.
    return hashlib.sha256(token.encode()).hexdigest()


def _audit_login(
    audit: AuditRepository, user: User | None, action: str, client: str | None, summary: dict | None
) -> None:
    audit.add(
        actor=user.username if user else "anonymous",
        actor_user_id=user.id if user else None,
        company_id=user.company_id if user else None,
        action=action,
        entity_type="user",
        entity_id=str(user.id) if user else None,
        summary=summary,
        client_address=client,
    )


def load_actor(uow: UnitOfWork, username: str) -> Actor | None:
    """The user as stored now, or None when gone or disabled (no session involved)."""
    with uow:
        user = UserRepository(uow.session).get_by_username(username)
        if user is None or not user.is_active:
            return None
        return actor_for(uow, user, session_id=None, client=None)


def resume_session(uow: UnitOfWork, token: str, client: str | None, now: datetime) -> Actor | None:
    """The user of the session ``token`` names, re-read now; None when the session was
    logged out, revoked or has expired, or the user is gone or disabled."""
    with uow:
        row = UserSessionRepository(uow.session).get_by_token_hash(_token_hash(token))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        user = UserRepository(uow.session).get(row.company_id, row.user_id)
        if user is None or not user.is_active:
            return None
        return actor_for(uow, user, session_id=row.id, client=client)


def actor_for(
    uow: UnitOfWork, user: User, *, session_id: uuid.UUID | None, client: str | None
) -> Actor:
    """The acting user ``user`` (read in ``uow``'s open transaction) with their company."""
    company = CompanyRepository(uow.session).get(user.company_id)
    assert company is not None
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        company_id=user.company_id,
        company_name=company.name,
        employee_id=user.employee_id,
        session_id=session_id,
        client_address=client,
    )


def log_out(uow: UnitOfWork, token: str, client: str | None, now: datetime) -> None:
    """End the session ``token`` names on the server (a no-op when it already ended)."""
    with uow:
        row = UserSessionRepository(uow.session).get_by_token_hash(_token_hash(token))
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at = now
        user = UserRepository(uow.session).get(row.company_id, row.user_id)
        _audit_login(AuditRepository(uow.session), user, "user.logged_out", client, None)
        uow.commit()


def change_password(uow: UnitOfWork, actor: Actor, current: str, new: str, now: datetime) -> None:
    """Change the actor's own password; every other session ends, this one stays."""
    actor.require(Permission.MANAGE_OWN_ACCOUNT)
    new_hash = hash_password(new, username=actor.username)
    with uow:
        user = _own_user(uow, actor)
        if not verify_password(current, user.password_hash):
            raise ValidationError("The current password is not correct.")
        if verify_password(new, user.password_hash):
            raise ValidationError("The new password must differ from the current one.")
        user.password_hash = new_hash
        revoke_sessions(uow, user, now, keep=actor.session_id)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="user.password_changed",
            entity_type="user",
            entity_id=str(user.id),
        )
        uow.commit()


def log_out_everywhere(uow: UnitOfWork, actor: Actor, now: datetime) -> None:
    """End every session of the actor, this one included."""
    actor.require(Permission.MANAGE_OWN_ACCOUNT)
    with uow:
        user = _own_user(uow, actor)
        revoke_sessions(uow, user, now)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="user.sessions_revoked",
            entity_type="user",
            entity_id=str(user.id),
        )
        uow.commit()


def _own_user(uow: UnitOfWork, actor: Actor) -> User:
    if actor.user_id is None:
        raise ValidationError("The command line has no account of its own.")
    user = UserRepository(uow.session).get(actor.company_id, actor.user_id)
    if user is None:
        raise ValidationError("Your account no longer exists.")
    return user


def revoke_sessions(
    uow: UnitOfWork, user: User, now: datetime, *, keep: uuid.UUID | None = None
) -> int:
    """End every session of ``user`` (but ``keep``) in the caller's unit of work, and every
    API login of theirs (a password change, a reset or a disabled account ends those too)."""
    ApiAccessRepository(uow.session).revoke_user_tokens(user.company_id, user.id, now)
    return UserSessionRepository(uow.session).revoke_for_user(
        user.company_id, user.id, now, keep=keep
    )


def purge_sessions(uow: UnitOfWork, now: datetime) -> int:
    """Forget sessions, and API refresh tokens, that ended more than
    :data:`RECOGNISED_CLIENT_FOR` ago."""
    with uow:
        before = now - RECOGNISED_CLIENT_FOR
        purged = UserSessionRepository(uow.session).purge_ended_before(before)
        purged += ApiAccessRepository(uow.session).purge_refresh_tokens(before)
        uow.commit()
    return purged


def system_actor(
    uow: UnitOfWork, *, company: str | None = None, username: str | None = None
) -> Actor:
    """The command-line operator as admin of a company named directly or by one of its users."""
    with uow:
        companies = CompanyRepository(uow.session)
        if company is not None:
            found = companies.find(company)
            if found is None:
                raise NotFoundError(f"No company '{company}'.")
        elif username is not None:
            user = UserRepository(uow.session).get_by_username(username)
            if user is None:
                raise NotFoundError(f"No user '{normalise_username(username)}'.")
            found = companies.get(user.company_id)
            assert found is not None
        else:
            raise ValidationError("Name a company (--company) or a user.")
        return Actor.system(found.id, found.name)


@dataclass(frozen=True)
class InvitationInfo:
    username: str
    full_name: str
    company_name: str


def _open_invitation(uow: UnitOfWork, token: str, now: datetime) -> tuple[UserInvitation, User]:
    """The invitation ``token`` names, if it can still be used; ValidationError otherwise."""
    invitation = UserInvitationRepository(uow.session).get_by_token_hash(_token_hash(token))
    if invitation is None:
        raise ValidationError("This link is not valid. Ask your company for a new invitation.")
    if invitation.used_at is not None:
        raise ValidationError(
            "This link was already used. Log in with your password, or ask for a new invitation."
        )
    if invitation.expires_at <= now:
        raise ValidationError("This link has expired. Ask your company for a new invitation.")
    user = UserRepository(uow.session).get(invitation.company_id, invitation.user_id)
    if user is None:
        raise ValidationError("This link is not valid. Ask your company for a new invitation.")
    return invitation, user


def invitation_info(uow: UnitOfWork, token: str, now: datetime) -> InvitationInfo:
    """Whom an invitation link is for (to greet them), or ValidationError."""
    with uow:
        _, user = _open_invitation(uow, token, now)
        company = CompanyRepository(uow.session).get(user.company_id)
        assert company is not None
        return InvitationInfo(user.username, user.full_name, company.name)


def accept_invitation(
    uow: UnitOfWork, token: str, password: str, now: datetime, *, client: str | None = None
) -> str:
    """Set the invited user's password and open their account; the link then stops
    working. Returns the username. A bad link or password changes nothing."""
    with uow:
        invitation, user = _open_invitation(uow, token, now)
        user.password_hash = hash_password(password, username=user.username)
        user.is_active = True
        invitation.used_at = now
        AuditRepository(uow.session).add(
            actor=user.username,
            actor_user_id=user.id,
            company_id=user.company_id,
            action="user.invitation_accepted",
            entity_type="user",
            entity_id=str(user.id),
            client_address=client,
        )
        uow.commit()
        return user.username
