"""User management by a company admin (the Users page and `core.cli users`)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from core.db import UnitOfWork
from core.models import User
from core.permissions import ROLES, Permission
from core.repositories.audit import AuditRepository
from core.repositories.users import UserRepository, normalise_username
from core.services.auth import Actor, hash_password, revoke_sessions
from core.services.errors import NotFoundError, ValidationError

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserSummary:
    id: uuid.UUID
    username: str
    full_name: str
    email: str
    role: str
    is_active: bool
    last_login_at: datetime | None


def _summary(user: User) -> UserSummary:
    return UserSummary(
        user.id,
        user.username,
        user.full_name,
        user.email,
        user.role,
        user.is_active,
        user.last_login_at,
    )


def list_users(uow: UnitOfWork, actor: Actor) -> list[UserSummary]:
    actor.require(Permission.MANAGE_USERS)
    with uow:
        return [_summary(u) for u in UserRepository(uow.session).list(actor.company_id)]


def create_user(
    uow: UnitOfWork,
    actor: Actor,
    *,
    username: str,
    email: str,
    full_name: str,
    role: str,
    password: str,
) -> UserSummary:
    actor.require(Permission.MANAGE_USERS)
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise ValidationError("Username must be 3-64 characters: letters, digits, '.', '_' or '-'.")
    if not _EMAIL.match(email.strip()):
        raise ValidationError("Enter a valid email address.")
    if not full_name.strip():
        raise ValidationError("Enter the person's name.")
    _check_role(role)
    password_hash = hash_password(password, username=name)
    with uow:
        users = UserRepository(uow.session)
        if users.get_by_username(name) is not None:
            # The same words whoever holds it: a refusal must not tell which names other
            # companies use.
            raise ValidationError(f"The username '{name}' is not available; choose another.")
        user = User(
            company_id=actor.company_id,
            username=name,
            email=email.strip(),
            full_name=full_name.strip(),
            role=role,
            password_hash=password_hash,
        )
        users.add(user)
        _audit(uow, actor, "user.created", user, {"role": role})
        uow.commit()
        return _summary(user)


def set_role(uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, role: str) -> UserSummary:
    actor.require(Permission.MANAGE_USERS)
    _check_role(role)
    with uow:
        user = _get(uow, actor, user_id)
        if user.role == role:
            return _summary(user)
        if user.role == "admin" and role != "admin":
            _keep_an_admin(uow, actor, user)
        before = user.role
        user.role = role
        _audit(uow, actor, "user.role_changed", user, {"role": [before, role]})
        uow.commit()
        return _summary(user)


def set_active(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, active: bool, now: datetime
) -> UserSummary:
    actor.require(Permission.MANAGE_USERS)
    with uow:
        user = _get(uow, actor, user_id)
        if user.is_active == active:
            return _summary(user)
        if not active:
            if user.id == actor.user_id:
                raise ValidationError("You cannot disable your own account.")
            if user.role == "admin":
                _keep_an_admin(uow, actor, user)
            revoke_sessions(uow, user, now)
        user.is_active = active
        _audit(uow, actor, "user.enabled" if active else "user.disabled", user, None)
        uow.commit()
        return _summary(user)


def reset_password(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, password: str, now: datetime
) -> UserSummary:
    """Set a new password for a user; their sessions end."""
    actor.require(Permission.MANAGE_USERS)
    with uow:
        user = _get(uow, actor, user_id)
        user.password_hash = hash_password(password, username=user.username)
        revoke_sessions(uow, user, now)
        _audit(uow, actor, "user.password_reset", user, None)
        uow.commit()
        return _summary(user)


def find_user(uow: UnitOfWork, actor: Actor, username: str) -> UserSummary:
    """A user of the actor's company by username."""
    actor.require(Permission.MANAGE_USERS)
    with uow:
        user = UserRepository(uow.session).get_by_username(username)
        if user is None or user.company_id != actor.company_id:
            raise NotFoundError(f"No user '{normalise_username(username)}' in this company.")
        return _summary(user)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(f"Role must be one of: {', '.join(ROLES)}.")


def _get(uow: UnitOfWork, actor: Actor, user_id: uuid.UUID) -> User:
    user = UserRepository(uow.session).get(actor.company_id, user_id)
    if user is None:
        raise NotFoundError("User not found.")
    return user


def _keep_an_admin(uow: UnitOfWork, actor: Actor, user: User) -> None:
    if UserRepository(uow.session).count_active_admins(actor.company_id) <= 1:
        raise ValidationError("A company needs at least one active admin.")


def _audit(uow: UnitOfWork, actor: Actor, action: str, user: User, changes: dict | None) -> None:
    AuditRepository(uow.session).add(
        **actor.audit_fields(),
        action=action,
        entity_type="user",
        entity_id=str(user.id),
        summary=changes,
    )
