"""The append-only audit log: rows are added, never updated or deleted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.models import AuditLog
from core.repositories.base import Repository


class AuditRepository(Repository):
    def add(
        self,
        *,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: str | None = None,
        company_id: uuid.UUID | None = None,
        actor_user_id: uuid.UUID | None = None,
        summary: dict[str, Any] | None = None,
        client_address: str | None = None,
    ) -> AuditLog:
        row = AuditLog(
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            company_id=company_id,
            actor_user_id=actor_user_id,
            summary=summary,
            client_address=client_address,
        )
        self.session.add(row)
        return row

    def list(
        self,
        company_id: uuid.UUID,
        *,
        action: str | None = None,
        entity_type: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[AuditLog], int]:
        """Rows of one company, newest first, and the total matching the filters."""
        query = select(AuditLog).where(AuditLog.company_id == company_id)
        if action:
            query = query.where(AuditLog.action == action)
        if entity_type:
            query = query.where(AuditLog.entity_type == entity_type)
        if actor:
            query = query.where(AuditLog.actor == actor)
        if since:
            query = query.where(AuditLog.created_at >= since)
        if until:
            query = query.where(AuditLog.created_at < until)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        query = query.order_by(AuditLog.created_at.desc(), AuditLog.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query)), total

    def distinct_actions(self, company_id: uuid.UUID) -> list[str]:
        return list(
            self.session.scalars(
                select(AuditLog.action)
                .where(AuditLog.company_id == company_id)
                .distinct()
                .order_by(AuditLog.action)
            )
        )
