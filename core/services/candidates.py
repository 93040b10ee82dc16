"""Candidates: the list and the profile, scoped by company and, for interviewers, by
the interviews they hold. Opening a profile is audited.

An application is one person applying to one role; a person who applies to several roles
has one application per role, linked by ``person_id``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.db import UnitOfWork
from core.models import Candidate, CandidateStageEvent
from core.models.enums import CANDIDATE_STATUSES
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.candidates import SORTS, CandidateFilter, CandidateRepository
from core.repositories.interviews import InterviewRepository
from core.repositories.roles import RoleRepository
from core.services import scoring, webhooks
from core.services.auth import Actor
from core.services.errors import ValidationError
from core.services.exports import csv_text
from core.services.scope import interviewer_scope, visible_candidate

MAX_PAGE_SIZE = 200
STAGES = CANDIDATE_STATUSES
# Stages a plain move reaches; an offer and a hire carry details (core.services.hiring).
MOVABLE_STAGES = tuple(s for s in STAGES if s not in ("offer", "hired"))
OPEN_STAGES = ("applied", "screening", "interview", "offer")
SORT_LABELS = {
    "newest": "Newest first",
    "fit": "Fit score, highest first",
    "success": "Success probability, highest first",
    "days_in_stage": "Longest in stage first",
    "name": "Name A-Z",
}
assert set(SORT_LABELS) == set(SORTS)


@dataclass(frozen=True)
class CandidateRow:
    id: uuid.UUID
    reference: str | None
    full_name: str | None
    email: str
    role_title: str | None
    status: str
    source: str | None
    fit_score: int | None  # None: not scored yet, or hidden from interviewers
    success_probability: int | None
    applied_at: datetime
    stage_entered_at: datetime

    def days_in_stage(self, now: datetime) -> int:
        """Whole days since the stage event that put the candidate in their stage."""
        return max((now - self.stage_entered_at).days, 0)


@dataclass(frozen=True)
class CandidatePage:
    rows: list[CandidateRow]
    total: int
    roles: dict[uuid.UUID, str]
    scores_visible: bool  # False for interviewers: the model must not bias the interview


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
    status: str = "scheduled"
    timezone: str | None = None
    duration_minutes: int | None = None
    panel: tuple[str, ...] = ()

    @property
    def local_start(self) -> datetime | None:
        """The start in the time zone it was scheduled in."""
        if self.scheduled_at is None:
            return None
        return self.scheduled_at.astimezone(ZoneInfo(self.timezone or "UTC"))


@dataclass(frozen=True)
class OtherApplication:
    id: uuid.UUID
    role_title: str | None
    status: str
    applied_at: datetime


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
    stage_entered_at: datetime
    resume_text: str | None
    interviews: list[InterviewSummary]
    skills: list[str]
    years_experience: float | None
    answers: dict[str, str] = field(default_factory=dict)  # the applicant's own words
    expected_compensation: int | None = None
    other_applications: list[OtherApplication] = field(default_factory=list)
    scores_visible: bool = True
    scoring_opt_out: bool = False  # asked not to be scored automatically


def candidate_filter(
    actor: Actor,
    *,
    role_id: uuid.UUID | None = None,
    statuses: list[str] | tuple[str, ...] = (),
    sources: list[str] | tuple[str, ...] = (),
    search: str | None = None,
    entered_before: datetime | None = None,
) -> CandidateFilter:
    """A checked filter of the actor's candidates (bad values raise ValidationError)."""
    actor.require(Permission.VIEW_CANDIDATES)
    unknown = set(statuses) - set(CANDIDATE_STATUSES)
    if unknown:
        raise ValidationError(f"Unknown stage '{sorted(unknown)[0]}'.")
    if search is not None and len(search) > 200:
        raise ValidationError("Search text is too long (200 characters at most).")
    return CandidateFilter(
        role_id=role_id,
        statuses=tuple(statuses),
        sources=tuple(sources),
        search=(search or "").strip() or None,
        entered_before=entered_before,
        interviewer_id=interviewer_scope(actor),
    )


def _check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise ValidationError(f"Unknown sort '{sort}'.")


def candidate_row(actor: Actor, candidate: Any, title: str | None) -> CandidateRow:
    """A list row of ``candidate``; its scores only for those who see scores."""
    scores = actor.can(Permission.VIEW_SCORES)
    return CandidateRow(
        candidate.id,
        candidate.reference,
        candidate.full_name,
        candidate.email,
        title,
        candidate.status,
        candidate.application_source,
        candidate.fit_score if scores else None,
        candidate.success_probability if scores else None,
        candidate.created_at,
        candidate.stage_entered_at,
    )


