"""Queries on candidates."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select

from core.models import Candidate, CandidateStageEvent, Interview, Role
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

    def list(
        self,
        company_id: uuid.UUID,
        *,
        role_id: uuid.UUID | None = None,
        status: str | None = None,
        search: str | None = None,
        interviewer_id: uuid.UUID | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[tuple[Candidate, str | None]], int]:
        """Candidates with their role title, newest first, and the total count."""
        query = (
            select(Candidate, Role.title)
            .outerjoin(Role, Role.id == Candidate.role_id)
            .where(Candidate.company_id == company_id)
        )
        if interviewer_id is not None:
            query = query.where(
                Candidate.id.in_(
                    select(Interview.candidate_id).where(
                        Interview.company_id == company_id,
                        Interview.interviewer_id == interviewer_id,
                    )
                )
            )
        if role_id is not None:
            query = query.where(Candidate.role_id == role_id)
        if status:
            query = query.where(Candidate.status == status)
        if search:
            pattern = f"%{search.strip().lower()}%"
            query = query.where(
                or_(
                    func.lower(Candidate.full_name).like(pattern),
                    func.lower(Candidate.email).like(pattern),
                )
            )
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.execute(
            query.order_by(Candidate.created_at.desc(), Candidate.id).limit(limit).offset(offset)
        )
        return [(c, title) for c, title in rows], total

    def get(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> Candidate | None:
        return self.session.scalars(
            select(Candidate).where(
                Candidate.company_id == company_id, Candidate.id == candidate_id
            )
        ).one_or_none()

    def is_interviewed_by(
        self, company_id: uuid.UUID, candidate_id: uuid.UUID, interviewer_id: uuid.UUID
    ) -> bool:
        found = self.session.scalar(
            select(Interview.id)
            .where(
                Interview.company_id == company_id,
                Interview.candidate_id == candidate_id,
                Interview.interviewer_id == interviewer_id,
            )
            .limit(1)
        )
        return found is not None

    def role_title(self, candidate: Candidate) -> str | None:
        if candidate.role_id is None:
            return None
        return self.session.scalar(select(Role.title).where(Role.id == candidate.role_id))

    def add_stage_event(self, event: CandidateStageEvent) -> None:
        self.session.add(event)

    def for_role(
        self, company_id: uuid.UUID, role_id: uuid.UUID, interviewer_id: uuid.UUID | None = None
    ) -> list[Candidate]:
        query = select(Candidate).where(
            Candidate.company_id == company_id, Candidate.role_id == role_id
        )
        if interviewer_id is not None:
            query = query.where(
                Candidate.id.in_(
                    select(Interview.candidate_id).where(
                        Interview.company_id == company_id,
                        Interview.interviewer_id == interviewer_id,
                    )
                )
            )
        return list(self.session.scalars(query.order_by(Candidate.updated_at)))

    def stage_events(
        self, company_id: uuid.UUID, candidate_ids: list[uuid.UUID]
    ) -> list[CandidateStageEvent]:
        return list(
            self.session.scalars(
                select(CandidateStageEvent).where(
                    CandidateStageEvent.company_id == company_id,
                    CandidateStageEvent.candidate_id.in_(candidate_ids),
                )
            )
        )
