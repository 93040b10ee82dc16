"""Queries on candidates: lists filtered, sorted and paged in the database."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update

from core.models import Candidate, CandidateStageEvent, Interview, InterviewPanelist, Role
from core.repositories.base import Repository

# Sort key -> ORDER BY, unscored last for scores; ties by id so pages never overlap.
SORTS: dict[str, tuple[Any, ...]] = {
    "newest": (Candidate.created_at.desc(),),
    "fit": (Candidate.fit_score.desc().nulls_last(), Candidate.created_at.desc()),
    "success": (Candidate.success_probability.desc().nulls_last(), Candidate.created_at.desc()),
    "days_in_stage": (Candidate.stage_entered_at.asc(),),
    "name": (func.lower(Candidate.full_name).asc().nulls_last(),),
}


# Sorts a cursor can page through: the nullable score (None: by arrival alone), then arrival,
# newest first, then id. A cursor holds the last row's values of these three.
KEYSET_SCORES: dict[str, Any] = {
    "newest": None,
    "fit": Candidate.fit_score,
    "success": Candidate.success_probability,
}


@dataclass(frozen=True)
class KeysetPosition:
    """The last row of a page: where the next one starts."""

    score: int | None
    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class CandidateFilter:
    """What narrows a list of a company's candidates (empty fields: no narrowing)."""

    role_id: uuid.UUID | None = None
    statuses: Collection[str] = ()
    sources: Collection[str] = ()  # "" matches candidates without a source
    search: str | None = None
    entered_before: datetime | None = None  # in their stage since at least this time
    interviewer_id: uuid.UUID | None = None  # only candidates this user interviews
    person_id: uuid.UUID | None = None
    exclude: Collection[uuid.UUID] = field(default_factory=tuple)


def interviewed_by(company_id: uuid.UUID, interviewer_id: uuid.UUID) -> Select[Any]:
    """Ids of the candidates ``interviewer_id`` interviews: on any of their interviews'
    panels (the lead interviewer is always on the panel). A subquery."""
    return (
        select(Interview.candidate_id)
        .join(InterviewPanelist, InterviewPanelist.interview_id == Interview.id)
        .where(
            InterviewPanelist.company_id == company_id,
            InterviewPanelist.user_id == interviewer_id,
        )
    )


