"""The Pipeline page: board, filterable table, time in stage, CSV export and bulk moves."""

from __future__ import annotations

import csv
import io
import statistics
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditLog, Candidate, CandidateStageEvent, Interview, Role, User
from core.services import auth, candidates, model_registry, pipeline
from core.services.errors import NotFoundError
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


def _entered(db: Database, candidate_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each candidate entered their stage, straight from the stage events: the latest
    event into their current stage that changed the stage, else their application time."""
    with db.uow() as uow:
        people = uow.session.scalars(select(Candidate).where(Candidate.id.in_(candidate_ids)))
        out = {c.id: (c.status, c.created_at) for c in people}
        events = uow.session.scalars(
            select(CandidateStageEvent).where(CandidateStageEvent.candidate_id.in_(candidate_ids))
        ).all()
    entered = {cid: created for cid, (_, created) in out.items()}
    latest: dict[uuid.UUID, datetime] = {}
    for e in events:
        status = out[e.candidate_id][0]
        if e.to_status == status and e.from_status != e.to_status:
            latest[e.candidate_id] = max(e.created_at, latest.get(e.candidate_id, e.created_at))
    return entered | latest


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
    assert unscored > 0 and len(people) <= 50

    at = _open("talent.quillpay", role_id)
    rows = _table(at)
    assert len(rows) == len(people)
    assert list(rows.columns) == [
        "Name",
        "Stage",
        "Fit",
        "Success",
        "Days in stage",
        "Applied",
        "Source",
    ]
    # Scores are numbers (sorted as numbers); a missing score is missing, never text.
    assert rows["Fit"].isna().sum() == unscored
    assert rows.loc[rows["Name"] == scored.full_name, "Fit"].tolist() == [83]
    assert sorted(rows["Stage"]) == sorted(c.status for c in people)
    assert len(at.get("plotly_chart")) == 1  # time in stage
    assert _widget(at.button, "Move")  # talent leads may move candidates


def test_sorting_by_fit_is_numeric_over_every_page_with_unscored_last(
    world_app: Database,
) -> None:
    talent = auth.load_actor(world_app.uow(), "talent.quillpay")
    company = company_ids_by_name(world_app)["Quillpay"]
    with world_app.uow() as uow:
        ids = uow.session.scalars(
            select(Candidate.id).where(Candidate.company_id == company).limit(3)
        ).all()
        scores = (7, 100, None)  # as text "7" > "100"; a page-only sort would miss them
        for cid, score in zip(ids, scores, strict=True):
            uow.session.get(Candidate, cid).fit_score = score
        uow.commit()
    seen: list[int | None] = []
    page = 0
    while True:
        listed = candidates.list_candidates(
            world_app.uow(), talent, sort="fit", limit=7, offset=7 * page
        )
        seen += [r.fit_score for r in listed.rows]
        page += 1
        if 7 * page >= listed.total:
            break
    scored = [s for s in seen if s is not None]
    assert len(seen) == listed.total and scored == sorted(scored, reverse=True)
    assert seen.index(100) < seen.index(7)
    assert all(s is None for s in seen[len(scored) :])  # unscored last


def test_days_in_stage_come_from_stage_events_and_survive_rescoring(world: Database) -> None:
    from core.services import scoring

    talent = auth.load_actor(world.uow(), "talent.quillpay")
    now = datetime(2026, 11, 20, tzinfo=UTC)
    rows = candidates.list_candidates(world.uow(), talent, limit=200).rows
    entered = _entered(world, [r.id for r in rows])
    days = {r.id: r.days_in_stage(now) for r in rows}
    assert days == {cid: max((now - at).days, 0) for cid, at in entered.items()}
    assert len(set(days.values())) > 10  # they differ between candidates
    # Rescoring touches the row (updated_at) but is no stage move.
    target = rows[0].id
    scoring.rescore_candidate(world.uow(), talent, target, model_registry.load_models(), now)
    again = candidates.list_candidates(world.uow(), talent, limit=200).rows
    assert {r.id: r.days_in_stage(now) for r in again}[target] == days[target]


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
    assert set(rows["Source"]) == {source.replace("_", " ")}

    now = datetime.now(UTC)
    entered = _entered(world_app, [c.id for c in applied])
    days = sorted((now - entered[c.id]).days for c in applied)
    threshold = days[len(days) // 2] + 1
    at = _widget(at.number_input, "At least days in stage").set_value(threshold).run()
    expected = sum(
        1
        for c in applied
        if c.application_source == source and (now - entered[c.id]).days >= threshold
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
    # The refused form keeps what was entered, so only the missing code needs adding.
    assert _widget(at.text_input, "Reason").value == "Role closed"
    assert _widget(at.selectbox, "New stage").value == "rejected"
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
    # Interviewers see no scores (the model must not bias them) and export nothing.
    assert not {"Fit", "Success"} & set(rows.columns)
    assert not any(b.label == "Move" for b in at.button)
    assert not any(e.label == "Move candidates to another stage" for e in at.expander)
    assert not at.get("download_button")


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
    now = datetime.now(UTC)
    query = pipeline.PipelineQuery(stages=("interview",))
    text = pipeline.export_pipeline_csv(world_app.uow(), talent, now, query, role_id=role_id)
    rows = list(csv.DictReader(io.StringIO(text)))
    people = _role_candidates(world_app, role_id, status="interview")
    assert len(rows) == len(people)
    assert {r["stage"] for r in rows} == {"interview"}
    assert "'=HYPERLINK(evil)" in {r["name"] for r in rows}
    entered = _entered(world_app, [c.id for c in people])
    names = {c.id: "'=HYPERLINK(evil)" if c.id == target.id else c.full_name for c in people}
    assert {r["name"]: int(r["days_in_stage"]) for r in rows} == {
        names[c.id]: (now - entered[c.id]).days for c in people
    }
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


def test_the_cli_exports_a_pipeline_with_days_in_stage(
    world: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import cli
    from core.config import get_settings

    monkeypatch.setenv("PEOPLEOS_DATABASE_URL", world.url)
    get_settings.cache_clear()
    role_id = _busiest_role(world)
    out = tmp_path / "pipeline.csv"
    args = ["pipeline", "export", "--company", "Quillpay", "--role", str(role_id)]
    try:
        assert cli.main([*args, "--csv", str(out)]) == 0
        bad = cli.main(["pipeline", "export", "--company", "Quillpay", "--role", "x", "--csv", "-"])
    finally:
        get_settings.cache_clear()
    assert bad == 2
    rows = list(csv.DictReader(out.open()))
    people = _role_candidates(world, role_id)
    with world.uow() as uow:
        title = uow.session.get(Role, role_id).title
    assert len(rows) == len(people) and {r["role"] for r in rows} == {title}
    assert all(r["days_in_stage"].isdigit() for r in rows)


def test_median_days_in_stage_matches_the_stage_events(world_app: Database) -> None:
    role_id = _busiest_role(world_app)
    now = datetime.now(UTC)
    talent = auth.load_actor(world_app.uow(), "talent.quillpay")
    summary = pipeline.pipeline_summary(world_app.uow(), talent, role_id, now)
    people = _role_candidates(world_app, role_id)
    entered = _entered(world_app, [c.id for c in people])
    expected = {
        stage: statistics.median(
            max((now - entered[c.id]).total_seconds() / 86400, 0)
            for c in people
            if c.status == stage
        )
        for stage in candidates.OPEN_STAGES
        if any(c.status == stage for c in people)
    }
    got = {t.stage: t.median_days for t in summary.stage_times}
    assert expected and got == {s: round(d, 1) for s, d in expected.items()}
    assert {t.stage: t.candidates for t in summary.stage_times} == {
        s: sum(c.status == s for c in people) for s in expected
    }


def test_conversion_says_how_many_it_rests_on() -> None:
    few = pipeline.Conversion("offer", "hired", base=1, reached=1)
    assert few.rate is None and few.label() == "1 of 1"  # never "100%" from one case
    many = pipeline.Conversion("applied", "screening", base=40, reached=10)
    assert many.rate == 0.25 and many.label() == "25%"
    assert pipeline.Conversion("offer", "hired", base=0, reached=0).label() == "—"


def test_another_companys_role_is_not_found(world_app: Database) -> None:
    other = next(v for k, v in company_ids_by_name(world_app).items() if k != "Quillpay")
    with world_app.uow() as uow:
        role_id = uow.session.scalars(select(Role.id).where(Role.company_id == other)).first()
    talent = auth.load_actor(world_app.uow(), "talent.quillpay")
    with pytest.raises(NotFoundError):
        pipeline.pipeline_summary(world_app.uow(), talent, role_id, datetime.now(UTC))
    page = pipeline.pipeline_page(
        world_app.uow(), talent, role_id, datetime.now(UTC), pipeline.PipelineQuery()
    )
    assert page.rows == [] and page.total == 0
