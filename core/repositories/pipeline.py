"""Aggregates of one role's pipeline, computed in the database (no page loads every row)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy import distinct, func, select

from core.models import Candidate, CandidateStageEvent
from core.repositories.base import Repository
from core.repositories.candidates import CandidateFilter, filtered


class PipelineRepository(Repository):
    def count_by_status(self, company_id: uuid.UUID, f: CandidateFilter) -> dict[str, int]:
        query = filtered(select(Candidate.status, func.count()), company_id, f)
        return {status: n for status, n in self.session.execute(query.group_by(Candidate.status))}

    def board_cards(
        self, company_id: uuid.UUID, f: CandidateFilter, status: str, limit: int
    ) -> list[Candidate]:
        """``limit`` candidates in ``status``: in an open stage those waiting longest, in a
        closed one (hired, rejected) the most recent."""
        scoped = replace(f, statuses=(status,))
        query = filtered(select(Candidate), company_id, scoped)
        entered = Candidate.stage_entered_at
        order = entered.desc() if status in ("hired", "rejected") else entered.asc()
        return list(self.session.scalars(query.order_by(order, Candidate.id).limit(limit)))

    def rejected_from(self, company_id: uuid.UUID, f: CandidateFilter) -> dict[str, int]:
        """Rejected candidates counted by the stage they were rejected from (recorded moves)."""
        rejected = filtered(select(Candidate.id), company_id, replace(f, statuses=())).where(
            Candidate.status == "rejected"
        )
        rows = self.session.execute(
            select(
                CandidateStageEvent.from_status,
                func.count(distinct(CandidateStageEvent.candidate_id)),
            )
            .where(
                CandidateStageEvent.company_id == company_id,
                CandidateStageEvent.to_status == "rejected",
                CandidateStageEvent.candidate_id.in_(rejected),
            )
            .group_by(CandidateStageEvent.from_status)
        )
        return {stage: count for stage, count in rows if stage is not None}

    def median_entered_at(
        self, company_id: uuid.UUID, f: CandidateFilter, status: str, count: int
    ) -> list[datetime]:
        """The middle one or two stage-entry times of the ``count`` candidates in ``status``."""
        if count == 0:
            return []
        scoped = replace(f, statuses=(status,))
        query = filtered(select(Candidate.stage_entered_at), company_id, scoped)
        middle = (count - 1) // 2
        return list(
            self.session.scalars(
                query.order_by(Candidate.stage_entered_at, Candidate.id)
                .offset(middle)
                .limit(2 if count % 2 == 0 else 1)
            )
        )

    def sources(self, company_id: uuid.UUID, f: CandidateFilter) -> list[str]:
        """The application sources among the matching candidates; "" for none."""
        query = filtered(select(Candidate.application_source), company_id, f).distinct()
        return sorted(source or "" for source in self.session.scalars(query))
