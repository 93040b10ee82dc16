"""Interviews: scheduling a panel, .ics invitations through the outbox and a real SMTP
server, rescheduling and cancelling with the same UID, and who sees which interviews."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditLog, Candidate, Interview, InterviewPanelist, Notification, User
from core.services import interviews, notifications
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from tests.helpers import actor_of_role, company_ids_by_name

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
BERLIN = interviews.Schedule(date(2026, 12, 3), time(15, 0), "Europe/Berlin", 45)


def _company(db: Database) -> uuid.UUID:
    return company_ids_by_name(db)["Quillpay"]


def _open_candidate(db: Database, company_id: uuid.UUID) -> uuid.UUID:
    with db.uow() as uow:
        return uow.session.scalars(
            select(Candidate.id)
            .where(Candidate.company_id == company_id, Candidate.status == "screening")
            .order_by(Candidate.id)
        ).first()


def _users(db: Database, company_id: uuid.UUID, *roles: str) -> list[User]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(User)
                .where(User.company_id == company_id, User.role.in_(roles))
                .order_by(User.username)
            )
        )


def _counts(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            model.__name__: uow.session.scalar(select(func.count()).select_from(model))
            for model in (Interview, InterviewPanelist, Notification, AuditLog)
        }


def _invitations(db: Database, interview_id: uuid.UUID) -> list[Notification]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(Notification)
                .where(Notification.dedupe_key.like(f"interview:{interview_id}:%"))
                .order_by(Notification.created_at, Notification.recipient)
            )
        )


def _event(notification: Notification) -> tuple[icalendar.Calendar, Any]:
    ics = notification.payload["attachments"][0]["content"]
    calendar = icalendar.Calendar.from_ical(ics)
    return calendar, next(iter(calendar.walk("VEVENT")))


@pytest.fixture(scope="module")
def panel(world: Database) -> dict[str, Any]:
    company = _company(world)
    talent = actor_of_role(world, company, "talent_lead")
    interviewers = _users(world, company, "interviewer", "founder")
    return {"company": company, "talent": talent, "panel": interviewers[:2]}


def test_scheduling_invites_each_panelist_with_a_calendar_file(
    world: Database, panel: dict[str, Any]
) -> None:
    candidate = _open_candidate(world, panel["company"])
    chosen = [u.id for u in panel["panel"]]
    view = interviews.schedule_interview(
        world.uow(), panel["talent"], candidate, "technical", BERLIN, chosen, NOW
    )
    # 15:00 in Berlin in December is 14:00 UTC; the list shows it in Berlin time.
    assert view.starts_at == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert view.local_start.strftime("%H:%M %Z") == "15:00 CET"
    assert {p.user_id for p in view.panel} == set(chosen)
    sent = _invitations(world, view.id)
    assert sorted(n.recipient for n in sent) == sorted(u.email for u in panel["panel"])
    calendar, event = _event(sent[0])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"interview-{view.id}@peopleos"
    assert event.decoded("DTSTART") == datetime(
        2026, 12, 3, 15, 0, tzinfo=event.decoded("DTSTART").tzinfo
    )
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    attendees = sorted(str(a).removeprefix("mailto:") for a in event.get("ATTENDEE"))
    assert attendees == sorted(u.email for u in panel["panel"])
    with world.uow() as uow:
        audit = uow.session.scalars(
            select(AuditLog).where(AuditLog.entity_id == str(view.id))
        ).one()
    assert audit.action == "interview.scheduled" and audit.actor == panel["talent"].username


def test_rescheduling_and_cancelling_update_the_same_calendar_event(
    world: Database, panel: dict[str, Any]
) -> None:
    candidate = _open_candidate(world, panel["company"])
    talent, chosen = panel["talent"], [panel["panel"][0].id]
    view = interviews.schedule_interview(
        world.uow(), talent, candidate, "phone", BERLIN, chosen, NOW
    )
    later = interviews.Schedule(date(2026, 12, 4), time(10, 30), "America/New_York", 30)
    moved = interviews.reschedule_interview(world.uow(), talent, view.id, later, NOW)
    assert moved.starts_at == datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    interviews.cancel_interview(world.uow(), talent, view.id, NOW)
    first, update, cancel = _invitations(world, view.id)
    events = [_event(n) for n in (first, update, cancel)]
    assert {str(e["UID"]) for _, e in events} == {f"interview-{view.id}@peopleos"}
    assert [int(e["SEQUENCE"]) for _, e in events] == [0, 1, 2]
    assert str(events[1][1]["DTSTART"].params["TZID"]) == "America/New_York"
    assert str(events[2][0]["METHOD"]) == "CANCEL"
    assert str(events[2][1]["STATUS"]) == "CANCELLED"
    assert cancel.subject.startswith("Cancelled:")
    # A cancelled interview is final.
    before = _counts(world)
    with pytest.raises(ValidationError, match="cancelled"):
        interviews.reschedule_interview(world.uow(), talent, view.id, later, NOW)
    assert _counts(world) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schedule": interviews.Schedule(date(2026, 11, 19), time(9), "UTC", 45)}, "passed"),
        (
            {"schedule": interviews.Schedule(date(2026, 12, 3), time(9), "Mars/Olympus", 45)},
            "time zone",
        ),
        # 02:30 on 28 March 2027 does not exist in Berlin: the clocks jump from 02:00 to 03:00.
        (
            {"schedule": interviews.Schedule(date(2027, 3, 28), time(2, 30), "Europe/Berlin", 45)},
            "does not exist",
        ),
        ({"schedule": interviews.Schedule(date(2026, 12, 3), time(9), "UTC", 5)}, "15 to 480"),
        ({"interview_type": "lunch"}, "Interview type"),
        ({"panel": []}, "at least one interviewer"),
        ({"panel": ["employee"]}, "active user who interviews"),
        ({"panel": ["other-company"]}, "active user who interviews"),
        ({"panel": ["nobody"]}, "active user who interviews"),
    ],
    ids=[
        "past",
        "zone",
        "dst-gap",
        "too-short",
        "type",
        "no-panel",
        "employee",
        "other-company",
        "unknown-user",
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    world: Database, panel: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    company = panel["company"]
    others = company_ids_by_name(world)
    other_company = next(c for name, c in others.items() if c != company)
    ids = {
        "employee": _users(world, company, "employee")[0].id,
        "other-company": _users(world, other_company, "interviewer")[0].id,
        "nobody": uuid.uuid4(),
    }
    chosen = (
        [ids[k] for k in change.get("panel", [])] if "panel" in change else [panel["panel"][0].id]
    )
    before = _counts(world)
    with pytest.raises(ValidationError, match=message):
        interviews.schedule_interview(
            world.uow(),
            panel["talent"],
            _open_candidate(world, company),
            change.get("interview_type", "technical"),
            change.get("schedule", BERLIN),
            chosen,
            NOW,
        )
    assert _counts(world) == before


def test_who_may_schedule_and_who_sees_which_interviews(
    world: Database, panel: dict[str, Any]
) -> None:
    company = panel["company"]
    candidate = _open_candidate(world, company)
    interviewer = actor_of_role(world, company, "interviewer")
    with pytest.raises(PermissionDeniedError):
        interviews.schedule_interview(
            world.uow(), interviewer, candidate, "phone", BERLIN, [interviewer.user_id], NOW
        )
    # Another company's talent lead cannot reach this candidate.
    other = next(c for c in company_ids_by_name(world).values() if c != company)
    with pytest.raises(NotFoundError):
        interviews.schedule_interview(
            world.uow(),
            actor_of_role(world, other, "talent_lead"),
            candidate,
            "phone",
            BERLIN,
            [interviewer.user_id],
            NOW,
        )
    view = interviews.schedule_interview(
        world.uow(), panel["talent"], candidate, "culture", BERLIN, [interviewer.user_id], NOW
    )
    mine = interviews.list_interviews(world.uow(), interviewer, NOW)
    assert view.id in [i.id for i in mine]
    with world.uow() as uow:
        on_panel = set(
            uow.session.scalars(
                select(InterviewPanelist.interview_id).where(
                    InterviewPanelist.user_id == interviewer.user_id
                )
            )
        )
    assert {i.id for i in mine} <= on_panel  # only panels they sit on
    everyone = interviews.list_interviews(world.uow(), panel["talent"], NOW)
    assert len(everyone) >= len(mine) and view.id in [i.id for i in everyone]
    assert [i.starts_at for i in everyone] == sorted(i.starts_at for i in everyone)
    past = interviews.list_interviews(world.uow(), panel["talent"], NOW, upcoming=False)
    assert past and all(i.starts_at < NOW for i in past)
    assert [i.starts_at for i in past] == sorted((i.starts_at for i in past), reverse=True)


@pytest.fixture
def smtp_server() -> Iterator[tuple[list[bytes], int]]:
    class Keep:
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
            self.messages.append(envelope.content)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    keep = Keep()
    controller = Controller(keep, hostname="127.0.0.1", port=port)
    controller.start()
    yield keep.messages, port
    controller.stop()


def test_the_invitation_email_carries_the_ics_to_a_real_smtp_server(
    world: Database, panel: dict[str, Any], smtp_server: tuple[list[bytes], int]
) -> None:
    messages, port = smtp_server
    view = interviews.schedule_interview(
        world.uow(),
        panel["talent"],
        _open_candidate(world, panel["company"]),
        "final",
        BERLIN,
        [panel["panel"][0].id],
        NOW,
    )
    sender = notifications.EmailSender(f"smtp://127.0.0.1:{port}?from=hr@acme.test", timeout=5)
    with world.uow() as uow:
        uow.session.execute(
            Notification.__table__.update()
            .where(~Notification.dedupe_key.like(f"interview:{view.id}:%"))
            .where(Notification.status == "pending")
            .values(next_attempt_at=datetime.now(UTC) + timedelta(days=365))
        )
        uow.commit()
    report = notifications.dispatch_due(
        world.uow(), {"email": sender}, datetime.now(UTC) + timedelta(minutes=1)
    )
    assert report.sent >= 1
    mail = message_from_bytes(messages[-1])
    parts = {part.get_content_type(): part for part in mail.walk()}
    assert "text/calendar" in parts
    calendar = parts["text/calendar"]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "interview.ics"
    event = next(
        iter(icalendar.Calendar.from_ical(calendar.get_payload(decode=True)).walk("VEVENT"))
    )
    assert str(event["UID"]) == f"interview-{view.id}@peopleos"


def _page(username: str) -> Any:
    from tests.helpers import login_app

    return login_app(username, "interviews")


def test_the_interviews_page_schedules_and_lists_for_the_scheduler(world_app: Database) -> None:
    company = _company(world_app)
    candidate = _open_candidate(world_app, company)
    with world_app.uow() as uow:
        name = uow.session.get(Candidate, candidate).full_name
    lead = _users(world_app, company, "interviewer")[0]
    at = _page("talent.quillpay")
    assert not at.exception
    at.text_input(key="iv_search").set_value(name).run()
    at.selectbox(key="new_zone").set_value("Europe/Berlin").run()
    at.multiselect[0].set_value([lead.id]).run()
    next(b for b in at.button if b.label == "Schedule and invite the panel").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("invitation(s) queued" in s.value for s in at.success)
    shown = at.dataframe[0].value
    assert name in set(shown["Candidate"]) and "Europe/Berlin" in set(shown["Time zone"])


def test_an_interviewer_sees_only_their_panels_and_no_scheduling(world_app: Database) -> None:
    company = _company(world_app)
    at = _page("interviewer.quillpay")
    assert not at.exception
    assert not [b for b in at.button if b.label == "Schedule and invite the panel"]
    assert [c.value for c in at.caption if "panel of" in c.value]
    interviewer = actor_of_role(world_app, company, "interviewer")
    expected = interviews.list_interviews(world_app.uow(), interviewer, datetime.now(UTC))
    if expected:
        assert len(at.dataframe[0].value) == len(expected)
    else:
        assert any("No upcoming interviews" in i.value for i in at.info)


class NoEncoder:
    """The demo roles name their family, so the generator never needs MiniLM here."""

    name = "none"

    def encode(self, texts: list[str]) -> Any:
        raise AssertionError("the role's family should come from its intelligence")


def _scored_open_candidate(db: Database, company_id: uuid.UUID) -> uuid.UUID:
    with db.uow() as uow:
        return uow.session.scalars(
            select(Candidate.id)
            .where(
                Candidate.company_id == company_id,
                Candidate.status.in_(("screening", "interview")),
                Candidate.fit_breakdown.is_not(None),
                Candidate.role_id.is_not(None),
            )
            .order_by(Candidate.id)
        ).first()


def test_questions_probe_the_weakest_dimension_and_say_why(
    world: Database, panel: dict[str, Any]
) -> None:
    from core.models import FitScoreDimension
    from core.services import interview_questions

    talent, interviewer = panel["talent"], actor_of_role(world, panel["company"], "interviewer")
    candidate = _scored_open_candidate(world, panel["company"])
    view = interviews.schedule_interview(
        world.uow(), talent, candidate, "technical", BERLIN, [interviewer.user_id], NOW
    )
    kit = interview_questions.generate_questions(world.uow(), talent, view.id, NoEncoder())
    with world.uow() as uow:
        dims = {
            d.dimension_type: d.score
            for d in uow.session.scalars(
                select(FitScoreDimension).where(FitScoreDimension.candidate_id == candidate)
            )
        }
        stored = uow.session.get(Interview, view.id).questions
    weakest = min(dims, key=lambda d: dims[d])
    assert len(kit) == interview_questions.KIT_SIZE
    assert kit[0].kind == "dimension" and kit[0].dimension == weakest
    assert "weakest" in kit[0].reason and f"({dims[weakest]}/100)" in kit[0].reason
    assert [q["id"] for q in stored] == [q.id for q in kit]
    # The same inputs give the same kit.
    again = interview_questions.generate_questions(world.uow(), talent, view.id, NoEncoder())
    assert [q.id for q in again] == [q.id for q in kit]
    # The panel reads it without the model's scores; others cannot read it at all.
    theirs = interview_questions.list_questions(world.uow(), interviewer, view.id)
    assert [q.text for q in theirs] == [q.text for q in kit]
    assert not any("/100" in q.reason or "weakest" in q.reason for q in theirs)
    assert not any("risk" in q.reason.lower() for q in theirs)
    assert theirs[0].reason.startswith("Probes ")
    other = _users(world, panel["company"], "founder")[0]
    outsider = actor_of_role(world, panel["company"], "interviewer")
    outsider = type(outsider)(
        other.id, other.username, other.full_name, "interviewer", panel["company"], "Quillpay"
    )
    with pytest.raises(NotFoundError):
        interview_questions.list_questions(world.uow(), outsider, view.id)


def test_a_kit_is_edited_before_the_interview_and_bad_edits_change_nothing(
    world: Database, panel: dict[str, Any]
) -> None:
    from core.services import interview_questions

    talent = panel["talent"]
    candidate = _scored_open_candidate(world, panel["company"])
    view = interviews.schedule_interview(
        world.uow(), talent, candidate, "culture", BERLIN, [panel["panel"][0].id], NOW
    )
    kit = interview_questions.generate_questions(world.uow(), talent, view.id, NoEncoder())
    first, second = kit[0].id, kit[1].id
    edited = interview_questions.save_questions(
        world.uow(),
        talent,
        view.id,
        {first: "  Tell me about   the launch you are proudest of. "},
        removed=frozenset({second}),
    )
    assert edited[0].text == "Tell me about the launch you are proudest of."
    assert edited[0].reason == kit[0].reason  # the why stays with the question
    assert second not in [q.id for q in edited] and len(edited) == len(kit) - 1
    before = interview_questions.list_questions(world.uow(), talent, view.id)
    for texts, message in (({first: "   "}, "cannot be empty"), ({"q-made-up": "x"}, "not in")):
        with pytest.raises(ValidationError, match=message):
            interview_questions.save_questions(world.uow(), talent, view.id, texts)
    assert interview_questions.list_questions(world.uow(), talent, view.id) == before
    interviews.cancel_interview(world.uow(), talent, view.id, NOW)
    with pytest.raises(ValidationError, match="cancelled"):
        interview_questions.generate_questions(world.uow(), talent, view.id, NoEncoder())


def test_the_page_generates_a_kit_the_panel_then_reads(world_app: Database) -> None:
    company = _company(world_app)
    talent = actor_of_role(world_app, company, "talent_lead")
    interviewer = actor_of_role(world_app, company, "interviewer")
    candidate = _scored_open_candidate(world_app, company)
    soon = datetime.now(UTC) + timedelta(days=2)
    view = interviews.schedule_interview(
        world_app.uow(),
        talent,
        candidate,
        "technical",
        interviews.Schedule(soon.date(), time(9, 0), "UTC", 60),
        [interviewer.user_id],
        datetime.now(UTC),
    )
    at = _page("talent.quillpay")
    at.selectbox(key="iv_kit_for").set_value(view.id).run()
    next(b for b in at.button if b.label == "Generate questions").click().run()
    assert not at.exception and not at.error
    mine = _page("interviewer.quillpay")
    mine.selectbox(key="iv_kit_for").set_value(view.id).run()
    kit = mine.dataframe[-1].value
    assert len(kit) == 8 and "Question" in kit.columns
    assert not any("/100" in why for why in kit["Why"])
    assert not [b for b in mine.button if b.label.startswith("Generate")]


def _two_panel_interview(
    world: Database, panel: dict[str, Any], *, fresh: bool = True
) -> tuple[Any, Any, Any]:
    """A scheduled interview with two interviewers on its panel, of a candidate interviewed
    by no one else (``fresh``) or of the module's usual open candidate."""
    company = panel["company"]
    first, second = (
        actor_of_role(world, company, "interviewer"),
        actor_of_role(world, company, "founder"),
    )
    candidate = _fresh_candidate(world, company) if fresh else _open_candidate(world, company)
    view = interviews.schedule_interview(
        world.uow(),
        panel["talent"],
        candidate,
        "technical",
        BERLIN,
        [first.user_id, second.user_id],
        NOW,
    )
    return view, first, second


