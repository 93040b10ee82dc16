"""Bias audit (issue #15, points 1-3): hand-computed rates and ratios, the decisions-file
CLI on a real data set, the Fairness page and its exports, the model card and the
promotion guard."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, update

from core.db import Database
from core.models import AuditLog, Candidate, ModelVersion, Role
from core.models import SelfIdentification as SelfId
from core.services import fairness, model_registry
from core.services.errors import PermissionDeniedError
from ml import fairness as fm
from ml.training import FIT_MODEL
from tests.conftest import SHARED_DATA, require_shared
from tests.helpers import actor_of_role, company_ids_by_name, login_app, run_cli
from tests.model_world import labelled_hires, skewed_applicants

NOW = datetime(2026, 11, 3, 10, tzinfo=UTC)
DECISIONS = SHARED_DATA / "hiring_decisions_recruitment_data.csv"
START, END = date(2020, 1, 1), date(2026, 11, 29)


def _rows(table: list[fm.GroupRate]) -> dict[str, tuple]:
    return {
        r.group: (
            r.n,
            r.selected,
            round(r.selection_rate, 4),
            r.impact_ratio and round(r.impact_ratio, 4),
            r.flag,
        )
        for r in table
    }


# --------------------------------------------------------------------------- by hand


def test_rates_and_ratios_match_hand_computed_figures() -> None:
    # A 50 people, 30 selected; B 40, 20; C 9, 3; D 1, 1 (1 % of 100: too small to judge).
    groups = ["A"] * 50 + ["B"] * 40 + ["C"] * 9 + ["D"]
    selected = [1] * 30 + [0] * 20 + [1] * 20 + [0] * 20 + [1] * 3 + [0] * 6 + [1]
    table = fm.impact_table(pd.DataFrame({"Group": groups}), selected)
    assert _rows(table) == {
        "A": (50, 30, 0.6, 1.0, fm.FLAG_OK),  # the highest judged rate is the reference
        "B": (40, 20, 0.5, 0.8333, fm.FLAG_OK),  # 0.5 / 0.6
        "C": (9, 3, 0.3333, 0.5556, fm.FLAG_BELOW),  # 0.333 / 0.6 < 0.8
        "D": (1, 1, 1.0, 1.6667, fm.FLAG_TOO_SMALL),  # 100 % of one person: not the reference
    }


def test_an_intersection_is_every_pair_of_categories() -> None:
    frame = pd.DataFrame({"Sex": ["W"] * 8 + ["M"] * 8, "Eth": (["X"] * 4 + ["Y"] * 4) * 2})
    # W×X 2 of 4, W×Y 1 of 4, M×X 4 of 4, M×Y 2 of 4.
    selected = [1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0]
    assert _rows(fm.impact_table(frame, selected)) == {
        "M × X": (4, 4, 1.0, 1.0, fm.FLAG_OK),
        "M × Y": (4, 2, 0.5, 0.5, fm.FLAG_BELOW),
        "W × X": (4, 2, 0.5, 0.5, fm.FLAG_BELOW),
        "W × Y": (4, 1, 0.25, 0.25, fm.FLAG_BELOW),
    }


def test_stage_decisions_leave_out_who_still_waits() -> None:
    # furthest stage reached (0 applied ... 4 hired) and the current status
    furthest = [0, 0, 1, 1, 2, 4]
    statuses = ["applied", "rejected", "screening", "rejected", "interview", "hired"]
    stages = fm.stage_decisions(furthest, statuses)
    decided, selected = stages["screening"]
    assert decided.tolist() == [False, True, True, True, True, True]
    assert selected.tolist() == [False, False, True, True, True, True]
    decided, selected = stages["interview"]
    assert decided.tolist() == [False, False, False, True, True, True]
    assert selected.tolist() == [False, False, False, False, True, True]
    assert fm.furthest_stage("rejected", ["screening", "interview", "rejected"]) == 2


def test_scoring_rate_is_above_the_roles_median() -> None:
    scores = [10, 20, 30, 40, 50, 70, 80, 90]
    roles = ["r1", "r1", "r1", "r1", "r2", "r2", "r2", "r2"]  # medians 25 and 75
    assert fm.above_role_median(scores, roles).tolist() == [0, 0, 1, 1, 0, 0, 1, 1]


def test_a_perfect_proxy_is_flagged_and_noise_is_not() -> None:
    rng = np.random.default_rng(0)
    group = pd.DataFrame({"Gender": ["Woman"] * 50 + ["Man"] * 50})
    features = pd.DataFrame({"leaky": [0.0] * 50 + [1.0] * 50, "noise": rng.normal(size=100)})
    found = {(p.feature, p.group): p for p in fm.proxy_check(features, group)}
    assert found["leaky", "Woman"].auc == 1.0 and found["leaky", "Woman"].flagged
    assert not found["noise", "Woman"].flagged and found["noise", "Woman"].auc < 0.65


def test_the_guard_refuses_only_a_ratio_pushed_or_kept_below_four_fifths() -> None:
    def table(ratio_w: float) -> dict[str, list[fm.GroupRate]]:
        return {
            "Gender": [
                fm.GroupRate("Man", 100, 50, 0.5, 1.0, fm.FLAG_OK),
                fm.GroupRate("Woman", 100, 0, 0.5 * ratio_w, ratio_w, fm.FLAG_OK),
            ]
        }

    assert fm.promotion_refusals(table(0.9), table(0.85)) == []  # still above 0.8
    assert fm.promotion_refusals(table(0.7), table(0.75)) == []  # below, but raised
    assert "Gender Woman" in fm.promotion_refusals(table(0.9), table(0.7))[0]
    assert "(now 0.75)" in fm.promotion_refusals(table(0.75), table(0.7))[0]
    few = {"Gender": [fm.GroupRate("Woman", 12, 1, 0.1, 0.2, fm.FLAG_BELOW)]}
    assert fm.promotion_refusals(table(0.9), few) == []  # 12 people: not judged


# --------------------------------------------------------------------------- the CLI


def test_the_cli_reproduces_the_shared_decisions_by_hand(new_database_url) -> None:
    require_shared(DECISIONS)
    data = pd.read_csv(DECISIONS)
    by_hand = data.groupby("Gender")["HiringDecision"].agg(["count", "sum"])
    by_hand["rate"] = by_hand["sum"] / by_hand["count"]
    by_hand["ratio"] = by_hand["rate"] / by_hand["rate"].max()
    done = run_cli(
        "bias-audit",
        "--csv",
        str(DECISIONS),
        "--group-column",
        "Gender",
        "--outcome-column",
        "HiringDecision",
        url=new_database_url(),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows"] == len(data) == 1500
    assert set(report["groups"]) == {str(g) for g in by_hand.index}
    for gender, row in by_hand.iterrows():
        got = report["groups"][str(gender)]
        assert (got["n"], got["selected"]) == (row["count"], row["sum"])
        assert got["selection_rate"] == pytest.approx(row["rate"], abs=1e-6)
        assert got["impact_ratio"] == pytest.approx(row["ratio"], abs=1e-6)
        assert got["flag"] == ("below_four_fifths" if row["ratio"] < 0.8 else "ok")
    # Measured: 0 -> 237 of 762 (31.1 %), 1 -> 228 of 738 (30.9 %), ratio 0.993.
    assert report["groups"]["1"]["impact_ratio"] == pytest.approx(0.9933, abs=1e-4)

    # Two group columns: their intersection, checked by hand too.
    done = run_cli(
        "bias-audit",
        "--csv",
        str(DECISIONS),
        "--group-column",
        "Gender",
        "--group-column",
        "RecruitmentStrategy",
        "--outcome-column",
        "HiringDecision",
        "--positive",
        "1",
        url=new_database_url(),
    )
    assert done.returncode == 0, done.stderr
    groups = json.loads(done.stdout)["groups"]
    rates = data.groupby(["Gender", "RecruitmentStrategy"])["HiringDecision"].mean()
    assert len(groups) == len(rates) == 6
    for (g, s), rate in rates.items():
        assert groups[f"{g} × {s}"]["selection_rate"] == pytest.approx(rate, abs=1e-6)
        assert groups[f"{g} × {s}"]["impact_ratio"] == pytest.approx(rate / rates.max(), abs=1e-6)
    assert any(v["flag"] == "below_four_fifths" for v in groups.values())


def test_bad_decision_files_get_a_clear_message(tmp_path, new_database_url) -> None:
    url = new_database_url()
    good = tmp_path / "d.csv"
    good.write_text("sex,hired\nW,no\nM,yes\nW,no\n")
    unknown = run_cli(
        "bias-audit",
        "--csv",
        str(good),
        "--group-column",
        "Sex",
        "--outcome-column",
        "hired",
        url=url,
    )
    assert unknown.returncode == 2
    assert "Unknown column 'Sex'" in unknown.stderr and "sex, hired" in unknown.stderr
    none = run_cli(
        "bias-audit",
        "--csv",
        str(good),
        "--group-column",
        "sex",
        "--outcome-column",
        "hired",
        "--positive",
        "maybe",
        url=url,
    )
    assert none.returncode == 2 and "no positive outcome" in none.stderr
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfa" * 20)
    bad = run_cli(
        "bias-audit",
        "--csv",
        str(binary),
        "--group-column",
        "a",
        "--outcome-column",
        "b",
        url=url,
    )
    assert bad.returncode == 2 and "not a readable CSV" in bad.stderr
    missing = run_cli(
        "bias-audit",
        "--csv",
        str(tmp_path / "nope.csv"),
        "--group-column",
        "a",
        "--outcome-column",
        "b",
        url=url,
    )
    assert missing.returncode == 2 and "No such file" in missing.stderr
    guess = tmp_path / "g.csv"
    guess.write_text("sex,stage\nW,offer\nM,hired\nW,screen\n")
    unclear = run_cli(
        "bias-audit",
        "--csv",
        str(guess),
        "--group-column",
        "sex",
        "--outcome-column",
        "stage",
        url=url,
    )
    assert unclear.returncode == 2 and "--positive" in unclear.stderr


# --------------------------------------------------------------------------- the service


def _company(db: Database) -> uuid.UUID:
    return company_ids_by_name(db)[sorted(company_ids_by_name(db))[0]]


def test_the_demo_world_has_answers_and_mixed_figures(world: Database) -> None:
    founder = actor_of_role(world, _company(world), "founder")
    report = fairness.bias_audit(world.uow(), founder, START, END, NOW)
    assert report.self_identified > 20
    flags = {r.flag for t in report.tables for r in t.rows}
    assert {fm.FLAG_OK, fm.FLAG_BELOW} <= flags
    assert {t.analysis for t in report.tables} >= {fairness.OVERALL, fairness.FIT}


def test_the_overall_table_counts_what_the_tables_hold(world: Database) -> None:
    company_id = _company(world)
    founder = actor_of_role(world, company_id, "founder")
    report = fairness.bias_audit(world.uow(), founder, START, END, NOW)
    with world.uow() as uow:
        rows = uow.session.execute(
            select(Candidate.status, SelfId.answers)
            .join(SelfId, SelfId.candidate_id == Candidate.id)
            .where(Candidate.company_id == company_id)
        ).all()
    expected: dict[str, list[int]] = {}
    for status, answers in rows:
        gender = answers.get("gender")
        if status in ("hired", "rejected") and gender and gender != "Prefer not to say":
            expected.setdefault(gender, [0, 0])
            expected[gender][0] += 1
            expected[gender][1] += status == "hired"
    overall = next(
        t for t in report.tables if t.analysis == fairness.OVERALL and t.attribute == "Gender"
    )
    assert {r.group: [r.n, r.selected] for r in overall.rows} == expected
    with world.uow() as uow:
        viewed = uow.session.scalar(
            select(func.count()).where(
                AuditLog.company_id == company_id, AuditLog.action == "fairness.audit_viewed"
            )
        )
    assert viewed >= 1


def test_exports_are_dated_and_the_summary_escapes_role_titles(world: Database) -> None:
    company_id = _company(world)
    founder = actor_of_role(world, company_id, "founder")
    with world.uow() as uow:
        uow.session.execute(
            update(Role)
            .where(Role.company_id == company_id)
            .values(title="<script>alert('x')</script> & co")
        )
        uow.commit()
    report = fairness.bias_audit(world.uow(), founder, START, END, NOW)
    page = fairness.report_html(report)
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)" in page
    assert "&amp; co" in page
    assert fairness.report_filename(report, "html").endswith("-2026-11-03.html")
    text = fairness.report_csv(report)
    assert "# generated,2026-11-03" in text
    assert "analysis,attribute,group,n,selected,selection_rate,impact_ratio,flag" in text


@pytest.mark.parametrize("role", ["talent_lead", "interviewer", "employee"])
def test_only_founders_and_admins_see_fairness(world: Database, role: str) -> None:
    actor = actor_of_role(world, _company(world), role)
    with pytest.raises(PermissionDeniedError):
        fairness.bias_audit(world.uow(), actor, START, END, NOW)


def test_the_fairness_page_for_a_founder(world_app: Database) -> None:
    company_id = _company(world_app)
    founder = actor_of_role(world_app, company_id, "founder")
    at = login_app(founder.username, "fairness")
    assert not at.exception
    assert at.title[0].value == "Fairness"
    shown = {m.label: m.value for m in at.metric}
    assert int(shown["Self-identified candidates"]) > 0
    first = at.dataframe[0].value
    assert list(first.columns) == [
        "Group",
        "n",
        "Selected",
        "Selection rate",
        "Impact ratio",
        "Flag",
    ]
    # Each table names the group its ratios divide by, with its count.
    reference = first[first["Impact ratio"] == 1].iloc[0]
    said = [
        c.value.replace("\\", "")  # the page escapes markdown in group names
        for c in at.caption
        if c.value.startswith("Ratios compare with")
    ]
    assert said[0].startswith(
        f"Ratios compare with {reference['Group']}: {reference['Selected']} of {reference['n']}"
    )
    for role in ("talent_lead", "interviewer", "employee"):
        other = actor_of_role(world_app, company_id, role)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            login_app(other.username, "fairness")


# --------------------------------------------------------------------------- model card, guard


def test_the_model_card_shows_fairness_to_founders_only(world: Database) -> None:
    company_id = _company(world)
    prior = model_registry.load_models()
    founder = actor_of_role(world, company_id, "founder")
    card = fairness.model_card(world.uow(), founder, prior, prior.version, NOW)
    assert card.fairness_shown and card.measured_on > 0
    assert card.features and "gender" in card.excluded
    assert {p.attribute for p in card.proxies} == {"Gender", "Race/ethnicity"}
    assert {t.attribute for t in card.impact} == {"Gender", "Race/ethnicity", fm.INTERSECTION}
    lead = actor_of_role(world, company_id, "talent_lead")
    card = fairness.model_card(world.uow(), lead, prior, prior.version, NOW)
    assert not card.fairness_shown and not card.proxies and not card.impact


@pytest.mark.db
def test_a_better_model_that_lowers_a_ratio_below_four_fifths_is_not_promoted(
    world_app: Database,
) -> None:
    company_id = _company(world_app)
    founder = actor_of_role(world_app, company_id, "founder")
    role_id = labelled_hires(world_app, company_id, 210, seed=42)
    skewed_applicants(world_app, company_id, role_id)
    report = model_registry.train_company_models(
        world_app, founder, model_registry.load_models(), NOW
    )
    assert report.auc > report.prior_auc  # better on held-out hires ...
    assert report.status == "challenger"  # ... but not promoted
    assert any(r.startswith("Gender Woman:") and "below 0.8" in r for r in report.refused)
    with world_app.uow() as uow:
        row = uow.session.scalars(
            select(ModelVersion).where(
                ModelVersion.name == FIT_MODEL, ModelVersion.version == report.version
            )
        ).one()
        champions = uow.session.scalar(
            select(func.count()).where(
                ModelVersion.company_id == company_id, ModelVersion.status == "champion"
            )
        )
    assert row.status == "challenger" and champions == 0  # the prior goes on scoring
    assert row.metrics["promotion_refused"] == list(report.refused)
    assert row.metrics["fairness_check"]["passed"] is False
    # The reason is on the Models page and on the version's model card.
    at = login_app(founder.username, "models")
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "stays a challenger" in errors and "Gender Woman" in errors
    at = login_app(founder.username, "model_card")
    at.selectbox[0].set_value(report.version).run()
    assert not at.exception
    assert "Not promoted" in " ".join(e.value for e in at.error)
