"""Queries of the bias audit: self-identified candidates, their stages, scores and features.

Self-identification is read here only to be counted in aggregate; it never reaches a
model, a score or a reviewer.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.models import Candidate, CandidateStageEvent, Role, SelfIdentification
from core.repositories.base import Repository


@dataclass(frozen=True)
class SelfIdentifiedCandidate:
    """What the audit needs of one candidate who answered the self-identification form."""

    candidate_id: uuid.UUID
    role_id: uuid.UUID | None
    status: str
    fit_score: int | None
    features: dict[str, float] | None  # the model features stored with the current score
    answers: dict[str, Any]


class FairnessRepository(Repository):
    def list_self_identified(
        self,
        company_id: uuid.UUID,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[SelfIdentifiedCandidate]:
        """The company's candidates with self-identification, applied in [start, end)."""
        query = (
            select(
                Candidate.id,
                Candidate.role_id,
                Candidate.status,
                Candidate.fit_score,
                Candidate.fit_breakdown,
                SelfIdentification.answers,
            )
            .join(
                SelfIdentification,
                (SelfIdentification.candidate_id == Candidate.id)
                & (SelfIdentification.company_id == company_id),
            )
            .where(Candidate.company_id == company_id)
            .order_by(Candidate.created_at, Candidate.id)
        )
        if start is not None:
            query = query.where(Candidate.created_at >= start)
        if end is not None:
            query = query.where(Candidate.created_at < end)
        return [
            SelfIdentifiedCandidate(
                cid, role_id, status, score, (breakdown or {}).get("features"), dict(answers or {})
            )
            for cid, role_id, status, score, breakdown, answers in self.session.execute(query)
        ]

    def list_scores(
        self, company_id: uuid.UUID, start: datetime | None = None, end: datetime | None = None
    ) -> list[tuple[uuid.UUID, uuid.UUID | None, int]]:
        """(candidate, role, fit score) of every scored candidate applied in [start, end):
        a role's median is taken over all its candidates, answered or not."""
        query = select(Candidate.id, Candidate.role_id, Candidate.fit_score).where(
            Candidate.company_id == company_id, Candidate.fit_score.is_not(None)
        )
        if start is not None:
            query = query.where(Candidate.created_at >= start)
        if end is not None:
            query = query.where(Candidate.created_at < end)
        return [(cid, role_id, int(score)) for cid, role_id, score in self.session.execute(query)]

    def list_stage_statuses(
        self, company_id: uuid.UUID, candidate_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[str]]:
        """Every stage each candidate was moved to (from the stage events)."""
        out: dict[uuid.UUID, list[str]] = defaultdict(list)
        wanted = list(candidate_ids)
        for i in range(0, len(wanted), 500):  # keeps the IN list short on any database
            rows = self.session.execute(
                select(CandidateStageEvent.candidate_id, CandidateStageEvent.to_status).where(
                    CandidateStageEvent.company_id == company_id,
                    CandidateStageEvent.candidate_id.in_(wanted[i : i + 500]),
                )
            )
            for cid, status in rows:
                out[cid].append(status)
        return out

    def list_role_titles(self, company_id: uuid.UUID) -> dict[uuid.UUID, str]:
        rows = self.session.execute(
            select(Role.id, Role.title).where(Role.company_id == company_id)
        )
        return {role_id: title for role_id, title in rows}
