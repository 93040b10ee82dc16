"""Culture pulse: open a round, remind once, take anonymous answers, and report aggregates
that cannot single anyone out.

Anonymity, end to end:
- An answer is stored without its author (``employee_id`` empty, dated at the round's
  opening, a random id); who answered is a flag on their invitation, without a time. The
  audit row of an answer names the round, not the answer.
- Figures are shown per round, only once the round has closed (a live figure changing
  as one more person answers would show that person's answer), and only for groups that
  :func:`ml.anonymity.shown_groups` allows. The groups are decided over the whole round
  (the company and every team) whatever the page filters, so every filter and the CSV
  export show a subset of the same allowed figures; no two of them differ by fewer than
  the minimum group.
- A comment is shown only within an allowed group, with its team only if that team's
  group is allowed; comments are listed alphabetically, not in answer order.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.config import Settings
from core.db import UnitOfWork
from core.models import CulturePulse, CulturePulseCheck, CulturePulseParticipant
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.culture_pulse import CulturePulseRepository
from core.repositories.notifications import NotificationRepository
from core.services import notifications
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from ml.anonymity import shown_groups
from ml.culture_pulse import AnswerError, aggregate, build_questions, culture_gap, score_sheet

OPEN_FOR = timedelta(days=14)
REMIND_AFTER = timedelta(days=7)
COMPANY = "All teams"
NO_TEAM = "No team"


@dataclass(frozen=True)
class MyPulse:
    """The open round as one employee sees it."""

    pulse_id: uuid.UUID
    opened_at: datetime
    closes_at: datetime
    questions: list[dict[str, Any]]
    asked: bool  # invited to this round (employed when it opened)
    answered: bool


@dataclass(frozen=True)
class Opened:
    pulse_id: uuid.UUID
    asked: int
    closes_at: datetime


@dataclass(frozen=True)
class RoundView:
    id: uuid.UUID
    opened_at: datetime
    closes_at: datetime
    is_open: bool
    questions: list[dict[str, Any]]


@dataclass(frozen=True)
class GroupView:
    """One round's figures for the company or one team; ``figures`` is None (and no
    count of answers is given) when the group may not be shown."""

    round_id: uuid.UUID
    team: str  # COMPANY for the whole company
    asked: int
    answered: int | None
    figures: dict[str, Any] | None
    comments: tuple[tuple[str, str | None], ...] = ()  # (comment, team if it may be shown)

    @property
    def shown(self) -> bool:
        return self.figures is not None


@dataclass(frozen=True)
class CultureReport:
    min_group: int
    rounds: list[RoundView]
    groups: list[GroupView]
    teams: list[str]
    gap: list[dict[str, Any]] = field(default_factory=list)
    gap_round: datetime | None = None  # the round the gap is measured on
    has_dna: bool = False


def _asked_employee(actor: Actor) -> uuid.UUID:
    actor.require(Permission.ANSWER_PULSE)
    if actor.employee_id is None:
        raise ValidationError(
            "Your account is not linked to an employee record, so there is no pulse to "
            "answer. An admin can link it on the Users page."
        )
    return actor.employee_id


def my_pulse(uow: UnitOfWork, actor: Actor, now: datetime) -> MyPulse | None:
    """The round open now, whether the actor was asked and has answered (None: none open)."""
    employee_id = _asked_employee(actor)
    with uow:
        repo = CulturePulseRepository(uow.session)
        pulse = repo.get_latest_pulse(actor.company_id)
        if pulse is None or pulse.closes_at <= now:
            return None
        invite = repo.get_participant(actor.company_id, pulse.id, employee_id)
        return MyPulse(
            pulse.id,
            pulse.opened_at,
            pulse.closes_at,
            [dict(q) for q in pulse.questions],
            asked=invite is not None,
            answered=bool(invite and invite.answered),
        )


def submit_answers(
    uow: UnitOfWork,
    actor: Actor,
    pulse_id: uuid.UUID,
    answers: dict[str, Any],
    comment: str | None,
    now: datetime,
) -> None:
    """Store one anonymous answer sheet and mark the actor as having answered, in one
    transaction; a second sheet for the same round is refused."""
    employee_id = _asked_employee(actor)
    with uow:
        repo = CulturePulseRepository(uow.session)
        pulse = repo.get_pulse(actor.company_id, pulse_id)
        if pulse is None:
            raise NotFoundError("This pulse does not exist.")
        if pulse.closes_at <= now:
            raise ValidationError(f"This pulse closed on {pulse.closes_at:%Y-%m-%d}.")
        invite = repo.get_participant(actor.company_id, pulse.id, employee_id)
        if invite is None:
            raise ValidationError("You were not asked in this pulse (you joined after it opened).")
        if invite.answered:
            raise ValidationError("You have already answered this pulse; thank you.")
        try:
            sheet = score_sheet(pulse.questions, answers, comment)
        except AnswerError as exc:
            raise ValidationError(str(exc)) from None
        repo.add_check(
            CulturePulseCheck(
                company_id=actor.company_id,
                employee_id=None,
                pulse_id=pulse.id,
                team=invite.team,
                created_at=pulse.opened_at,
                **sheet,
            )
        )
        invite.answered = True
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="culture_pulse.answered",
            entity_type="culture_pulse",
            entity_id=str(pulse.id),
            summary={},
        )
        uow.commit()


def open_pulse(uow: UnitOfWork, actor: Actor, now: datetime, *, base_url: str) -> Opened:
    """Open a round now: questions from the company's DNA, everyone who can answer asked
    and told by email."""
    actor.require(Permission.RUN_CULTURE_PULSE)
    with uow:
        opened = _open(uow, actor.company_id, actor.username, now, base_url)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="culture_pulse.opened",
            entity_type="culture_pulse",
            entity_id=str(opened.pulse_id),
            summary={"asked": opened.asked},
        )
        uow.commit()
        return opened


def _open(
    uow: UnitOfWork, company_id: uuid.UUID, opened_by: str, now: datetime, base_url: str
) -> Opened:
    repo = CulturePulseRepository(uow.session)
    latest = repo.get_latest_pulse(company_id)
    if latest is not None and latest.closes_at > now:
        raise ValidationError(
            f"A pulse is already open until {latest.closes_at:%Y-%m-%d}; one at a time."
        )
    people = repo.list_respondents(company_id, now.date())
    if not people:
        raise ValidationError(
            "Nobody can answer yet: no active employee has a PeopleOS account with an email."
        )
    company = CompanyRepository(uow.session).get(company_id)
    culture = ((company.dna_profile if company else None) or {}).get("culture") or []
    pulse = CulturePulse(
        company_id=company_id,
        opened_at=now,
        closes_at=now + OPEN_FOR,
        questions=build_questions(culture),
        opened_by=opened_by,
        created_at=now,
    )
    repo.add_pulse(pulse)
    outbox = NotificationRepository(uow.session)
    for employee, _ in people:
        repo.add_participant(
            CulturePulseParticipant(
                company_id=company_id,
                pulse_id=pulse.id,
                employee_id=employee.id,
                team=employee.department,
            )
        )
        _tell(outbox, company_id, pulse, employee.email, "open", base_url)
    return Opened(pulse.id, len(people), pulse.closes_at)


def _tell(
    outbox: NotificationRepository,
    company_id: uuid.UUID,
    pulse: CulturePulse,
    email: str | None,
    kind: str,
    base_url: str,
) -> None:
    first = "A new culture pulse is open" if kind == "open" else "A reminder: the culture pulse"
    notifications.enqueue(
        outbox,
        company_id=company_id,
        event_type=f"culture_pulse.{kind}",
        channel="email",
        recipient=email,
        subject="Culture pulse: two minutes, anonymous",
        body=(
            f"{first} until {pulse.closes_at:%Y-%m-%d}: {len(pulse.questions)} short "
            f"questions at {base_url}/pulse. Your answers are stored without your name; "
            "results are shown only for groups of several people, after the pulse closes."
        ),
        dedupe_key=f"culture-pulse-{kind}:{pulse.id}:{email}",
    )


def run_schedule(uow: UnitOfWork, settings: Settings, now: datetime) -> dict[str, int]:
    """The worker's daily pass, one transaction per company: open a round where one is
    due (every ``pulse_every_weeks``; never while one is open) and remind, once, those
    who have not answered a round open for a week."""
    counts = {"opened": 0, "reminded": 0, "nobody_to_ask": 0}
    with uow:
        company_ids = CulturePulseRepository(uow.session).list_company_ids()
    for company_id in company_ids:
        with uow:
            for key, n in _schedule_company(uow, settings, company_id, now).items():
                counts[key] += n
            uow.commit()
    return counts


def _schedule_company(
    uow: UnitOfWork, settings: Settings, company_id: uuid.UUID, now: datetime
) -> dict[str, int]:
    repo = CulturePulseRepository(uow.session)
    latest = repo.get_latest_pulse(company_id)
    every = timedelta(weeks=settings.pulse_every_weeks)
    due = settings.pulse_every_weeks and (latest is None or latest.opened_at + every <= now)
    if due and (latest is None or latest.closes_at <= now):
        try:
            _open(uow, company_id, "worker", now, settings.base_url)
        except ValidationError:
            return {"nobody_to_ask": 1}  # nobody can answer yet
        return {"opened": 1}
    if latest is None or latest.closes_at <= now or latest.reminded_at is not None:
        return {}
    if now - latest.opened_at < REMIND_AFTER:
        return {}
    outbox = NotificationRepository(uow.session)
    unanswered = repo.list_unanswered(company_id, latest.id)
    for invite, email, _ in unanswered:
        _tell(outbox, company_id, latest, email, "reminder", settings.base_url)
        invite.reminded = True
    latest.reminded_at = now
    return {"reminded": len(unanswered)}


def culture_report(uow: UnitOfWork, actor: Actor, now: datetime, min_group: int) -> CultureReport:
    """Every round with the figures that may be shown, and the gap between the culture the
    DNA describes and the one people report (on the latest closed round shown)."""
    actor.require(Permission.VIEW_CULTURE_PULSE)
    with uow:
        repo = CulturePulseRepository(uow.session)
        pulses = repo.list_pulses(actor.company_id)
        checks = repo.list_checks(actor.company_id)
        asked = repo.count_asked_by_team(actor.company_id)
        company = CompanyRepository(uow.session).get(actor.company_id)
        culture = ((company.dna_profile if company else None) or {}).get("culture") or []
    by_round: dict[uuid.UUID, list[CulturePulseCheck]] = defaultdict(list)
    for check in checks:
        by_round[check.pulse_id].append(check)  # type: ignore[index]
    rounds: list[RoundView] = []
    groups: list[GroupView] = []
    teams: set[str] = set()
    for pulse in pulses:
        view = RoundView(
            pulse.id,
            pulse.opened_at,
            pulse.closes_at,
            pulse.closes_at > now,
            [dict(q) for q in pulse.questions],
        )
        rounds.append(view)
        round_teams = {team or NO_TEAM for (pid, team) in asked if pid == pulse.id}
        teams |= round_teams
        groups += _round_groups(view, by_round[pulse.id], asked, round_teams, min_group)
    gap, gap_round = _gap(culture, rounds, groups)
    return CultureReport(
        min_group, rounds, groups, sorted(teams), gap, gap_round, has_dna=bool(culture)
    )


def _round_groups(
    view: RoundView,
    checks: list[CulturePulseCheck],
    asked: dict[tuple[uuid.UUID, str | None], int],
    teams: set[str],
    min_group: int,
) -> list[GroupView]:
    members: dict[str, frozenset[uuid.UUID]] = {
        COMPANY: frozenset(c.id for c in checks),
        **{team: frozenset(c.id for c in checks if (c.team or NO_TEAM) == team) for team in teams},
    }
    # Nothing of an open round is shown: its figures would change with each answer.
    shown = frozenset() if view.is_open else shown_groups(members, min_group)
    asked_in = {
        team: sum(n for (pid, t), n in asked.items() if pid == view.id and (t or NO_TEAM) == team)
        for team in teams
    }
    asked_in[COMPANY] = sum(asked_in.values())
    sheets = {c.id: (c.pulse_data or {}).get("answers") or {} for c in checks}
    notes = {
        c.id: ((c.pulse_data or {}).get("comment"), c.team or NO_TEAM)
        for c in checks
        if (c.pulse_data or {}).get("comment")
    }
    result = []
    for name in [COMPANY, *sorted(teams)]:
        if name not in shown:
            result.append(GroupView(view.id, name, asked_in[name], None, None))
            continue
        ids = members[name]
        comments = sorted(
            (
                (str(text), team if team in shown else None)
                for cid, (text, team) in notes.items()
                if cid in ids
            ),
            key=lambda pair: (pair[0], pair[1] or ""),
        )
        result.append(
            GroupView(
                view.id,
                name,
                asked_in[name],
                len(ids),
                aggregate(view.questions, [sheets[i] for i in ids]),
                tuple(comments),
            )
        )
    return result


def _gap(
    culture: list[dict[str, Any]], rounds: list[RoundView], groups: list[GroupView]
) -> tuple[list[dict[str, Any]], datetime | None]:
    company = {g.round_id: g for g in groups if g.team == COMPANY and g.shown}
    for view in reversed(rounds):
        group = company.get(view.id)
        if group is not None and group.figures is not None:
            return culture_gap(culture, view.questions, group.figures), view.opened_at
    return [], None


def report_rows(report: CultureReport) -> list[dict[str, Any]]:
    """The report as CSV rows: one per round, group and question; a group that may not be
    shown gets one row saying so, with no figure."""
    rows: list[dict[str, Any]] = []
    rounds = {r.id: r for r in report.rounds}
    for group in report.groups:
        view = rounds[group.round_id]
        head = {"round_opened": f"{view.opened_at:%Y-%m-%d}", "team": group.team}
        if group.figures is None:
            rows.append(
                {
                    **head,
                    "question": "",
                    "answers": "",
                    "mean_0_100": "",
                    "enps": "",
                    "note": "round still open" if view.is_open else "not enough responses",
                }
            )
            continue
        for q in view.questions:
            figure = group.figures["questions"].get(q["key"])
            if figure is None:
                continue
            rows.append(
                {
                    **head,
                    "question": q["text"],
                    "answers": figure["n"],
                    "mean_0_100": figure["mean"] if q["scale"] != "nps" else "",
                    "enps": round(group.figures["enps"]) if q["scale"] == "nps" else "",
                    "note": "",
                }
            )
    return rows