def list_candidates(
    uow: UnitOfWork,
    actor: Actor,
    *,
    role_id: uuid.UUID | None = None,
    status: str | None = None,
    search: str | None = None,
    sort: str = "newest",
    limit: int = 50,
    offset: int = 0,
) -> CandidatePage:
    """One page of the actor's candidates, filtered and sorted in the database."""
    actor.require(Permission.VIEW_CANDIDATES)
    if status is not None and status not in CANDIDATE_STATUSES:
        raise ValidationError(f"Unknown stage '{status}'.")
    scores = actor.can(Permission.VIEW_SCORES)
    if sort in ("fit", "success") and not scores:
        raise ValidationError("Your role does not see scores, so it cannot sort by them.")
    _check_sort(sort)
    f = candidate_filter(
        actor, role_id=role_id, statuses=(status,) if status else (), search=search
    )
    with uow:
        rows, total = CandidateRepository(uow.session).list(
            actor.company_id,
            f,
            sort=sort,
            limit=max(1, min(limit, MAX_PAGE_SIZE)),
            offset=max(0, offset),
        )
        roles = {r.id: r.title for r in RoleRepository(uow.session).list(actor.company_id)}
        return CandidatePage(
            rows=[candidate_row(actor, c, title) for c, title in rows],
            total=total,
            roles=roles,
            scores_visible=scores,
        )


def list_roles(uow: UnitOfWork, actor: Actor) -> dict[uuid.UUID, str]:
    """The company's roles by id, for choosing one (any role that may see candidates)."""
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        return {r.id: r.title for r in RoleRepository(uow.session).list(actor.company_id)}


