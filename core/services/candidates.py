"""Candidates: the list and the profile, scoped by company and, for interviewers, by
the interviews they hold. Opening a profile is audited."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.db import UnitOfWork
from core.models import CandidateStageEvent
from core.models.enums import CANDIDATE_STATUSES
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.candidates import CandidateRepository
from core.repositories.interviews import InterviewRepository
from core.repositories.roles import RoleRepository
from core.services import scoring
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.exports import csv_text

MAX_PAGE_SIZE = 200
STAGES = CANDIDATE_STATUSES


@dataclass(frozen=True)
class CandidateRow:
    id: uuid.UUID
    full_name: str | None
    email: str
    role_title: str | None
    status: str
    source: str | None
    fit_score: int | None
    applied_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CandidatePage:
    rows: list[CandidateRow]
    total: int
    roles: dict[uuid.UUID, str]


@dataclass(frozen=True)
class InterviewSummary:
    interview_type: str | None
    scheduled_at: datetime | None
    conducted_at: datetime | None
    interviewer: str | None
    score: int | None
    recommendation: str | None
    strengths: str | None
    concerns: str | None


@dataclass(frozen=True)
class CandidateProfile:
    id: uuid.UUID
    full_name: str | None
    email: str
    linkedin_url: str | None
    role_title: str | None
    status: str
    source: str | None
    fit_score: int | None
    applied_at: datetime
    updated_at: datetime
    resume_text: str | None
    interviews: list[InterviewSummary]
    skills: list[str]
    years_experience: float | None


def _interviewer_scope(actor: Actor) -> uuid.UUID | None:
    """Interviewers only see candidates they interview."""
    if actor.can(Permission.VIEW_ALL_CANDIDATES):
        return None
    if actor.user_id is None:
        raise ValidationError("This action needs a user account.")
    return actor.user_id


def list_candidates(
    uow: UnitOfWork,
    actor: Actor,
    *,
    role_id: uuid.UUID | None = None,
    status: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CandidatePage:
    actor.require(Permission.VIEW_CANDIDATES)
    if status is not None and status not in CANDIDATE_STATUSES:
        raise ValidationError(f"Unknown stage '{status}'.")
    if search is not None and len(search) > 200:
        raise ValidationError("Search text is too long (200 characters at most).")
    interviewer = _interviewer_scope(actor)
    with uow:
        repo = CandidateRepository(uow.session)
        rows, total = repo.list(
            actor.company_id,
            role_id=role_id,
            status=status,
            search=search or None,
            interviewer_id=interviewer,
            limit=max(1, min(limit, MAX_PAGE_SIZE)),
            offset=max(0, offset),
        )
        roles = {r.id: r.title for r in RoleRepository(uow.session).list(actor.company_id)}
        return CandidatePage(
            rows=[
                CandidateRow(
                    c.id,
                    c.full_name,
                    c.email,
                    title,
                    c.status,
                    c.application_source,
                    c.fit_score,
                    c.created_at,
                    c.updated_at,
                )
                for c, title in rows
            ],
            total=total,
            roles=roles,
        )


def get_candidate_profile(
    uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID
) -> CandidateProfile:
    """A candidate's profile; the view is written to the audit log."""
    actor.require(Permission.VIEW_CANDIDATES)
    interviewer = _interviewer_scope(actor)
    with uow:
        repo = CandidateRepository(uow.session)
        candidate = repo.get(actor.company_id, candidate_id)
        if candidate is None or (
            interviewer is not None
            and not repo.is_interviewed_by(actor.company_id, candidate_id, interviewer)
        ):
            raise NotFoundError("Candidate not found.")
        roles = {r.id: r.title for r in RoleRepository(uow.session).list(actor.company_id)}
        interviews = [
            InterviewSummary(
                i.interview_type,
                i.scheduled_at,
                i.conducted_at,
                name,
                i.score,
                *_feedback(i.feedback),
            )
            for i, name in InterviewRepository(uow.session).list_for_candidate(
                actor.company_id, candidate_id
            )
        ]
        profile = CandidateProfile(
            id=candidate.id,
            full_name=candidate.full_name,
            email=candidate.email,
            linkedin_url=candidate.linkedin_url,
            role_title=roles.get(candidate.role_id) if candidate.role_id else None,
            status=candidate.status,
            source=candidate.application_source,
            fit_score=candidate.fit_score,
            applied_at=candidate.created_at,
            updated_at=candidate.updated_at,
            resume_text=candidate.resume_text,
            interviews=interviews,
            skills=list((candidate.resume_profile or {}).get("skills", [])),
            years_experience=(candidate.resume_profile or {}).get("total_years"),
        )
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.viewed",
            entity_type="candidate",
            entity_id=str(candidate.id),
        )
        uow.commit()
    return profile