def _fresh_candidate(db: Database, company_id: uuid.UUID) -> uuid.UUID:
    """An open, scored candidate with no interview yet (so no panel but ours)."""
    with db.uow() as uow:
        rated = select(Interview.candidate_id)
        return uow.session.scalars(
            select(Candidate.id)
            .where(
                Candidate.company_id == company_id,
                Candidate.status.in_(("applied", "screening")),
                Candidate.fit_breakdown.is_not(None),
                Candidate.id.not_in(rated),
            )
            .order_by(Candidate.id.desc())
        ).first()


GOOD = {"skills": 3, "experience": 4, "velocity": 2}
NOTES = {"skills": "Designed the queue well.", "velocity": "Slow to a first version."}


def test_an_interviewer_sees_others_feedback_only_after_giving_their_own(
    world: Database, panel: dict[str, Any]
) -> None:
    from core.services import interview_feedback as feedback

    view, first, second = _two_panel_interview(world, panel)
    assert feedback.scorecard_form(world.uow(), first, view.id) == list(GOOD)
    feedback.submit_scorecard(world.uow(), first, view.id, GOOD, NOTES, "yes", NOW)
    with world.uow() as uow:  # given before the interview's time: not yet "completed"
        assert uow.session.get(Interview, view.id).status == "scheduled"
    # The second panelist has not written theirs: the first's is held back from them.
    before = feedback.list_feedback(world.uow(), second, view.candidate_id)
    assert before.scorecards == [] and before.hidden == 1
    low = {"skills": 2, "experience": 2, "velocity": 1}
    after_it = view.starts_at + timedelta(hours=2)
    feedback.submit_scorecard(
        world.uow(), second, view.id, low, {"skills": "Guessed."}, "no", after_it
    )
    after = feedback.list_feedback(world.uow(), second, view.candidate_id)
    assert {c.interviewer_id for c in after.scorecards} == {first.user_id, second.user_id}
    assert feedback.list_feedback(world.uow(), panel["talent"], view.candidate_id).hidden == 0
    with world.uow() as uow:
        stored = uow.session.get(Interview, view.id)
        # Panel means 3.0 and 1.67 on 1-4 -> (2.33 - 1) / 3 -> 44 on 0-100.
        assert stored.status == "completed" and stored.score == 44
    rows = {
        r.dimension: r for r in feedback.debrief(world.uow(), panel["talent"], view.candidate_id)
    }
    assert rows["skills"].model is not None
    assert sorted(rows["skills"].ratings.values()) == [2, 3]
    with pytest.raises(PermissionDeniedError):
        feedback.debrief(
            world.uow(),
            second.__class__(
                *[
                    getattr(first, f)
                    for f in (
                        "user_id",
                        "username",
                        "full_name",
                        "role",
                        "company_id",
                        "company_name",
                    )
                ]
            ),
            view.candidate_id,
        )


