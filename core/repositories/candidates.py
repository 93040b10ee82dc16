"""Queries on candidates."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from core.models import Candidate
from core.repositories.base import Repository


class CandidateRepository(Repository):
    def count_by_status(self, company_id: uuid.UUID) -> dict[str, int]:
        rows = self.session.execute(
            select(Candidate.status, func.count())
            .where(Candidate.company_id == company_id)
            .group_by(Candidate.status)
        )
        return {status: count for status, count in rows}

    def count_by_role(
        self, company_id: uuid.UUID, active_only: bool = True
    ) -> dict[uuid.UUID, int]:
        query = select(Candidate.role_id, func.count()).where(Candidate.company_id == company_id)
        if active_only:
            query = query.where(Candidate.status.not_in(("hired", "rejected")))
        rows = self.session.execute(query.group_by(Candidate.role_id))
        return {role_id: count for role_id, count in rows if role_id is not None}
