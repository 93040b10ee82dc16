"""Queries on interviews."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.models import Interview, User
from core.repositories.base import Repository


class InterviewRepository(Repository):
    def list_for_candidate(
        self, company_id: uuid.UUID, candidate_id: uuid.UUID
    ) -> list[tuple[Interview, str | None]]:
        """A candidate's interviews with the interviewer's name, oldest first."""
        rows = self.session.execute(
            select(Interview, User.full_name)
            .outerjoin(User, User.id == Interview.interviewer_id)
            .where(Interview.company_id == company_id, Interview.candidate_id == candidate_id)
            .order_by(Interview.scheduled_at)
        )
        return [(i, name) for i, name in rows]
