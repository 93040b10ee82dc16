"""Authentication: passwords, logins with lockout, the acting user, session revocation."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import bcrypt

from core.config import DEFAULT_DEMO_PASSWORD, PROJECT_ROOT
from core.db import UnitOfWork
from core.models import User
from core.permissions import Permission, can
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.rate_limits import RateLimitRepository
from core.repositories.users import UserRepository, normalise_username
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


# Compared against when the username is unknown, so both paths cost one bcrypt check.
_DUMMY_HASH = bcrypt.hashpw(b"peopleos-timing-equaliser", bcrypt.gensalt(rounds=12)).decode()


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
    token_version: int = 0
    client_address: str | None = None

    def can(self, permission: Permission) -> bool:
        return can(self.role, permission)

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


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode()[:MAX_PASSWORD_BYTES], password_hash.encode())
    except ValueError:
        return False


def check_login(
    uow: UnitOfWork, username: str, password: str, client: str | None, now: datetime
) -> bool:
    """Check a password login, enforcing the account lockout and the per-client limit.

    Raises LoginBlockedError while locked (even for the right password); records every
    attempt in the audit log.
    """
    name = normalise_username(username)
    buckets = (
        (f"login-fail:user:{name}", ACCOUNT_LOGIN_LIMIT),
        (f"login-fail:client:{client or 'unknown'}", CLIENT_LOGIN_LIMIT),
    )
    with uow:
        limits = RateLimitRepository(uow.session)
        audit = AuditRepository(uow.session)
        user = UserRepository(uow.session).get_by_username(name)
        for bucket, limit in buckets:
            until = blocked_until(limits, bucket, limit, now)
            if until is not None:
                _audit_login(audit, user, "login.blocked", client, {"until": until.isoformat()})
                uow.commit()
                minutes = max(1, round((until - now).total_seconds() / 60))
                raise LoginBlockedError(
                    f"Too many failed logins. Try again in {minutes} minute(s)."
                )
        if user is None:
            verify_password(password, _DUMMY_HASH)
            ok = False
        else:
            ok = verify_password(password, user.password_hash) and user.is_active
        if ok:
            assert user is not None
            limits.clear(buckets[0][0])
            user.last_login_at = now
            _audit_login(audit, user, "login.succeeded", client, None)
        else:
            for bucket, limit in buckets:
                record(limits, bucket, limit, now)
            _audit_login(audit, user, "login.failed", client, None)
        uow.commit()
    return ok


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


def load_actor(
    uow: UnitOfWork,
    username: str,
    *,
    token_version: int | None = None,
    cookie_issued_at: datetime | None = None,
    client: str | None = None,
) -> Actor | None:
    """The logged-in user as stored now, or None when the session must end.

    None when the user is gone or disabled, when ``token_version`` is older than the
    stored one, or when the login cookie was issued before the sessions were revoked.
    """
    with uow:
        user = UserRepository(uow.session).get_by_username(username)
        if user is None or not user.is_active:
            return None
        if token_version is not None and token_version != user.token_version:
            return None
        revoked = user.sessions_revoked_at
        if cookie_issued_at is not None and revoked is not None and cookie_issued_at <= revoked:
            return None
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
            token_version=user.token_version,
            client_address=client,
        )


def change_password(uow: UnitOfWork, actor: Actor, current: str, new: str, now: datetime) -> int:
    """Change the actor's own password; every other session ends. Returns the new version."""
    actor.require(Permission.MANAGE_OWN_ACCOUNT)
    new_hash = hash_password(new, username=actor.username)
    with uow:
        user = _own_user(uow, actor)
        if not verify_password(current, user.password_hash):
            raise ValidationError("The current password is not correct.")
        if verify_password(new, user.password_hash):
            raise ValidationError("The new password must differ from the current one.")
        user.password_hash = new_hash
        version = revoke_sessions(user, now)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="user.password_changed",
            entity_type="user",
            entity_id=str(user.id),
        )
        uow.commit()
    return version


def log_out_everywhere(uow: UnitOfWork, actor: Actor, now: datetime) -> None:
    """End every session of the actor, this one included."""
    actor.require(Permission.MANAGE_OWN_ACCOUNT)
    with uow:
        user = _own_user(uow, actor)
        revoke_sessions(user, now)
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


def revoke_sessions(user: User, now: datetime) -> int:
    """Bump the token version so every existing session and cookie of ``user`` ends."""
    user.token_version += 1
    user.sessions_revoked_at = now
    return user.token_version


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
