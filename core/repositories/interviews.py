"""Queries on interviews and their panels."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.models import Candidate, Interview, InterviewPanelist, Role, User
from core.repositories.base import Repository


@dataclass(frozen=True)
class InterviewListing:
    """An interview with the names a list shows."""

    interview: Interview
    candidate_name: str
    role_title: str | None


class InterviewRepository(Repository):
    def list_for_candidate(
        self, company_id: uuid.UUID, candidate_id: uuid.UUID
    ) -> list[tuple[Interview, str | None]]:
        """A candidate's interviews with the lead interviewer's name, oldest first."""
        rows = self.session.execute(
            select(Interview, User.full_name)
            .outerjoin(User, User.id == Interview.interviewer_id)
            .where(Interview.company_id == company_id, Interview.candidate_id == candidate_id)
            .order_by(Interview.scheduled_at)
        )
        return [(i, name) for i, name in rows]

    def get(self, company_id: uuid.UUID, interview_id: uuid.UUID) -> Interview | None:
        return self.session.scalars(
            select(Interview).where(
                Interview.company_id == company_id, Interview.id == interview_id
            )
        ).one_or_none()

    def add(self, interview: Interview, panel: list[uuid.UUID]) -> None:
        """The interview and its panel (``panel[0]`` leads)."""
        self.session.add(interview)
        self.session.flush()
        for user_id in panel:
            self.session.add(
                InterviewPanelist(
                    company_id=interview.company_id, interview_id=interview.id, user_id=user_id
                )
            )

    def list_panel(
        self, company_id: uuid.UUID, interview_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID, User]]:
        """(interview id, user) for every panelist of the interviews, by name."""
        if not interview_ids:
            return []
        rows = self.session.execute(
            select(InterviewPanelist.interview_id, User)
            .join(User, User.id == InterviewPanelist.user_id)
            .where(
                InterviewPanelist.company_id == company_id,
                InterviewPanelist.interview_id.in_(interview_ids),
            )
            .order_by(User.full_name)
        )
        return [(interview_id, user) for interview_id, user in rows]

    def list(
        self,
        company_id: uuid.UUID,
        *,
        now: datetime,
        upcoming: bool,
        panelist_id: uuid.UUID | None = None,
        candidate_id: uuid.UUID | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[InterviewListing]:
        """Upcoming interviews (soonest first) or past ones (latest first), optionally only
        those with ``panelist_id`` on the panel or of one candidate."""
        query = (
            select(Interview, Candidate.full_name, Candidate.email, Role.title)
            .join(Candidate, Candidate.id == Interview.candidate_id)
            .outerjoin(Role, Role.id == Interview.role_id)
            .where(Interview.company_id == company_id, Interview.scheduled_at.is_not(None))
        )
        if upcoming:
            query = query.where(Interview.scheduled_at >= now).order_by(
                Interview.scheduled_at, Interview.id
            )
        else:
            query = query.where(Interview.scheduled_at < now).order_by(
                Interview.scheduled_at.desc(), Interview.id
            )
        if panelist_id is not None:
            query = query.where(
                Interview.id.in_(
                    select(InterviewPanelist.interview_id).where(
                        InterviewPanelist.company_id == company_id,
                        InterviewPanelist.user_id == panelist_id,
                    )
                )
            )
        if candidate_id is not None:
            query = query.where(Interview.candidate_id == candidate_id)
        rows = self.session.execute(query.limit(limit).offset(offset))
        return [
            InterviewListing(interview, name or email, title)
            for interview, name, email, title in rows
        ]