def get_candidate_profile(
    uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID
) -> CandidateProfile:
    """A candidate's profile; the view is written to the audit log.

    Interviewers see the resume, the role, the applicant's answers and their own interviews,
    never scores or other interviewers' notes.
    """
    actor.require(Permission.VIEW_CANDIDATES)
    interviewer = interviewer_scope(actor)
    with uow:
        repo = CandidateRepository(uow.session)
        candidate = visible_candidate(uow.session, actor, candidate_id)
        roles = {r.id: r.title for r in RoleRepository(uow.session).list(actor.company_id)}
        held = InterviewRepository(uow.session).list_for_candidate(actor.company_id, candidate_id)
        panels: dict[uuid.UUID, list[str]] = {}
        panel_ids: dict[uuid.UUID, set[uuid.UUID]] = {}
        for interview_id, user in InterviewRepository(uow.session).list_panel(
            actor.company_id, [i.id for i, _ in held]
        ):
            panels.setdefault(interview_id, []).append(user.full_name)
            panel_ids.setdefault(interview_id, set()).add(user.id)
        interviews = [
            InterviewSummary(
                i.interview_type,
                i.scheduled_at,
                i.conducted_at,
                name,
                i.score,
                *_feedback(i.feedback),
                status=i.status,
                timezone=i.timezone,
                duration_minutes=i.duration_minutes,
                panel=tuple(panels.get(i.id, ())),
            )
            for i, name in held
            if interviewer is None or interviewer in panel_ids.get(i.id, set())
        ]
        others, _ = repo.list(
            actor.company_id,
            CandidateFilter(
                person_id=candidate.person_id, exclude=(candidate.id,), interviewer_id=interviewer
            ),
            limit=MAX_PAGE_SIZE,
        )
        parsed = candidate.resume_profile or {}
        scores = actor.can(Permission.VIEW_SCORES)
        profile = CandidateProfile(
            id=candidate.id,
            full_name=candidate.full_name,
            email=candidate.email,
            linkedin_url=candidate.linkedin_url,
            role_title=roles.get(candidate.role_id) if candidate.role_id else None,
            status=candidate.status,
            source=candidate.application_source,
            fit_score=candidate.fit_score if scores else None,
            applied_at=candidate.created_at,
            stage_entered_at=candidate.stage_entered_at,
            resume_text=candidate.resume_text,
            interviews=interviews,
            skills=list(parsed.get("skills", [])),
            years_experience=parsed.get("total_years"),
            answers={q: a for q, a in (parsed.get("answers") or {}).items() if a},
            expected_compensation=parsed.get("expected_compensation"),
            other_applications=[
                OtherApplication(c.id, title, c.status, c.created_at) for c, title in others
            ],
            scores_visible=scores,
            scoring_opt_out=candidate.scoring_opt_out,
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


def record_move(
    repo: CandidateRepository,
    candidate: Candidate,
    to_status: str,
    reason: str,
    now: datetime,
    *,
    by: str,
    reason_code: str | None = None,
) -> None:
    """Record a stage move in the caller's unit of work: the stage event (from which time
    in stage is measured) and the candidate's new stage. Callers check who may make the
    move, check the move itself, and audit it."""
    repo.add_stage_event(
        candidate,
        CandidateStageEvent(
            company_id=candidate.company_id,
            candidate_id=candidate.id,
            from_status=candidate.status,
            to_status=to_status,
            reason=reason,
            reason_code=reason_code,
            actor=by,
            created_at=now,
        ),
    )
    webhooks.announce(
        repo.session,
        candidate.company_id,
        "candidate.stage_changed",
        {
            "candidate_id": str(candidate.id),
            "role_id": str(candidate.role_id) if candidate.role_id else None,
            "from": candidate.status,
            "to": to_status,
            "reason_code": reason_code,
        },
        now,
    )
    candidate.status = to_status
    candidate.updated_at = now


def _check_move(
    candidate_ids: list[uuid.UUID], to_status: str, reason: str, reason_code: str | None
) -> str:
    if not candidate_ids:
        raise ValidationError("Choose at least one candidate.")
    if len(candidate_ids) > MAX_PAGE_SIZE:
        raise ValidationError(f"Move at most {MAX_PAGE_SIZE} candidates at a time.")
    if to_status not in CANDIDATE_STATUSES:
        raise ValidationError(f"Unknown stage '{to_status}'.")
    if to_status in ("offer", "hired"):
        # These moves carry details (salary, start date, the new account): see hiring.
        action = "Make an offer" if to_status == "offer" else "Hire"
        raise ValidationError(f"Use “{action}” on the candidate's profile for this move.")
    reason = reason.strip()
    if not reason or len(reason) > 1000:
        raise ValidationError("Give a reason for the move (up to 1,000 characters).")
    if to_status == "rejected" and reason_code not in REJECTION_CODES:
        raise ValidationError("Choose a rejection reason code.")
    return reason


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
    reason = _check_move(candidate_ids, to_status, reason, reason_code)
    with uow:
        repo = CandidateRepository(uow.session)
        for candidate_id in dict.fromkeys(candidate_ids):
            candidate = visible_candidate(uow.session, actor, candidate_id)
            allowed = _NEXT.get(candidate.status, set())
            if candidate.status in _NEXT:
                allowed = allowed | {"rejected"}
            if to_status not in allowed:
                raise ValidationError(
                    f"{candidate.full_name or candidate.email} is {candidate.status}; "
                    f"cannot move to {to_status}."
                )
            AuditRepository(uow.session).add(
                **actor.audit_fields(),
                action="candidate.moved",
                entity_type="candidate",
                entity_id=str(candidate.id),
                summary={"from": candidate.status, "to": to_status, "code": reason_code},
            )
            record_move(
                repo, candidate, to_status, reason, now, by=actor.username, reason_code=reason_code
            )
            # A high-risk candidate moving forward alerts the team (a person still decides).
            scoring.alert_if_high_risk(
                uow.session, actor, candidate, to_status, repo.role_title(candidate)
            )
        uow.commit()
    return len(set(candidate_ids))


EXPORT_HEADER = (
    "reference",
    "name",
    "email",
    "role",
    "stage",
    "source",
    "fit_score",
    "success_probability",
    "applied_at",
    "stage_entered_at",
    "days_in_stage",
)


def rows_csv(rows: list[CandidateRow], now: datetime) -> str:
    """Candidate rows as the CSV both exports hand out (safe cells, days in stage at now)."""
    return csv_text(
        EXPORT_HEADER,
        (
            (
                r.reference,
                r.full_name,
                r.email,
                r.role_title,
                r.status,
                r.source,
                r.fit_score,
                r.success_probability,
                r.applied_at.isoformat(),
                r.stage_entered_at.isoformat(),
                r.days_in_stage(now),
            )
            for r in rows
        ),
    )


def export_csv(
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    *,
    role_id: uuid.UUID | None = None,
    status: str | None = None,
    search: str | None = None,
    sort: str = "newest",
) -> str:
    """The filtered candidates as CSV (no resumes), in the list's order; audited."""
    actor.require(Permission.EXPORT_CANDIDATES)
    rows: list[CandidateRow] = []
    offset = 0
    while True:
        page = list_candidates(
            uow,
            actor,
            role_id=role_id,
            status=status,
            search=search,
            sort=sort,
            limit=MAX_PAGE_SIZE,
            offset=offset,
        )
        rows.extend(page.rows)
        offset += MAX_PAGE_SIZE
        if offset >= page.total:
            break
    text = rows_csv(rows, now)
    with uow:
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.exported",
            entity_type="candidate",
            summary={"rows": len(rows), "status": status, "role_id": str(role_id or "")},
        )
        uow.commit()
    return text
