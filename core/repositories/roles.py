"""Queries on roles and their embeddings."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select

from core.models import Role, RoleEmbedding
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

    def get(self, company_id: uuid.UUID, role_id: uuid.UUID) -> Role | None:
        return self.session.scalars(
            select(Role).where(Role.company_id == company_id, Role.id == role_id)
        ).first()

    def title_taken(
        self, company_id: uuid.UUID, title: str, exclude: uuid.UUID | None = None
    ) -> bool:
        """Whether an open (draft or active) role of the company already has this title."""
        query = select(func.count()).where(
            Role.company_id == company_id,
            func.lower(Role.title) == title.lower(),
            Role.status.in_(("draft", "active")),
        )
        if exclude is not None:
            query = query.where(Role.id != exclude)
        return bool(self.session.scalar(query))

    def add(self, role: Role) -> None:
        self.session.add(role)
        self.session.flush()

    def embeddings(self, company_id: uuid.UUID) -> list[tuple[Role, bytes]]:
        rows = self.session.execute(
            select(Role, RoleEmbedding.vector)
            .join(RoleEmbedding, RoleEmbedding.role_id == Role.id)
            .where(Role.company_id == company_id)
            .order_by(Role.id)
        )
        return [(role, vector) for role, vector in rows]

    def missing_embeddings(self, company_id: uuid.UUID | None = None) -> list[Role]:
        query = (
            select(Role)
            .outerjoin(RoleEmbedding, RoleEmbedding.role_id == Role.id)
            .where(RoleEmbedding.role_id.is_(None))
        )
        if company_id is not None:
            query = query.where(Role.company_id == company_id)
        return list(self.session.scalars(query))

    def save_embedding(self, embedding: RoleEmbedding) -> None:
        self.session.merge(embedding)
