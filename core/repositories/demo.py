"""Bulk writes for the demo world (and the wipe behind ``demo seed --reset``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select

from core.models import AuditLog, Base, Company
from core.repositories.base import Repository, add_in_dependency_order


class DemoRepository(Repository):
    def existing_company_ids(self, startupos_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return set(
            self.session.scalars(
                select(Company.startupos_id).where(Company.startupos_id.in_(startupos_ids))
            )
        )

    def count_companies(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Company)) or 0

    def add_all(self, objects: Iterable[Base]) -> None:
        add_in_dependency_order(self.session, objects)

    def wipe_all(self) -> dict[str, int]:
        """Delete every row of every table but the audit log, children first."""
        deleted: dict[str, int] = {}
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == AuditLog.__tablename__:
                continue  # the audit trail survives a demo reset
            result = self.session.execute(delete(table))
            deleted[table.name] = result.rowcount or 0
        return deleted
