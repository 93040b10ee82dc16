"""Interviews: scheduling a panel, invitations through the outbox, rescheduling, cancelling,
and the lists of upcoming and past interviews.

Every panelist gets an email with an ``.ics`` invitation. The interview keeps one calendar
UID; a reschedule or a cancellation raises its SEQUENCE and sends each panelist an update,
so their calendar moves or removes the event it holds. Interviewers see only interviews
they are on the panel of.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.db import UnitOfWork
from core.integrations.calendar import Invitation, to_ics
from core.models import Candidate, Interview, User
from core.models.enums import INTERVIEW_TYPES
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.interviews import InterviewListing, InterviewRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.roles import RoleRepository
from core.repositories.users import UserRepository
from core.services import notifications
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.scope import interviewer_scope, visible_candidate, visible_interview

MIN_MINUTES, MAX_MINUTES = 15, 480
MAX_PANEL = 6
# A candidate in one of these stages can be interviewed.
OPEN_STAGES = ("applied", "screening", "interview", "offer")
# Users who can sit on a panel: everyone but plain employees.
PANEL_ROLES = ("admin", "founder", "talent_lead", "interviewer")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Schedule:
    """When and how long: a local date and time in an IANA time zone."""

    day: date
    at: time
    timezone: str
    duration_minutes: int


@dataclass(frozen=True)
class Panelist:
    user_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class InterviewView:
    id: uuid.UUID
    candidate_id: uuid.UUID
    candidate_name: str
    role_title: str | None
    interview_type: str | None
    starts_at: datetime | None  # UTC
    timezone: str | None
    duration_minutes: int | None
    status: str
    panel: tuple[Panelist, ...]

    @property
    def local_start(self) -> datetime | None:
        """The start in the time zone it was scheduled in."""
        if self.starts_at is None:
            return None
        return self.starts_at.astimezone(ZoneInfo(self.timezone or "UTC"))


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name, sorted, for a picker (read from disk once per process)."""
    return tuple(sorted(available_timezones()))


def _starts_at(schedule: Schedule, now: datetime) -> datetime:
    """The UTC start of ``schedule``, or ValidationError for a bad zone, a local time that
    does not exist (clocks going forward), a duration out of range or a time in the past."""
    try:
        zone = ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone '{schedule.timezone}'; pick one such as Europe/Berlin."
        ) from None
    if not MIN_MINUTES <= schedule.duration_minutes <= MAX_MINUTES:
        raise ValidationError(
            f"An interview lasts {MIN_MINUTES} to {MAX_MINUTES} minutes, "
            f"not {schedule.duration_minutes}."
        )
    local = datetime.combine(schedule.day, schedule.at, tzinfo=zone)
    utc = local.astimezone(ZoneInfo("UTC"))
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(
            f"{schedule.at:%H:%M} on {schedule.day:%Y-%m-%d} does not exist in "
            f"{schedule.timezone} (the clocks go forward); choose another time."
        )
    if utc <= now:
        raise ValidationError("That time has passed; choose a time in the future.")
    return utc


def _panel(uow: UnitOfWork, actor: Actor, user_ids: list[uuid.UUID]) -> list[User]:
    """The panel's users, in the order given; ValidationError unless 1 to MAX_PANEL distinct
    active users of the actor's company who may interview."""
    unique = list(dict.fromkeys(user_ids))
    if not unique:
        raise ValidationError("Choose at least one interviewer.")
    if len(unique) > MAX_PANEL:
        raise ValidationError(f"A panel has at most {MAX_PANEL} interviewers.")
    users = UserRepository(uow.session)
    panel = []
    for user_id in unique:
        user = users.get(actor.company_id, user_id)
        if user is None or not user.is_active or user.role not in PANEL_ROLES:
            raise ValidationError("Every interviewer must be an active user who interviews.")
        panel.append(user)
    return panel


def panel_choices(uow: UnitOfWork, actor: Actor) -> list[Panelist]:
    """The company's users who can sit on a panel, by name."""
    actor.require(Permission.SCHEDULE_INTERVIEWS)
    with uow:
        return [
            Panelist(u.id, u.full_name)
            for u in sorted(UserRepository(uow.session).list(actor.company_id), key=_by_name)
            if u.is_active and u.role in PANEL_ROLES
        ]


@dataclass(frozen=True)
class CandidateChoice:
    id: uuid.UUID
    name: str
    status: str


