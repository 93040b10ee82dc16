"""The Analytics page: its funnel and time in stage against the stage events themselves,
its filters, expected hires per open role, the page and who may open it."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.models import Candidate, CandidateStageEvent, Company, Role
from core.services import analytics
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from ml.hiring_forecast import expected_hires, stage_rates
from tests.helpers import actor_of_role, company_ids_by_name, login_app

pytestmark = pytest.mark.db
TODAY = date(2026, 11, 29)
FUNNEL = ("applied", "screening", "interview", "offer", "hired")


def _by_hand(
    db: Database, company_id: uuid.UUID, keep: Callable[[Candidate], bool]
) -> tuple[dict[str, int], dict[str, list[float]]]:
    """Candidates reaching each stage, and each completed stay per stage in days, read
    straight from the candidates and their stage events (a stay ends at an event whose
    from_status is that stage; it began at the previous event, or at the application)."""
    with db.uow() as uow:
        people = {
            c.id: c
            for c in uow.session.scalars(
                select(Candidate).where(Candidate.company_id == company_id)
            )
            if keep(c)
        }
        events = uow.session.scalars(
            select(CandidateStageEvent)
            .where(CandidateStageEvent.company_id == company_id)
            .order_by(CandidateStageEvent.created_at)
        ).all()
        timeline: dict[uuid.UUID, list[CandidateStageEvent]] = {}
        for e in events:
            if e.candidate_id in people:
                timeline.setdefault(e.candidate_id, []).append(e)
        reached = dict.fromkeys(FUNNEL, 0)
        stays: dict[str, list[float]] = {s: [] for s in FUNNEL[:-1]}
        for cid, candidate in people.items():
            stages = {candidate.status} | {e.to_status for e in timeline.get(cid, [])}
            top = max(FUNNEL.index(s) for s in stages | {"applied"} if s in FUNNEL)
            for stage in FUNNEL[: top + 1]:
                reached[stage] += 1
            start = candidate.created_at
            for e in timeline.get(cid, []):
                if e.from_status in stays:
                    stays[e.from_status].append((e.created_at - start).total_seconds() / 86400)
                start = e.created_at
    return reached, stays


def _company(db: Database) -> uuid.UUID:
    return company_ids_by_name(db)["Quillpay"]


def _check(report: analytics.AnalyticsReport, reached: dict, stays: dict) -> None:
    assert {s.stage: s.reached for s in report.funnel} == reached
    for d in report.stage_durations:
        assert d.cases == len(stays[d.stage]), d.stage
        expected = round(statistics.median(stays[d.stage]), 1) if stays[d.stage] else None
        assert d.median_days == expected, d.stage


def test_funnel_and_time_in_stage_equal_the_stage_events(world: Database) -> None:
    company = _company(world)
    report = analytics.analytics_report(
        world.uow(), actor_of_role(world, company, "founder"), TODAY
    )
    reached, stays = _by_hand(world, company, lambda c: True)
    assert reached["hired"] > 0 and all(stays.values())  # the demo has every stage
    assert report.applications == reached["applied"]
    _check(report, reached, stays)
    by_source = {f.source: f.reached for f in report.by_source}
    assert sum(r["applied"] for r in by_source.values()) == reached["applied"]
    assert sum(r["hired"] for r in by_source.values()) == reached["hired"]
    tables = analytics.analytics_tables(report)
    assert [r["Reached"] for r in tables["funnel"]] == [reached[s] for s in FUNNEL]
    assert tables["time_in_stage"][-1]["Stage"] == "Applied → hired"
    assert report.time_to_hire.cases == reached["hired"]


def test_date_range_and_role_filters_follow_the_cohort(world: Database) -> None:
    company = _company(world)
    founder = actor_of_role(world, company, "founder")
    with world.uow() as uow:
        applied = sorted(
            uow.session.scalars(select(Candidate.created_at).where(Candidate.company_id == company))
        )
        roles = uow.session.scalars(select(Role.id).where(Role.company_id == company)).all()
    since = applied[len(applied) // 3].date()
    until = applied[2 * len(applied) // 3].date()
    window = analytics.analytics_report(world.uow(), founder, TODAY, since, until)
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    reached, stays = _by_hand(world, company, lambda c: start <= c.created_at < end)
    assert 0 < window.applications == reached["applied"] < len(applied)
    _check(window, reached, stays)

    for role in roles:
        reached, stays = _by_hand(world, company, lambda c, r=role: c.role_id == r)
        if reached["applied"]:
            break
    one_role = analytics.analytics_report(world.uow(), founder, TODAY, role_id=role)
    assert 0 < one_role.applications == reached["applied"]
    _check(one_role, reached, stays)
    assert {f.role_id for f in one_role.forecasts} <= {role}


def test_bad_filters_are_told_and_other_companies_roles_not_found(world: Database) -> None:
    ids = company_ids_by_name(world)
    founder = actor_of_role(world, ids["Quillpay"], "founder")
    with pytest.raises(ValidationError):
        analytics.analytics_report(world.uow(), founder, TODAY, date(2026, 5, 2), date(2026, 5, 1))
    with world.uow() as uow:
        theirs = uow.session.scalars(
            select(Role.id).where(Role.company_id == ids["Northwind Labs"])
        ).first()
    with pytest.raises(NotFoundError):
        analytics.analytics_report(world.uow(), founder, TODAY, role_id=theirs)


@pytest.mark.parametrize("role", ["interviewer", "employee"])
def test_interviewers_and_employees_are_refused(world: Database, role: str) -> None:
    actor = actor_of_role(world, _company(world), role)
    with pytest.raises(PermissionDeniedError):
        analytics.analytics_report(world.uow(), actor, TODAY)


def test_expected_hires_from_a_tiny_pipeline() -> None:
    # History: 10 reached applied (1 hired), 4 reached interview (3 hired), none reached offer.
    rates = stage_rates(
        {"applied": 10, "interview": 4}, {"applied": 1, "interview": 3}, FUNNEL[:-1]
    )
    forecast = expected_hires({"applied": 2, "interview": 1, "offer": 2}, rates)
    assert forecast.expected_hires == pytest.approx(2 * 0.1 + 1 * 0.75)
    assert forecast.in_pipeline == 5
    assert forecast.without_history == 2  # offer has no history: adds nothing
    assert forecast.smallest_base == 4
    assert expected_hires({}, rates).expected_hires == 0


def test_shares_say_their_count_when_few() -> None:
    assert analytics.share_label(1, 1) == "1 of 1"
    assert analytics.share_label(0, 0) == "—"
    assert analytics.share_label(6, 12) == "50% (6 of 12)"
    assert analytics.share_label(10, 40) == "25%"


def test_page_shows_funnel_time_in_stage_and_csvs(world_app: Database) -> None:
    at = login_app("founder.quillpay", "analytics")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Analytics"]
    headers = [h.value for h in at.subheader]
    assert "Funnel" in headers and "Time in stage" in headers
    reached, _ = _by_hand(world_app, _company(world_app), lambda c: True)
    funnel = at.dataframe[0].value
    assert list(funnel["Stage"]) == [s.capitalize() for s in FUNNEL]
    assert list(funnel["Reached"]) == [reached[s] for s in FUNNEL]
    stage_times = at.dataframe[2].value
    assert list(stage_times["Stage"])[:4] == ["Applied", "Screening", "Interview", "Offer"]
    downloads = at.get("download_button")
    assert len(downloads) >= 5
    assert len(at.get("plotly_chart")) >= 2


@pytest.mark.parametrize("role", ["interviewer", "employee"])
def test_page_is_not_offered_to_interviewers_and_employees(world_app: Database, role: str) -> None:
    at = login_app(f"{role}.quillpay")
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/analytics.py")
    # Opened directly, the page checks the role itself.
    page = AppTest.from_file(str(ROOT / "pages" / "analytics.py"), default_timeout=60)
    page.session_state["_peopleos_routed"] = True
    page.session_state["actor"] = actor_of_role(world_app, _company(world_app), role)
    page.run()
    assert [e.value for e in page.error if "does not allow" in e.value]
    assert not page.dataframe and not page.title


ROOT = Path(__file__).resolve().parents[1]


def test_recommendation_status_is_read_from_todays_data(world: Database) -> None:
    company = _company(world)
    with world.uow() as uow:
        row = uow.session.get(Company, company)
        row.dna_profile = {**(row.dna_profile or {}), "recommendations": ["Hire a unicorn."]}
        uow.commit()
    report = analytics.analytics_report(
        world.uow(), actor_of_role(world, company, "founder"), TODAY
    )
    # Today's team, roles and runway do not call for it, so it is no longer flagged.
    assert report.recommendations[0].text == "Hire a unicorn."
    assert report.recommendations[0].status == "No longer flagged today"
    rows = analytics._recommendation_status(["a", "b"], ["b", "c"], {"c": "0 designers"})
    assert [(r.text, r.status, r.evidence) for r in rows] == [
        ("a", "No longer flagged today", ""),
        ("b", "Open: still called for today", ""),
        ("c", "New since the last scan", "0 designers"),
    ]
