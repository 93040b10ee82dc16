"""Culture pulse: anonymous answers, one per person and round, a schedule with one
reminder, and a report that shows no figure of a group below the minimum, under every
filter, in the CSV export and in the subtraction case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.config import load_settings
from core.db import Database
from core.models import (
    AuditLog,
    Company,
    CulturePulse,
    CulturePulseCheck,
    CulturePulseParticipant,
    Employee,
    Notification,
    User,
)
from core.services import culture_pulse
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from ml.culture_pulse import AnswerError, aggregate, build_questions, culture_gap, enps, score_sheet
from tests.conftest import DEMO_AS_OF
from tests.helpers import actor_of_role, company_ids_by_name, login_app

NOW = datetime.combine(DEMO_AS_OF, time(12), UTC)
CULTURE = [
    {
        "key": "speed",
        "name": "Speed",
        "score": 80,
        "stated_values": ["Ship fast"],
        "evidence": ["We release every day."],
    },
    {
        "key": "care",
        "name": "Care",
        "score": 40,
        "stated_values": ["Look after each other"],
        "evidence": [],
    },
]


def _full_sheet(questions: list[dict[str, Any]], agree: int = 4, nps: int = 9) -> dict[str, int]:
    return {q["key"]: (nps if q["scale"] == "nps" else agree) for q in questions}


# ------------------------------------------------------------------------------ pure parts


def test_questions_come_from_the_stated_values_and_remember_their_dimension() -> None:
    questions = build_questions(CULTURE)
    values = [q for q in questions if q["key"].startswith("value:")]
    assert [(q["value"], q["dimension"]) for q in values] == [
        ("Ship fast", "speed"),
        ("Look after each other", "care"),
    ]
    assert {q["key"] for q in questions} >= {"builder", "workload", "manager", "enps"}


def test_an_answer_sheet_is_scored_and_a_bad_one_refused() -> None:
    questions = build_questions(CULTURE)
    sheet = _full_sheet(questions, agree=5, nps=10) | {"value:1": 1}
    scored = score_sheet(questions, sheet, "  Good month. ")
    assert scored["alignment_score"] == 50 and scored["builder_mindset_score"] == 100
    assert scored["enps"] == 10 and scored["pulse_data"]["comment"] == "Good month."
    for bad in (
        {k: v for k, v in sheet.items() if k != "enps"},  # unanswered
        sheet | {"workload": 6},  # off the scale
        sheet | {"enps": 11},
        sheet | {"builder": True},
        sheet | {"extra": 3},  # not a question of this pulse
    ):
        with pytest.raises(AnswerError):
            score_sheet(questions, bad, None)
    with pytest.raises(AnswerError, match="at most"):
        score_sheet(questions, sheet, "x" * 1001)


def test_enps_and_group_figures() -> None:
    assert enps([10, 9, 8, 7, 6, 0]) == pytest.approx(100 * (2 / 6 - 2 / 6))
    assert enps([10, 10, 3]) == pytest.approx(100 * (2 / 3 - 1 / 3))
    assert enps([]) is None
    questions = build_questions(CULTURE)
    figures = aggregate(questions, [_full_sheet(questions, 5), _full_sheet(questions, 3)])
    assert figures["n"] == 2 and figures["questions"]["builder"]["mean"] == 75.0
    assert figures["questions"]["builder"]["counts"][5] == 1
    assert figures["questions"]["builder"]["favourable"] == 50.0
    gap = culture_gap(CULTURE, questions, figures)
    assert [(g["dimension"], g["dna_score"], g["reported"], g["gap"]) for g in gap] == [
        ("Speed", 80, 50.0, -30.0),
        ("Care", 40, 50.0, 10.0),
    ]


# ----------------------------------------------------------------------- the demo world


def _company(world: Database) -> uuid.UUID:
    return (
        company_ids_by_name(world)["Quillpay"]
        if "Quillpay" in company_ids_by_name(world)
        else sorted(company_ids_by_name(world).values())[0]
    )


def _employee_actor(world: Database, company_id: uuid.UUID) -> Any:
    return actor_of_role(world, company_id, "employee")


def _counts(world: Database) -> tuple[int, ...]:
    with world.uow() as uow:
        s = uow.session
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (CulturePulseCheck, CulturePulseParticipant, CulturePulse, AuditLog)
        )


def test_demo_answers_are_stored_apart_from_who_gave_them(world: Database) -> None:
    with world.uow() as uow:
        s = uow.session
        checks = s.scalars(select(CulturePulseCheck)).all()
        opened = {p.id: p.opened_at for p in s.scalars(select(CulturePulse))}
        asked = s.scalar(select(func.count()).select_from(CulturePulseParticipant))
        pulses = s.scalars(select(CulturePulse.company_id)).all()
    assert checks and asked > len(checks)
    assert all(c.employee_id is None for c in checks)
    assert all(c.created_at == opened[c.pulse_id] for c in checks)
    assert {len([p for p in pulses if p == c]) for c in set(pulses)} == {6}


def test_an_employee_answers_once_anonymously(world: Database) -> None:
    company = _company(world)
    me = _employee_actor(world, company)
    mine = culture_pulse.my_pulse(world.uow(), me, NOW)
    assert mine is not None and mine.asked and not mine.answered
    before = _counts(world)
    bad = _full_sheet(mine.questions) | {"workload": 9}
    with pytest.raises(ValidationError, match="from 1 to 5"):
        culture_pulse.submit_answers(world.uow(), me, mine.pulse_id, bad, None, NOW)
    assert _counts(world) == before
    sheet = _full_sheet(mine.questions, agree=2, nps=3)
    culture_pulse.submit_answers(world.uow(), me, mine.pulse_id, sheet, "Too many fires.", NOW)
    after = _counts(world)
    assert after[0] == before[0] + 1 and after[3] == before[3] + 1
    with world.uow() as uow:
        s = uow.session
        new = s.scalars(
            select(CulturePulseCheck).where(
                CulturePulseCheck.pulse_id == mine.pulse_id,
                CulturePulseCheck.pulse_data["comment"].as_string() == "Too many fires.",
            )
        ).one()
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "culture_pulse.answered")).one()
    # Nothing ties the sheet to its author: no employee, the round's time, the audit names
    # the round only.
    assert new.employee_id is None and new.created_at == mine.opened_at
    assert audit.entity_id == str(mine.pulse_id) and str(new.id) not in str(audit.summary)
    assert culture_pulse.my_pulse(world.uow(), me, NOW).answered
    with pytest.raises(ValidationError, match="already answered"):
        culture_pulse.submit_answers(world.uow(), me, mine.pulse_id, sheet, None, NOW)
    with pytest.raises(NotFoundError):
        culture_pulse.submit_answers(world.uow(), me, uuid.uuid4(), sheet, None, NOW)
    assert _counts(world) == after


def test_a_closed_pulse_takes_no_answers_and_roles_are_kept(world: Database) -> None:
    company = _company(world)
    me = _employee_actor(world, company)
    mine = culture_pulse.my_pulse(world.uow(), me, NOW)
    assert culture_pulse.my_pulse(world.uow(), me, mine.closes_at) is None
    with pytest.raises(ValidationError, match="closed"):
        culture_pulse.submit_answers(
            world.uow(), me, mine.pulse_id, _full_sheet(mine.questions), None, mine.closes_at
        )
    with pytest.raises(PermissionDeniedError):
        culture_pulse.culture_report(world.uow(), me, NOW, 5)
    with pytest.raises(PermissionDeniedError):
        culture_pulse.open_pulse(
            world.uow(), actor_of_role(world, company, "talent_lead"), NOW, base_url="http://x"
        )
    # Another company's round is not found, whatever its id.
    other = next(c for c in company_ids_by_name(world).values() if c != company)
    with world.uow() as uow:
        theirs = uow.session.scalars(
            select(CulturePulse.id).where(CulturePulse.company_id == other)
        ).first()
    with pytest.raises(NotFoundError):
        culture_pulse.submit_answers(
            world.uow(), me, theirs, _full_sheet(mine.questions), None, NOW
        )


def test_small_teams_show_no_figure_anywhere_in_the_demo_report(world: Database) -> None:
    company = _company(world)
    founder = actor_of_role(world, company, "founder")
    report = culture_pulse.culture_report(world.uow(), founder, NOW, 5)
    closed = {r.id for r in report.rounds if not r.is_open}
    assert len(closed) == 5 and len(report.rounds) == 6
    hidden = [g for g in report.groups if not g.shown]
    shown = [g for g in report.groups if g.shown]
    assert hidden and shown
    assert all(g.round_id in closed for g in shown)
    assert all(g.answered is None and not g.comments for g in hidden)
    assert all(g.answered >= 5 for g in shown)
    rows = culture_pulse.report_rows(report)
    hidden_keys = {(g.round_id, g.team) for g in hidden}
    opened = {r.id: f"{r.opened_at:%Y-%m-%d}" for r in report.rounds}
    for g in hidden:
        mine = [r for r in rows if r["round_opened"] == opened[g.round_id] and r["team"] == g.team]
        assert len(mine) == 1
        assert mine[0]["note"] in ("not enough responses", "round still open")
        assert all(mine[0][k] == "" for k in ("answers", "mean_0_100", "enps"))
    assert len(hidden_keys) == len(hidden)


def _closed_round(world: Database, company: uuid.UUID, teams: dict[str, int]) -> uuid.UUID:
    """A closed round of ``company`` with ``teams[name]`` answers from each team."""
    questions = build_questions(CULTURE)
    opened = NOW - timedelta(days=400)
    with world.uow() as uow:
        s = uow.session
        pulse = CulturePulse(
            company_id=company,
            opened_at=opened,
            closes_at=opened + timedelta(days=14),
            questions=questions,
            opened_by="test",
        )
        s.add(pulse)
        staff = s.scalars(select(Employee.id).where(Employee.company_id == company)).all()
        k = 0
        for team, n in teams.items():
            for i in range(n):
                s.add(
                    CulturePulseParticipant(
                        company_id=company,
                        pulse_id=pulse.id,
                        employee_id=staff[k],
                        team=team,
                        answered=True,
                    )
                )
                k += 1
                sheet = score_sheet(questions, _full_sheet(questions, 1 + i % 5), f"{team} {i}")
                s.add(
                    CulturePulseCheck(
                        company_id=company,
                        pulse_id=pulse.id,
                        team=team,
                        created_at=opened,
                        **sheet,
                    )
                )
        s.commit()
        return pulse.id


def test_no_figure_can_be_derived_by_subtracting_two_shown_groups(world: Database) -> None:
    company = _company(world)
    # 12 answers: a team of 6, one of 5 and one person alone. The company figure minus the
    # two teams' figures would give the lone person's answer: the smaller team is withheld.
    pulse_id = _closed_round(world, company, {"Alpha": 6, "Beta": 5, "Solo": 1})
    founder = actor_of_role(world, company, "founder")
    report = culture_pulse.culture_report(world.uow(), founder, NOW, 5)
    mine = {g.team: g for g in report.groups if g.round_id == pulse_id}
    assert mine["All teams"].shown and mine["Alpha"].shown
    assert not mine["Beta"].shown and not mine["Solo"].shown
    # Comments name only a shown team; the others' comments carry no team.
    labels = {team for _, team in mine["All teams"].comments}
    assert labels == {"Alpha", None}
    assert all(team is None for text, team in mine["All teams"].comments if "Beta" in text)
    # With a minimum of 7, only the whole company is left (Alpha + 6 others).
    strict = culture_pulse.culture_report(world.uow(), founder, NOW, 7)
    assert {g.team for g in strict.groups if g.round_id == pulse_id and g.shown} == {"All teams"}
    rows = [
        r
        for r in culture_pulse.report_rows(strict)
        if r["round_opened"] == f"{NOW - timedelta(days=400):%Y-%m-%d}"
    ]
    assert {r["team"] for r in rows if r["mean_0_100"] != "" or r["enps"] != ""} == {"All teams"}


def test_the_gap_compares_the_dna_with_what_people_report(world: Database) -> None:
    company = _company(world)
    with world.uow() as uow:
        row = uow.session.get(Company, company)
        row.dna_profile = {**(row.dna_profile or {}), "culture": CULTURE}
        uow.commit()
    pulse_id = _closed_round(world, company, {"Alpha": 6, "Beta": 6})
    founder = actor_of_role(world, company, "founder")
    report = culture_pulse.culture_report(world.uow(), founder, NOW, 5)
    assert report.has_dna
    if report.gap_round == NOW - timedelta(days=400):  # no newer round shown
        assert {g["dimension"] for g in report.gap} == {"Speed", "Care"}
    figures = next(
        g.figures for g in report.groups if g.round_id == pulse_id and g.team == "All teams"
    )
    assert figures["n"] == 12


def test_the_schedule_opens_a_round_and_reminds_once(world: Database) -> None:
    company = _company(world)
    settings = load_settings({"PEOPLEOS_ENV": "test", "PEOPLEOS_PULSE_EVERY_WEEKS": "4"})
    with world.uow() as uow:
        latest = uow.session.scalars(
            select(CulturePulse)
            .where(CulturePulse.company_id == company)
            .order_by(CulturePulse.opened_at.desc())
        ).first()
        opened_at, closes_at = latest.opened_at, latest.closes_at

    def mails(kind: str) -> int:
        with world.uow() as uow:
            return uow.session.scalar(
                select(func.count()).where(
                    Notification.company_id == company,
                    Notification.event_type == f"culture_pulse.{kind}",
                )
            )

    # Four weeks on and closed: a new round, everyone who can answer asked by email.
    due = max(closes_at, opened_at + timedelta(weeks=4))
    opened = culture_pulse.run_schedule(world.uow(), settings, due)
    assert opened["opened"] >= 1
    with world.uow() as uow:
        s = uow.session
        new = s.scalars(
            select(CulturePulse)
            .where(CulturePulse.company_id == company)
            .order_by(CulturePulse.opened_at.desc())
        ).first()
        asked = s.scalar(select(func.count()).where(CulturePulseParticipant.pulse_id == new.id))
        accounts = s.scalar(
            select(func.count())
            .select_from(User)
            .join(Employee, Employee.id == User.employee_id)
            .where(
                User.company_id == company, User.is_active.is_(True), Employee.status == "active"
            )
        )
    assert new.opened_at == due and new.opened_by == "worker"
    assert asked == accounts == mails("open") > 0
    # Not again while it is open, by the worker or by hand.
    assert culture_pulse.run_schedule(world.uow(), settings, due + timedelta(days=1))["opened"] == 0
    with pytest.raises(ValidationError, match="already open"):
        culture_pulse.open_pulse(
            world.uow(), actor_of_role(world, company, "founder"), due, base_url="http://x"
        )
    # Open for a week: the reminder goes once, to those who have not answered.
    before = mails("reminder")
    first = culture_pulse.run_schedule(world.uow(), settings, due + timedelta(days=8))
    assert mails("reminder") == before + asked and first["reminded"] >= asked
    again = culture_pulse.run_schedule(world.uow(), settings, due + timedelta(days=9))
    assert again["reminded"] == 0 and mails("reminder") == before + asked


def test_pages_answer_and_report(world_app: Database) -> None:
    company = _company(world_app)
    founder = actor_of_role(world_app, company, "founder")
    employee = actor_of_role(world_app, company, "employee")
    now = datetime.now(UTC)  # the pages read the clock
    # The round the schedule test left open, if it still is; else a new one.
    open_now = culture_pulse.my_pulse(world_app.uow(), employee, now)
    if open_now is None:
        culture_pulse.open_pulse(world_app.uow(), founder, now, base_url="http://x")
        open_now = culture_pulse.my_pulse(world_app.uow(), employee, now)
    assert open_now is not None and open_now.asked and not open_now.answered
    at = login_app(employee.username, "pulse")
    assert not at.exception
    for radio in at.radio:
        radio.set_value(radio.options[3] if len(radio.options) == 5 else 8)
    at.text_area[0].set_value("**bold** <b>plain</b>")
    at.button[0].click().run()
    assert not at.exception
    assert "your answers are in" in at.success[0].value
    assert any("You have answered this pulse" in i.value for i in at.info)
    with world_app.uow() as uow:
        sheet = uow.session.scalars(
            select(CulturePulseCheck).where(
                CulturePulseCheck.pulse_id == open_now.pulse_id,
                CulturePulseCheck.pulse_data["comment"].as_string() == "**bold** <b>plain</b>",
            )
        ).one()
    assert sheet.employee_id is None and sheet.pulse_data["comment"] == "**bold** <b>plain</b>"
    page = login_app(founder.username, "culture_pulse")
    assert not page.exception
    # The open round shows no figure, only that it is open.
    assert any("results appear when it closes" in i.value for i in page.info)
    report = culture_pulse.culture_report(world_app.uow(), founder, now, 5)
    small = next(
        team for team in report.teams if not any(g.shown for g in report.groups if g.team == team)
    )
    page.selectbox[0].set_value(small).run()
    assert not page.exception
    assert page.metric[0].value == "not enough responses"
    assert any("Not enough responses for this question" in i.value for i in page.info)
    table = page.dataframe[0].value
    assert set(table["Team"]) == {small}
    assert set(table["Answered"]) == {"not enough responses"} and set(table["eNPS"]) == {""}
    # Every team filter: a withheld group's row carries no figure, a shown one its own.
    for team in report.teams:
        page.selectbox[0].set_value(team).run()
        rows = page.dataframe[0].value
        for _, row in rows.iterrows():
            if row["Answered"] == "not enough responses":
                assert row["eNPS"] == "" and row["Participation"] == ""
            else:
                assert int(row["Answered"]) >= 5
