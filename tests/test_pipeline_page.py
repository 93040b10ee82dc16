"""The Pipeline page: board, filterable table, time in stage, CSV export and bulk moves."""

from __future__ import annotations

import csv
import io
import statistics
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditLog, Candidate, CandidateStageEvent, Interview, Role, User
from core.services import auth, candidates
from tests.helpers import company_ids_by_name, login_app

pytestmark = pytest.mark.db


def _audit_count(db: Database, action: str) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).where(AuditLog.action == action))


def _busiest_role(db: Database, status: str = "applied") -> uuid.UUID:
    """Quillpay's role with the most candidates in ``status``."""
    company = company_ids_by_name(db)["Quillpay"]
    with db.uow() as uow:
        return uow.session.execute(
            select(Candidate.role_id)
            .where(Candidate.company_id == company, Candidate.status == status)
            .group_by(Candidate.role_id)
            .order_by(func.count().desc(), Candidate.role_id)
            .limit(1)
        ).scalar_one()


def _role_candidates(db: Database, role_id: uuid.UUID, **where: object) -> list[Candidate]:
    with db.uow() as uow:
        query = select(Candidate).where(Candidate.role_id == role_id)
        for column, value in where.items():
            query = query.where(getattr(Candidate, column) == value)
        return list(uow.session.scalars(query))


def _open(username: str, role_id: uuid.UUID):  # noqa: ANN202 - AppTest
    at = login_app(username, "pipeline")
    assert not at.exception, at.exception
    assert at.title[0].value == "Pipeline"
    at = _widget(at.selectbox, "Role").set_value(role_id).run()
    assert not at.exception, at.exception
    return at


def _widget(widgets, label: str):  # noqa: ANN001, ANN202 - AppTest widgets
    return next(w for w in widgets if w.label == label)


def _table(at):  # noqa: ANN001, ANN202 - AppTest
    assert len(at.dataframe) == 1
    return at.dataframe[0].value


def _row_count(at) -> int:  # noqa: ANN001 - AppTest
    """Rows in the candidates table; none when the page says nothing matches."""
    if not at.dataframe:
        assert any(i.value == "No candidates match these filters." for i in at.info)
        return 0
    return len(_table(at))


def test_the_table_lists_every_candidate_of_the_role_and_never_invents_a_fit(
    world_app: Database,
) -> None:
    role_id = _busiest_role(world_app)
    scored, waiting = _role_candidates(world_app, role_id)[:2]
    with world_app.uow() as uow:
        uow.session.get(Candidate, scored.id).fit_score = 83
        # As an imported candidate the worker has not scored yet.
        uow.session.get(Candidate, waiting.id).fit_score = None
        uow.commit()
    people = _role_candidates(world_app, role_id)
    unscored = sum(1 for c in people if c.fit_score is None)
    assert unscored > 0

    at = _open("talent.quillpay", role_id)
    rows = _table(at)
    assert len(rows) == len(people)
    assert list(rows.columns) == ["Name", "Stage", "Source", "Fit", "Applied", "Days in stage"]
    assert (rows["Fit"] == "not scored yet").sum() == unscored
    assert rows.loc[rows["Name"] == scored.full_name, "Fit"].tolist() == ["83"]
    assert sorted(rows["Stage"]) == sorted(c.status for c in people)
    assert len(at.get("plotly_chart")) == 1  # time in stage
    assert _widget(at.button, "Move")  # talent leads may move candidates


