"""Queries on API refresh tokens and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update

from core.models import ApiKey, ApiRefreshToken
from core.repositories.base import Repository


class ApiAccessRepository(Repository):
    def get_refresh_token(self, token_hash: str) -> ApiRefreshToken | None:
        """Token hashes are global (one token endpoint); the row names its company."""
        return self.session.scalars(
            select(ApiRefreshToken).where(ApiRefreshToken.token_hash == token_hash)
        ).one_or_none()

    def add_refresh_token(self, token: ApiRefreshToken) -> None:
        self.session.add(token)
        self.session.flush()

    def _revoke(self, now: datetime, *where: Any) -> int:
        result = self.session.execute(
            update(ApiRefreshToken)
            .where(ApiRefreshToken.revoked_at.is_(None), *where)
            .values(revoked_at=now)
        )
        return result.rowcount or 0

    def revoke_family(self, company_id: uuid.UUID, family_id: uuid.UUID, now: datetime) -> int:
        """End one login (every token of the family)."""
        return self._revoke(
            now, ApiRefreshToken.company_id == company_id, ApiRefreshToken.family_id == family_id
        )

    def is_family_live(self, company_id: uuid.UUID, family_id: uuid.UUID, now: datetime) -> bool:
        """Whether the login ``family_id`` still holds an unrevoked, unexpired token."""
        found = self.session.scalar(
            select(ApiRefreshToken.id)
            .where(
                ApiRefreshToken.company_id == company_id,
                ApiRefreshToken.family_id == family_id,
                ApiRefreshToken.revoked_at.is_(None),
                ApiRefreshToken.expires_at > now,
            )
            .limit(1)
        )
        return found is not None

    def revoke_user_tokens(self, company_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> int:
        """End every API login of a user."""
        return self._revoke(
            now, ApiRefreshToken.company_id == company_id, ApiRefreshToken.user_id == user_id
        )

    def purge_refresh_tokens(self, before: datetime) -> int:
        """Delete tokens that expired or were revoked before ``before`` (all companies)."""
        result = self.session.execute(
            delete(ApiRefreshToken).where(
                or_(ApiRefreshToken.expires_at < before, ApiRefreshToken.revoked_at < before)
            )
        )
        return result.rowcount or 0

    def get_key(self, company_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        return self.session.scalars(
            select(ApiKey).where(ApiKey.company_id == company_id, ApiKey.id == key_id)
        ).one_or_none()

    def get_key_by_hash(self, key_hash: str) -> ApiKey | None:
        """Key hashes are global (a key names no company); the row names its company."""
        return self.session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).one_or_none()

    def list_keys(self, company_id: uuid.UUID) -> list[ApiKey]:
        return list(
            self.session.scalars(
                select(ApiKey)
                .where(ApiKey.company_id == company_id)
                .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id)
            )
        )

    def add_key(self, key: ApiKey) -> None:
        self.session.add(key)
        self.session.flush()
