"""Queries on interviews and their panels."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.models import Candidate, Interview, InterviewPanelist, InterviewScorecard, Role, User
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

    def add_scorecard(self, scorecard: InterviewScorecard) -> None:
        self.session.add(scorecard)
        self.session.flush()

    def latest_scorecards(
        self,
        company_id: uuid.UUID,
        *,
        interview_ids: list[uuid.UUID] | None = None,
        candidate_id: uuid.UUID | None = None,
    ) -> list[tuple[InterviewScorecard, Interview, str]]:
        """Each panelist's latest scorecard version on the interviews (or on the candidate's
        interviews), with the interview and the panelist's name, oldest interview first."""
        latest = (
            select(
                InterviewScorecard.interview_id,
                InterviewScorecard.interviewer_id,
                func.max(InterviewScorecard.version).label("version"),
            )
            .where(InterviewScorecard.company_id == company_id)
            .group_by(InterviewScorecard.interview_id, InterviewScorecard.interviewer_id)
            .subquery()
        )
        query = (
            select(InterviewScorecard, Interview, User.full_name)
            .join(
                latest,
                (latest.c.interview_id == InterviewScorecard.interview_id)
                & (latest.c.interviewer_id == InterviewScorecard.interviewer_id)
                & (latest.c.version == InterviewScorecard.version),
            )
            .join(Interview, Interview.id == InterviewScorecard.interview_id)
            .join(User, User.id == InterviewScorecard.interviewer_id)
            .where(InterviewScorecard.company_id == company_id)
            .order_by(Interview.scheduled_at, User.full_name)
        )
        if interview_ids is not None:
            query = query.where(InterviewScorecard.interview_id.in_(interview_ids))
        if candidate_id is not None:
            query = query.where(Interview.candidate_id == candidate_id)
        return [(card, interview, name) for card, interview, name in self.session.execute(query)]