def test_a_correction_is_a_new_version_and_the_first_stays(
    world: Database, panel: dict[str, Any]
) -> None:
    from core.models import InterviewScorecard
    from core.services import interview_feedback as feedback

    view, first, _ = _two_panel_interview(world, panel)
    feedback.submit_scorecard(world.uow(), first, view.id, GOOD, NOTES, "yes", NOW)
    fixed = feedback.submit_scorecard(
        world.uow(), first, view.id, {**GOOD, "velocity": 3}, NOTES, "strong_yes", NOW
    )
    assert fixed.version == 2
    with world.uow() as uow:
        cards = list(
            uow.session.scalars(
                select(InterviewScorecard)
                .where(InterviewScorecard.interview_id == view.id)
                .order_by(InterviewScorecard.version)
            )
        )
        actions = list(
            uow.session.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(view.id)))
        )
    assert [c.version for c in cards] == [1, 2] and cards[1].supersedes_id == cards[0].id
    assert cards[0].ratings["velocity"] == 2  # the submitted version is never changed
    assert "interview.feedback_corrected" in actions
    shown = feedback.list_feedback(world.uow(), panel["talent"], view.candidate_id).scorecards
    assert [c.version for c in shown if c.interview_id == view.id] == [2]


@pytest.mark.parametrize(
    ("ratings", "evidence", "recommendation", "message"),
    [
        ({"skills": 3}, NOTES, "yes", "Rate each of"),
        ({**GOOD, "velocity": 5}, NOTES, "yes", "1, 2, 3 or 4"),
        ({**GOOD, "velocity": True}, NOTES, "yes", "1, 2, 3 or 4"),
        (GOOD, {}, "yes", "at least one dimension"),
        (GOOD, {"skills": "x" * 2001}, "yes", "at most 2000"),
        (GOOD, NOTES, "maybe", "Choose a recommendation"),
    ],
    ids=["missing", "five", "bool", "no-evidence", "long", "recommendation"],
)
def test_a_bad_scorecard_gets_a_clear_message_and_changes_nothing(
    world: Database,
    panel: dict[str, Any],
    ratings: dict[str, Any],
    evidence: dict[str, str],
    recommendation: str,
    message: str,
) -> None:
    from core.services import interview_feedback as feedback

    view, first, _ = _two_panel_interview(world, panel, fresh=False)
    before = _counts(world)
    with pytest.raises(ValidationError, match=message):
        feedback.submit_scorecard(
            world.uow(), first, view.id, ratings, evidence, recommendation, NOW
        )
    assert _counts(world) == before