def _feedback(feedback: dict[str, Any] | None) -> tuple[str | None, str | None, str | None]:
    if not feedback:
        return None, None, None
    return feedback.get("recommendation"), feedback.get("strengths"), feedback.get("concerns")


REJECTION_CODES = {
    "skills": "Missing must-have skills",
    "experience": "Experience level does not fit",
    "stage_fit": "Not a fit for our stage",
    "role_filled": "Role filled or closed",
    "withdrew": "Candidate withdrew",
    "no_response": "No response from candidate",
    "other": "Other (see reason)",
}
# Forward one stage at a time (or straight to hired from offer); rejection from any open stage.
_NEXT = {
    "applied": {"screening"},
    "screening": {"interview"},
    "interview": {"offer"},
    "offer": {"hired"},
}


def move_stage(
    uow: UnitOfWork,
    actor: Actor,
    candidate_ids: list[uuid.UUID],
    to_status: str,
    *,
    reason: str,
    now: datetime,
    reason_code: str | None = None,
) -> int:
    """Move candidates to ``to_status`` with a reason; all of them or none. Returns the count."""
    actor.require(Permission.MOVE_CANDIDATES)
    if not candidate_ids:
        raise ValidationError("Choose at least one candidate.")
    if len(candidate_ids) > MAX_PAGE_SIZE:
        raise ValidationError(f"Move at most {MAX_PAGE_SIZE} candidates at a time.")
    if to_status not in CANDIDATE_STATUSES:
        raise ValidationError(f"Unknown stage '{to_status}'.")
    reason = reason.strip()
    if not reason or len(reason) > 1000:
        raise ValidationError("Give a reason for the move (up to 1,000 characters).")
    if to_status == "rejected" and reason_code not in REJECTION_CODES:
        raise ValidationError("Choose a rejection reason code.")
    with uow:
        repo = CandidateRepository(uow.session)
        for candidate_id in dict.fromkeys(candidate_ids):
            candidate = repo.get(actor.company_id, candidate_id)
            if candidate is None:
                raise NotFoundError("Candidate not found.")
            allowed = _NEXT.get(candidate.status, set())
            if candidate.status in _NEXT:
                allowed = allowed | {"rejected"}
            if to_status not in allowed:
                raise ValidationError(
                    f"{candidate.full_name or candidate.email} is {candidate.status}; "
                    f"cannot move to {to_status}."
                )
            repo.add_stage_event(
                CandidateStageEvent(
                    company_id=actor.company_id,
                    candidate_id=candidate.id,
                    from_status=candidate.status,
                    to_status=to_status,
                    reason=reason,
                    reason_code=reason_code,
                    actor=actor.username,
                    created_at=now,
                )
            )
            AuditRepository(uow.session).add(
                **actor.audit_fields(),
                action="candidate.moved",
                entity_type="candidate",
                entity_id=str(candidate.id),
                summary={"from": candidate.status, "to": to_status, "code": reason_code},
            )
            candidate.status = to_status
            candidate.updated_at = now
            # A high-risk candidate moving forward alerts the team (a person still decides).
            scoring.alert_if_high_risk(
                uow.session, actor, candidate, to_status, repo.role_title(candidate)
            )
        uow.commit()
    return len(set(candidate_ids))


def export_csv(
    uow: UnitOfWork,
    actor: Actor,
    *,
    role_id: uuid.UUID | None = None,
    status: str | None = None,
    search: str | None = None,
) -> str:
    """The filtered candidates as CSV (no resumes); the export is audited."""
    actor.require(Permission.VIEW_CANDIDATES)
    rows: list[CandidateRow] = []
    offset = 0
    while True:
        page = list_candidates(
            uow,
            actor,
            role_id=role_id,
            status=status,
            search=search,
            limit=MAX_PAGE_SIZE,
            offset=offset,
        )
        rows.extend(page.rows)
        offset += MAX_PAGE_SIZE
        if offset >= page.total:
            break
    text = csv_text(
        ["name", "email", "role", "stage", "source", "fit_score", "applied_at", "updated_at"],
        (
            (
                r.full_name,
                r.email,
                r.role_title,
                r.status,
                r.source,
                r.fit_score,
                r.applied_at.isoformat(),
                r.updated_at.isoformat(),
            )
            for r in rows
        ),
    )
    with uow:
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.exported",
            entity_type="candidate",
            summary={"rows": len(rows), "status": status, "role_id": str(role_id or "")},
        )
        uow.commit()
    return text