def test_filters_narrow_the_rows(world_app: Database) -> None:
    role_id = _busiest_role(world_app)
    at = _open("talent.quillpay", role_id)
    at = _widget(at.multiselect, "Stage").set_value(["applied"]).run()
    rows = _table(at)
    applied = _role_candidates(world_app, role_id, status="applied")
    assert len(rows) == len(applied) and set(rows["Stage"]) == {"applied"}
    assert len(applied) < len(_role_candidates(world_app, role_id))

    source = applied[0].application_source
    at = _widget(at.multiselect, "Source").set_value([source]).run()
    rows = _table(at)
    assert len(rows) == sum(1 for c in applied if c.application_source == source)
    assert set(rows["Source"]) == {source}

    now = datetime.now(UTC)
    days = sorted((now - c.updated_at).days for c in applied)
    threshold = days[len(days) // 2] + 1
    at = _widget(at.number_input, "At least days in stage").set_value(threshold).run()
    expected = sum(
        1
        for c in applied
        if c.application_source == source and (now - c.updated_at).days >= threshold
    )
    assert _row_count(at) == expected < len(applied)


def test_a_bulk_move_through_the_page_moves_the_candidates_and_is_audited(
    world_app: Database,
) -> None:
    role_id = _busiest_role(world_app)
    before = _audit_count(world_app, "candidate.moved")
    at = _open("talent.quillpay", role_id)
    at = _widget(at.multiselect, "Stage").set_value(["applied"]).run()
    ids = sorted(c.id for c in _role_candidates(world_app, role_id, status="applied"))[:2]
    assert len(ids) == 2
    _widget(at.multiselect, "Candidates").set_value(ids)
    _widget(at.selectbox, "New stage").set_value("screening")
    _widget(at.text_input, "Reason").input("Strong resumes for the role")
    at = _widget(at.button, "Move").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Moved 2 candidate(s) to screening" in s.value for s in at.success)
    with world_app.uow() as uow:
        statuses = uow.session.scalars(select(Candidate.status).where(Candidate.id.in_(ids)))
        assert set(statuses) == {"screening"}
        events = uow.session.scalars(
            select(CandidateStageEvent).where(CandidateStageEvent.candidate_id.in_(ids))
        ).all()
    assert {(e.from_status, e.to_status, e.reason) for e in events} == {
        ("applied", "screening", "Strong resumes for the role")
    }
    assert _audit_count(world_app, "candidate.moved") == before + 2
    # The page ran again after the move: the table no longer lists them as applied.
    assert _row_count(at) == len(_role_candidates(world_app, role_id, status="applied"))


def test_rejecting_every_listed_candidate_needs_a_reason_code(world_app: Database) -> None:
    role_id = _busiest_role(world_app, "screening")
    screening = {c.id for c in _role_candidates(world_app, role_id, status="screening")}
    before = _audit_count(world_app, "candidate.moved")
    at = _open("talent.quillpay", role_id)
    at = _widget(at.multiselect, "Stage").set_value(["screening"]).run()
    _widget(at.checkbox, f"All {len(screening)} listed candidates").check()
    _widget(at.selectbox, "New stage").set_value("rejected")
    _widget(at.text_input, "Reason").input("Role closed")
    at = _widget(at.button, "Move").click().run()
    assert any("rejection reason code" in e.value for e in at.error)
    assert _audit_count(world_app, "candidate.moved") == before
    assert {c.id for c in _role_candidates(world_app, role_id, status="screening")} == screening

    _widget(at.checkbox, f"All {len(screening)} listed candidates").check()
    _widget(at.selectbox, "New stage").set_value("rejected")
    _widget(at.selectbox, "Rejection reason (for rejections)").set_value("role_filled")
    _widget(at.text_input, "Reason").input("Role closed")
    at = _widget(at.button, "Move").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _audit_count(world_app, "candidate.moved") == before + len(screening)
    with world_app.uow() as uow:
        rows = uow.session.execute(
            select(Candidate.status, CandidateStageEvent.reason_code)
            .join(CandidateStageEvent, CandidateStageEvent.candidate_id == Candidate.id)
            .where(Candidate.id.in_(screening), CandidateStageEvent.to_status == "rejected")
        ).all()
    assert len(rows) == len(screening) and set(rows) == {("rejected", "role_filled")}


def test_an_interviewer_sees_only_their_candidates_and_cannot_move_them(
    world_app: Database,
) -> None:
    with world_app.uow() as uow:
        me = uow.session.scalars(select(User.id).where(User.username == "interviewer.quillpay"))
        me = me.one()
        mine = uow.session.execute(
            select(Candidate.role_id, Candidate.id)
            .join(Interview, Interview.candidate_id == Candidate.id)
            .where(Interview.interviewer_id == me)
            .distinct()
        ).all()
    assert mine, "the demo world gives the interviewer interviews"
    role_id = max({r for r, _ in mine}, key=lambda r: (sum(1 for x, _ in mine if x == r), str(r)))
    expected = {c for r, c in mine if r == role_id}
    assert len(expected) < len(_role_candidates(world_app, role_id))

    at = _open("interviewer.quillpay", role_id)
    rows = _table(at)
    with world_app.uow() as uow:
        names = set(
            uow.session.scalars(select(Candidate.full_name).where(Candidate.id.in_(expected)))
        )
    assert len(rows) == len(expected) and set(rows["Name"]) == names
    assert not any(b.label == "Move" for b in at.button)
    assert not any(e.label == "Move candidates to another stage" for e in at.expander)


def test_the_export_is_filtered_guarded_against_formulas_and_audited(
    world_app: Database,
) -> None:
    role_id = _busiest_role(world_app, "interview")
    target = _role_candidates(world_app, role_id, status="interview")[0]
    with world_app.uow() as uow:
        uow.session.get(Candidate, target.id).full_name = "=HYPERLINK(evil)"
        uow.commit()
    talent = auth.load_actor(world_app.uow(), "talent.quillpay")
    before = _audit_count(world_app, "candidate.exported")
    text = candidates.export_pipeline_csv(
        world_app.uow(), talent, role_id, datetime.now(UTC), stages=["interview"]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(_role_candidates(world_app, role_id, status="interview"))
    assert {r["stage"] for r in rows} == {"interview"}
    assert "'=HYPERLINK(evil)" in {r["name"] for r in rows}
    assert _audit_count(world_app, "candidate.exported") == before + 1
    with world_app.uow() as uow:
        entry = uow.session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "candidate.exported")
            .order_by(AuditLog.created_at.desc())
            .limit(1)
        ).one()
    assert entry.actor == "talent.quillpay"
    assert entry.summary["rows"] == len(rows) and entry.summary["stages"] == ["interview"]


def test_median_days_in_stage_matches_the_tables(world_app: Database) -> None:
    role_id = _busiest_role(world_app)
    now = datetime.now(UTC)
    talent = auth.load_actor(world_app.uow(), "talent.quillpay")
    board = candidates.pipeline_board(world_app.uow(), talent, role_id, now)
    people = _role_candidates(world_app, role_id)
    expected = {
        stage: statistics.median(
            max((now - c.updated_at).days, 0) for c in people if c.status == stage
        )
        for stage in candidates.OPEN_STAGES
        if any(c.status == stage for c in people)
    }
    assert expected and board.median_days_in_stage() == expected


def test_another_companys_role_shows_an_empty_pipeline(world_app: Database) -> None:
    other = next(v for k, v in company_ids_by_name(world_app).items() if k != "Quillpay")
    with world_app.uow() as uow:
        role_id = uow.session.scalars(select(Role.id).where(Role.company_id == other)).first()
    talent = auth.load_actor(world_app.uow(), "talent.quillpay")
    board = candidates.pipeline_board(world_app.uow(), talent, role_id, datetime.now(UTC))
    assert board.cards() == []
