"""The append-only audit log: rows are added, never updated or deleted."""

from __future__ import annotations

import uuid
from typing import Any

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