@dataclass(frozen=True)
class BoardCard:
    id: uuid.UUID
    full_name: str | None
    days_in_stage: int
    status: str
    source: str | None
    fit_score: int | None
    applied_at: datetime


OPEN_STAGES = ("applied", "screening", "interview", "offer")


@dataclass(frozen=True)
class Board:
    columns: dict[str, list[BoardCard]]
    reached: dict[str, int]  # candidates who reached at least this stage (known history)

    def conversion(self, stage: str, previous: str) -> float | None:
        base = self.reached.get(previous, 0)
        return None if base == 0 else self.reached.get(stage, 0) / base

    def cards(
        self,
        *,
        stages: Collection[str] = (),
        sources: Collection[str] = (),
        min_days: int = 0,
    ) -> list[BoardCard]:
        """Every card in stage order, narrowed by stage, source and days in stage (empty: all)."""
        return [
            card
            for stage in CANDIDATE_STATUSES
            if not stages or stage in stages
            for card in self.columns[stage]
            if (not sources or (card.source or "") in sources) and card.days_in_stage >= min_days
        ]

    def sources(self) -> list[str]:
        """The application sources on the board, sorted; "" for candidates without one."""
        return sorted({card.source or "" for cards in self.columns.values() for card in cards})

    def median_days_in_stage(self) -> dict[str, float]:
        """Median days in stage of the candidates now in each open stage (empty stages left out)."""
        return {
            stage: statistics.median(card.days_in_stage for card in self.columns[stage])
            for stage in OPEN_STAGES
            if self.columns[stage]
        }


def _board(repo: CandidateRepository, actor: Actor, role_id: uuid.UUID, now: datetime) -> Board:
    interviewer = _interviewer_scope(actor)
    order = (*OPEN_STAGES, "hired")
    people = repo.for_role(actor.company_id, role_id, interviewer)
    furthest = {c.id: c.status for c in people}
    # A rejected candidate got as far as the stage they were rejected from.
    for event in repo.stage_events(actor.company_id, [c.id for c in people]):
        if event.to_status == "rejected" and event.from_status in order:
            furthest[event.candidate_id] = event.from_status
    columns: dict[str, list[BoardCard]] = {s: [] for s in CANDIDATE_STATUSES}
    for c in sorted(people, key=lambda c: c.updated_at):
        columns[c.status].append(
            BoardCard(
                c.id,
                c.full_name,
                max((now - c.updated_at).days, 0),
                c.status,
                c.application_source,
                c.fit_score,
                c.created_at,
            )
        )
    reached = {
        s: sum(1 for f in furthest.values() if f in order and order.index(f) >= order.index(s))
        for s in order
    }
    return Board(columns, reached)


def pipeline_board(uow: UnitOfWork, actor: Actor, role_id: uuid.UUID, now: datetime) -> Board:
    """A role's candidates by stage, oldest in stage first, with stage-to-stage conversion."""
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        return _board(CandidateRepository(uow.session), actor, role_id, now)


def export_pipeline_csv(
    uow: UnitOfWork,
    actor: Actor,
    role_id: uuid.UUID,
    now: datetime,
    *,
    stages: Collection[str] = (),
    sources: Collection[str] = (),
    min_days: int = 0,
) -> str:
    """A role's pipeline, filtered as on the Pipeline page, as CSV; the export is audited."""
    actor.require(Permission.VIEW_CANDIDATES)
    unknown = set(stages) - set(CANDIDATE_STATUSES)
    if unknown:
        raise ValidationError(f"Unknown stage '{sorted(unknown)[0]}'.")
    if min_days < 0:
        raise ValidationError("Days in stage cannot be negative.")
    with uow:
        cards = _board(CandidateRepository(uow.session), actor, role_id, now).cards(
            stages=stages, sources=sources, min_days=min_days
        )
        text = csv_text(
            ["name", "stage", "source", "fit_score", "applied_at", "days_in_stage"],
            (
                (
                    c.full_name,
                    c.status,
                    c.source,
                    c.fit_score,
                    c.applied_at.isoformat(),
                    c.days_in_stage,
                )
                for c in cards
            ),
        )
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.exported",
            entity_type="candidate",
            summary={
                "rows": len(cards),
                "role_id": str(role_id),
                "stages": sorted(stages),
                "sources": sorted(sources),
                "min_days": min_days,
            },
        )
        uow.commit()
    return text