def test_a_scorecard_from_someone_not_on_the_panel_is_refused(
    world: Database, panel: dict[str, Any]
) -> None:
    from core.services import interview_feedback as feedback

    view, _, _ = _two_panel_interview(world, panel, fresh=False)
    before = _counts(world)
    with pytest.raises(ValidationError, match="not on this panel"):
        feedback.submit_scorecard(world.uow(), panel["talent"], view.id, GOOD, NOTES, "yes", NOW)
    assert _counts(world) == before


def test_scorecards_on_the_pages_hide_others_until_ones_own_is_in(world_app: Database) -> None:
    from core.services import interview_feedback as feedback
    from tests.helpers import login_app

    company = _company(world_app)
    talent = actor_of_role(world_app, company, "talent_lead")
    interviewer = actor_of_role(world_app, company, "interviewer")
    founder = actor_of_role(world_app, company, "founder")
    candidate = _fresh_candidate(world_app, company)
    view = interviews.schedule_interview(
        world_app.uow(),
        talent,
        candidate,
        "technical",
        interviews.Schedule((datetime.now(UTC) + timedelta(days=1)).date(), time(9), "UTC", 45),
        [interviewer.user_id, founder.user_id],
        datetime.now(UTC),
    )
    feedback.submit_scorecard(
        world_app.uow(), founder, view.id, GOOD, NOTES, "strong_yes", datetime.now(UTC)
    )
    profile = login_app("interviewer.quillpay")
    profile.query_params["id"] = str(candidate)
    profile.switch_page("pages/candidate.py").run()
    assert any("1 scorecard(s) from the panel stay hidden" in i.value for i in profile.info)
    # The interviewer gives theirs on the Interviews page.
    at = _page("interviewer.quillpay")
    at.selectbox(key="iv_feedback_for").set_value(view.id).run()
    for key, value in {"skills": 2, "experience": 3, "velocity": 3}.items():
        at.radio(key=f"rate_{view.id}_{key}").set_value(value)
    at.text_area(key=f"evidence_{view.id}_skills").set_value("Solid on queues.")
    next(r for r in at.radio if r.label == "Recommendation").set_value("yes")
    next(b for b in at.button if b.label == "Submit feedback").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("version 1" in s.value for s in at.success)
    profile.run()
    assert not any("stay hidden" in i.value for i in profile.info)
    cards = next(d.value for d in profile.dataframe if "Version" in d.value.columns)
    assert len(cards) == 2 and set(cards["Recommendation"]) == {"Yes", "Strong yes"}
    # The talent lead's debrief sets both ratings beside the model's scores.
    lead = login_app("talent.quillpay")
    lead.query_params["id"] = str(candidate)
    lead.switch_page("pages/candidate.py").run()
    debrief = lead.dataframe[-1].value
    assert "Model (0-100)" in debrief.columns and len(debrief.columns) == 4


def test_a_kit_stored_before_the_bank_still_reads(world: Database, panel: dict[str, Any]) -> None:
    """Demo interviews keep their earlier kits ({"question", "competency"})."""
    from core.services import interview_questions

    with world.uow() as uow:
        old = next(
            i
            for i in uow.session.scalars(
                select(Interview).where(
                    Interview.company_id == panel["company"], Interview.questions.is_not(None)
                )
            )
            if "question" in i.questions[0]
        )
        texts = [q["question"] for q in old.questions]
    kit = interview_questions.list_questions(world.uow(), panel["talent"], old.id)
    assert [q.text for q in kit] == texts and all(q.id for q in kit)
