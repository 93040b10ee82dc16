"""Queries on users."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from core.models import Company, User, UserInvitation, UserSession
from core.repositories.base import Repository


def normalise_username(username: str) -> str:
    """Usernames are stored and looked up lower-case and trimmed."""
    return username.strip().lower()


class UserRepository(Repository):
    def get_by_username(self, username: str) -> User | None:
        """Usernames are global (one login page); callers check the company themselves."""
        return self.session.scalars(
            select(User).where(User.username == normalise_username(username))
        ).one_or_none()

    def get(self, company_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
        return self.session.scalars(
            select(User).where(User.company_id == company_id, User.id == user_id)
        ).one_or_none()

    def list(self, company_id: uuid.UUID) -> list[User]:
        return list(
            self.session.scalars(
                select(User).where(User.company_id == company_id).order_by(User.username)
            )
        )

    def count_active_admins(self, company_id: uuid.UUID) -> int:
        return (
            self.session.scalar(
                select(func.count()).where(
                    User.company_id == company_id, User.role == "admin", User.is_active
                )
            )
            or 0
        )

    def add(self, user: User) -> None:
        self.session.add(user)

    def list_with_company(self) -> list[tuple[User, str]]:
        """Every user with their company's name (admin CLI and demo output only)."""
        rows = self.session.execute(
            select(User, Company.name)
            .join(Company, Company.id == User.company_id)
            .order_by(Company.name, User.username)
        )
        return [(user, name) for user, name in rows]


class UserSessionRepository(Repository):
    """Login sessions, found by the hash of the token their cookie carries."""

    def add(self, row: UserSession) -> None:
        self.session.add(row)

    def get_by_token_hash(self, token_hash: str) -> UserSession | None:
        """Global: the token is the credential; callers read the company from the row."""
        return self.session.scalars(
            select(UserSession).where(UserSession.token_hash == token_hash)
        ).one_or_none()

    def revoke_for_user(
        self,
        company_id: uuid.UUID,
        user_id: uuid.UUID,
        now: datetime,
        *,
        keep: uuid.UUID | None = None,
    ) -> int:
        """End every live session of a user, except ``keep``; how many ended."""
        query = update(UserSession).where(
            UserSession.company_id == company_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
        )
        if keep is not None:
            query = query.where(UserSession.id != keep)
        return self.session.execute(query.values(revoked_at=now)).rowcount

    def has_session_from(self, user_id: uuid.UUID, client: str, since: datetime) -> bool:
        """Whether the user logged in from ``client`` since ``since`` (ended sessions too)."""
        return (
            self.session.scalar(
                select(UserSession.id)
                .where(
                    UserSession.user_id == user_id,
                    UserSession.client_address == client,
                    UserSession.created_at >= since,
                )
                .limit(1)
            )
            is not None
        )

    def purge_ended_before(self, before: datetime) -> int:
        """Delete sessions that expired or were revoked before ``before``; how many."""
        return self.session.execute(
            delete(UserSession).where(
                or_(UserSession.expires_at < before, UserSession.revoked_at < before)
            )
        ).rowcount


class UserInvitationRepository(Repository):
    def get_by_token_hash(self, token_hash: str) -> UserInvitation | None:
        """Global: the token is the credential; callers read the company from the row."""
        return self.session.scalars(
            select(UserInvitation).where(UserInvitation.token_hash == token_hash)
        ).one_or_none()
