"""Queries on roles."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from core.models import Role
from core.repositories.base import Repository


class RoleRepository(Repository):
    def list_by_status(self, company_id: uuid.UUID, statuses: Iterable[str]) -> list[Role]:
        return list(
            self.session.scalars(
                select(Role)
                .where(Role.company_id == company_id, Role.status.in_(tuple(statuses)))
                .order_by(Role.created_at)
            )
        )

    def list(self, company_id: uuid.UUID) -> list[Role]:
        return list(
            self.session.scalars(
                select(Role).where(Role.company_id == company_id).order_by(Role.title)
            )
        )