def candidate_choice(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> CandidateChoice:
    """One candidate to schedule for (opened from their profile), or NotFoundError."""
    actor.require(Permission.SCHEDULE_INTERVIEWS)
    with uow:
        candidate = visible_candidate(uow.session, actor, candidate_id)
        return CandidateChoice(
            candidate.id, candidate.full_name or candidate.email, candidate.status
        )


def _by_name(user: User) -> str:
    return user.full_name.lower()


def schedule_interview(
    uow: UnitOfWork,
    actor: Actor,
    candidate_id: uuid.UUID,
    interview_type: str,
    schedule: Schedule,
    interviewer_ids: list[uuid.UUID],
    now: datetime,
) -> InterviewView:
    """Schedule an interview and invite its panel, in one transaction."""
    actor.require(Permission.SCHEDULE_INTERVIEWS)
    if interview_type not in INTERVIEW_TYPES:
        raise ValidationError(f"Interview type must be one of: {', '.join(INTERVIEW_TYPES)}.")
    starts_at = _starts_at(schedule, now)
    with uow:
        candidate = visible_candidate(uow.session, actor, candidate_id)
        if candidate.status not in OPEN_STAGES:
            raise ValidationError(
                f"{candidate.full_name or candidate.email} is {candidate.status}; only "
                "candidates still in the pipeline are interviewed."
            )
        panel = _panel(uow, actor, interviewer_ids)
        interview = Interview(
            company_id=actor.company_id,
            candidate_id=candidate.id,
            role_id=candidate.role_id,
            interview_type=interview_type,
            scheduled_at=starts_at,
            timezone=schedule.timezone,
            duration_minutes=schedule.duration_minutes,
            status="scheduled",
            sequence=0,
            interviewer_id=panel[0].id,
            created_at=now,
        )
        repo = InterviewRepository(uow.session)
        repo.add(interview, [u.id for u in panel])
        _invite(uow, actor, interview, candidate, panel, now)
        _audit(uow, actor, "interview.scheduled", interview, schedule)
        uow.commit()
        return _view(uow, actor, interview, candidate)


def reschedule_interview(
    uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID, schedule: Schedule, now: datetime
) -> InterviewView:
    """Move an interview; its panel gets an updated invitation (same UID, next SEQUENCE)."""
    actor.require(Permission.SCHEDULE_INTERVIEWS)
    starts_at = _starts_at(schedule, now)

    def move(interview: Interview) -> None:
        interview.scheduled_at = starts_at
        interview.timezone = schedule.timezone
        interview.duration_minutes = schedule.duration_minutes

    return _change(uow, actor, interview_id, move, "interview.rescheduled", schedule, now)


def cancel_interview(
    uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID, now: datetime
) -> InterviewView:
    """Cancel an interview; its panel gets a cancellation that removes the event."""
    actor.require(Permission.SCHEDULE_INTERVIEWS)

    def cancel(interview: Interview) -> None:
        interview.status = "cancelled"

    return _change(uow, actor, interview_id, cancel, "interview.cancelled", None, now)


def _change(
    uow: UnitOfWork,
    actor: Actor,
    interview_id: uuid.UUID,
    apply: Callable[[Interview], None],
    action: str,
    schedule: Schedule | None,
    now: datetime,
) -> InterviewView:
    """Change a scheduled interview and send its panel the update (same UID, next
    SEQUENCE), in one transaction."""
    with uow:
        interview, candidate = _open_interview(uow, actor, interview_id)
        apply(interview)
        interview.sequence += 1
        panel = _panel_users(uow, actor, interview)
        _invite(uow, actor, interview, candidate, panel, now)
        _audit(uow, actor, action, interview, schedule)
        uow.commit()
        return _view(uow, actor, interview, candidate)


def _open_interview(
    uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID
) -> tuple[Interview, Candidate]:
    interview = InterviewRepository(uow.session).get(actor.company_id, interview_id)
    if interview is None:
        raise NotFoundError("Interview not found.")
    candidate = visible_candidate(uow.session, actor, interview.candidate_id)
    if interview.status != "scheduled":
        raise ValidationError(f"This interview is {interview.status}; it cannot change now.")
    return interview, candidate


def _panel_users(uow: UnitOfWork, actor: Actor, interview: Interview) -> list[User]:
    rows = InterviewRepository(uow.session).list_panel(actor.company_id, [interview.id])
    return [user for _, user in rows]


def _invite(
    uow: UnitOfWork,
    actor: Actor,
    interview: Interview,
    candidate: Candidate,
    panel: list[User],
    now: datetime,
) -> None:
    """One email per panelist with the invitation (or its update or cancellation)."""
    assert interview.scheduled_at is not None and interview.duration_minutes is not None
    role_title = _role_title(uow, actor, interview)
    who = candidate.full_name or candidate.email
    kind = (interview.interview_type or "").capitalize()
    title = f"{kind} interview: {who}" + (f" ({role_title})" if role_title else "")
    cancelled = interview.status == "cancelled"
    invitation = Invitation(
        uid=f"interview-{interview.id}@peopleos",
        sequence=interview.sequence,
        starts_at=interview.scheduled_at,
        ends_at=interview.scheduled_at + timedelta(minutes=interview.duration_minutes),
        timezone=interview.timezone or "UTC",
        summary=title,
        description=f"Candidate: {who}\nPanel: {', '.join(u.full_name for u in panel)}",
        attendees=tuple((u.full_name, u.email) for u in panel if u.email),
        cancelled=cancelled,
    )
    ics = to_ics(invitation, now)
    local = interview.scheduled_at.astimezone(ZoneInfo(invitation.timezone))
    when = f"{local:%A %d %B %Y, %H:%M} ({invitation.timezone}), {interview.duration_minutes} min"
    verb = "Cancelled" if cancelled else ("Updated" if interview.sequence else "Invitation")
    repo = NotificationRepository(uow.session)
    for user in panel:
        if not user.email:
            continue
        notifications.enqueue(
            repo,
            company_id=actor.company_id,
            event_type="interview.invitation",
            channel="email",
            recipient=user.email,
            subject=f"{verb}: {title}"[:200],
            body=(
                f"{'This interview is cancelled.' if cancelled else 'You are on the panel.'}\n\n"
                f"{title}\n{when}\n\nThe calendar invitation is attached."
            ),
            dedupe_key=f"interview:{interview.id}:{interview.sequence}:{user.id}",
            attachments=(
                notifications.Attachment(
                    filename="interview.ics",
                    content_type="text/calendar",
                    content=ics,
                    params=(("method", "CANCEL" if cancelled else "REQUEST"),),
                ),
            ),
        )


def _audit(
    uow: UnitOfWork, actor: Actor, action: str, interview: Interview, schedule: Schedule | None
) -> None:
    summary = {"type": interview.interview_type, "sequence": interview.sequence}
    if schedule is not None:
        summary |= {
            "at": f"{schedule.day:%Y-%m-%d} {schedule.at:%H:%M} {schedule.timezone}",
            "minutes": schedule.duration_minutes,
        }
    AuditRepository(uow.session).add(
        **actor.audit_fields(),
        action=action,
        entity_type="interview",
        entity_id=str(interview.id),
        summary=summary,
    )


def _view(
    uow: UnitOfWork, actor: Actor, interview: Interview, candidate: Candidate
) -> InterviewView:
    listing = InterviewListing(
        interview, candidate.full_name or candidate.email, _role_title(uow, actor, interview)
    )
    return _views(uow, actor, [listing])[0]


def _role_title(uow: UnitOfWork, actor: Actor, interview: Interview) -> str | None:
    if interview.role_id is None:
        return None
    role = RoleRepository(uow.session).get(actor.company_id, interview.role_id)
    return role.title if role else None


def _views(uow: UnitOfWork, actor: Actor, listings: list[InterviewListing]) -> list[InterviewView]:
    panels: dict[uuid.UUID, list[Panelist]] = {}
    for interview_id, user in InterviewRepository(uow.session).list_panel(
        actor.company_id, [entry.interview.id for entry in listings]
    ):
        panels.setdefault(interview_id, []).append(Panelist(user.id, user.full_name))
    return [
        InterviewView(
            id=e.interview.id,
            candidate_id=e.interview.candidate_id,
            candidate_name=e.candidate_name,
            role_title=e.role_title,
            interview_type=e.interview.interview_type,
            starts_at=e.interview.scheduled_at,
            timezone=e.interview.timezone,
            duration_minutes=e.interview.duration_minutes,
            status=e.interview.status,
            panel=tuple(panels.get(e.interview.id, ())),
        )
        for e in listings
    ]


def get_interview(uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID) -> InterviewView:
    """One interview the actor may see (interviewers: only those on whose panel they sit)."""
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        interview, candidate = visible_interview(uow.session, actor, interview_id)
        return _view(uow, actor, interview, candidate)


def list_interviews(
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    *,
    upcoming: bool = True,
    candidate_id: uuid.UUID | None = None,
    page: int = 1,
) -> list[InterviewView]:
    """Upcoming (soonest first) or past (latest first) interviews, a page of PAGE_SIZE;
    an interviewer sees only those they are on the panel of."""
    actor.require(Permission.VIEW_CANDIDATES)
    if page < 1:
        raise ValidationError("Page numbers start at 1.")
    with uow:
        if candidate_id is not None:
            visible_candidate(uow.session, actor, candidate_id)
        listings = InterviewRepository(uow.session).list(
            actor.company_id,
            now=now,
            upcoming=upcoming,
            panelist_id=interviewer_scope(actor),
            candidate_id=candidate_id,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        return _views(uow, actor, listings)