def filtered(query: Select[Any], company_id: uuid.UUID, f: CandidateFilter) -> Select[Any]:
    """``query`` narrowed to the company's candidates matching ``f``."""
    query = query.where(Candidate.company_id == company_id)
    if f.interviewer_id is not None:
        query = query.where(Candidate.id.in_(interviewed_by(company_id, f.interviewer_id)))
    if f.role_id is not None:
        query = query.where(Candidate.role_id == f.role_id)
    if f.statuses:
        query = query.where(Candidate.status.in_(list(f.statuses)))
    if f.sources:
        named = [s for s in f.sources if s]
        clauses = [Candidate.application_source.in_(named)] if named else []
        if "" in f.sources:
            clauses.append(Candidate.application_source.is_(None))
        query = query.where(or_(*clauses))
    if f.search:
        pattern = f"%{f.search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Candidate.full_name).like(pattern),
                func.lower(Candidate.email).like(pattern),
            )
        )
    if f.entered_before is not None:
        query = query.where(Candidate.stage_entered_at <= f.entered_before)
    if f.person_id is not None:
        query = query.where(Candidate.person_id == f.person_id)
    if f.exclude:
        query = query.where(Candidate.id.not_in(list(f.exclude)))
    return query


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
        f: CandidateFilter,
        *,
        sort: str = "newest",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[tuple[Candidate, str | None]], int]:
        """One page of matching candidates with their role title, and the total count."""
        query = filtered(
            select(Candidate, Role.title).outerjoin(Role, Role.id == Candidate.role_id),
            company_id,
            f,
        )
        total = self.count(company_id, f)
        rows = self.session.execute(
            query.order_by(*SORTS[sort], Candidate.id).limit(limit).offset(offset)
        )
        return [(c, title) for c, title in rows], total

    def list_after(
        self,
        company_id: uuid.UUID,
        f: CandidateFilter,
        *,
        sort: str,
        after: KeysetPosition | None,
        limit: int,
    ) -> list[tuple[Candidate, str | None]]:
        """Matching candidates with their role title, in ``sort`` order (a key of
        KEYSET_SCORES), starting after ``after``: each page is one index range, however
        deep, and rows arriving meanwhile never shift a page."""
        score = KEYSET_SCORES[sort]
        order: list[Any] = [] if score is None else [score.desc().nulls_last()]
        order += [Candidate.created_at.desc(), Candidate.id.asc()]
        query = filtered(
            select(Candidate, Role.title).outerjoin(Role, Role.id == Candidate.role_id),
            company_id,
            f,
        )
        if after is not None:
            later = or_(
                Candidate.created_at < after.created_at,
                and_(Candidate.created_at == after.created_at, Candidate.id > after.id),
            )
            if score is not None:
                if after.score is None:
                    later = and_(score.is_(None), later)
                else:
                    later = or_(
                        score < after.score,
                        score.is_(None),
                        and_(score == after.score, later),
                    )
            query = query.where(later)
        rows = self.session.execute(query.order_by(*order).limit(limit))
        return [(c, title) for c, title in rows]

    def count(self, company_id: uuid.UUID, f: CandidateFilter) -> int:
        query = filtered(select(func.count()).select_from(Candidate), company_id, f)
        return self.session.scalar(query) or 0

    def get(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> Candidate | None:
        return self.session.scalars(
            select(Candidate).where(
                Candidate.company_id == company_id, Candidate.id == candidate_id
            )
        ).one_or_none()

    def list_with_roles(
        self,
        company_id: uuid.UUID,
        candidate_ids: Collection[uuid.UUID],
        f: CandidateFilter | None = None,
    ) -> dict[uuid.UUID, tuple[Candidate, str | None]]:
        """The given candidates of the company (matching ``f``) with role titles, by id."""
        if not candidate_ids:
            return {}
        query = filtered(
            select(Candidate, Role.title).outerjoin(Role, Role.id == Candidate.role_id),
            company_id,
            f or CandidateFilter(),
        )
        rows = self.session.execute(query.where(Candidate.id.in_(list(candidate_ids))))
        return {c.id: (c, title) for c, title in rows}

    def is_interviewed_by(
        self, company_id: uuid.UUID, candidate_id: uuid.UUID, interviewer_id: uuid.UUID
    ) -> bool:
        found = self.session.scalar(
            interviewed_by(company_id, interviewer_id)
            .where(Interview.candidate_id == candidate_id)
            .limit(1)
        )
        return found is not None

    def role_title(self, candidate: Candidate) -> str | None:
        if candidate.role_id is None:
            return None
        return self.session.scalar(
            select(Role.title).where(
                Role.company_id == candidate.company_id, Role.id == candidate.role_id
            )
        )

    def relink_person(self, company_id: uuid.UUID, old: uuid.UUID, new: uuid.UUID) -> None:
        """Applications filed under person ``old`` now belong to person ``new``."""
        self.session.execute(
            update(Candidate)
            .where(Candidate.company_id == company_id, Candidate.person_id == old)
            .values(person_id=new)
        )

    def add_stage_event(self, candidate: Candidate, event: CandidateStageEvent) -> None:
        """Record a stage move; a move to another stage restarts the time in stage."""
        self.session.add(event)
        if event.from_status != event.to_status:
            candidate.stage_entered_at = event.created_at

    def stage_events(
        self, company_id: uuid.UUID, candidate_ids: Collection[uuid.UUID]
    ) -> list[CandidateStageEvent]:
        return list(
            self.session.scalars(
                select(CandidateStageEvent)
                .where(
                    CandidateStageEvent.company_id == company_id,
                    CandidateStageEvent.candidate_id.in_(list(candidate_ids)),
                )
                .order_by(CandidateStageEvent.created_at)
            )
        )
