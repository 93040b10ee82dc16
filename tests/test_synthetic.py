"""The synthetic world generator and its ground truth (pure, no database)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from ml.synthetic import (
    FEATURES,
    bayes_auc,
    expected_auc,
    generate_history,
    generate_world,
    success_probability,
)

AS_OF = date(2026, 11, 1)
STATUSES = {"applied", "screening", "interview", "offer", "hired", "rejected"}
PROTECTED = {
    "age",
    "gender",
    "sex",
    "race",
    "ethnicity",
    "name",
    "address",
    "nationality",
    "photo",
    "disability",
    "religion",
    "marital_status",
    "distance",
}


@pytest.fixture(scope="module")
def world():
    return generate_world(3, 400, 7, AS_OF)


def test_same_seed_same_world_and_other_seed_differs(world) -> None:
    assert generate_world(3, 400, 7, AS_OF) == world
    other = generate_world(3, 400, 8, AS_OF)
    assert other.candidates != world.candidates
    assert [c["startupos_id"] for c in other.companies] != [
        c["startupos_id"] for c in world.companies
    ]


def test_counts_and_every_status_in_every_company(world) -> None:
    assert len(world.companies) == 3
    assert len(world.candidates) == 400
    for company in world.companies:
        statuses = {c["status"] for c in world.candidates if c["company_id"] == company["id"]}
        assert statuses == STATUSES, company["name"]
    hired = [c for c in world.candidates if c["status"] == "hired"]
    assert sorted(h["candidate_id"] for h in world.hires) == sorted(c["id"] for c in hired)
    assert len(world.hires) >= 20
    per_plan: dict = {}
    for cp in world.onboarding_checkpoints:
        per_plan.setdefault(cp["onboarding_plan_id"], []).append(cp["checkpoint_day"])
    assert len(per_plan) == len(world.onboarding_plans) == len(world.hires)
    assert all(sorted(days) == [7, 30, 60, 90] for days in per_plan.values())
    role_statuses = {r["status"] for r in world.roles}
    assert {"draft", "active", "filled", "closed"} <= role_statuses


def test_foreign_ids_exist_and_stay_within_one_company(world) -> None:
    def index(rows):
        return {r["id"]: r for r in rows}

    companies = index(world.companies)
    roles, candidates = index(world.roles), index(world.candidates)
    users, employees = index(world.users), index(world.employees)
    hires, plans = index(world.hires), index(world.onboarding_plans)
    for table, refs in [
        (world.roles, {}),
        (world.candidates, {"role_id": roles}),
        (world.interviews, {"candidate_id": candidates, "role_id": roles, "interviewer_id": users}),
        (world.hires, {"candidate_id": candidates, "role_id": roles}),
        (world.employees, {"hire_id": hires}),
        (world.users, {"employee_id": employees}),
        (world.onboarding_plans, {"hire_id": hires}),
        (world.onboarding_checkpoints, {"onboarding_plan_id": plans}),
        (world.culture_pulse_checks, {"employee_id": employees}),
        (world.candidate_stage_events, {"candidate_id": candidates}),
    ]:
        for row in table:
            assert row["company_id"] in companies
            for column, target in refs.items():
                if row[column] is None:
                    continue
                assert row[column] in target, column
                assert target[row[column]]["company_id"] == row["company_id"], column


def test_emails_are_unique_per_company_and_on_example_domains(world) -> None:
    for company in world.companies:
        emails = [c["email"] for c in world.candidates if c["company_id"] == company["id"]]
        assert len(emails) == len(set(emails))
    domains = {e.split("@")[1] for e in (c["email"] for c in world.candidates)}
    assert domains <= {"example.com", "example.net", "example.org"}


def test_dates_respect_as_of_and_pulses_cover_six_months(world) -> None:
    assert all(c["created_at"].date() <= AS_OF for c in world.candidates)
    assert all(c["updated_at"] >= c["created_at"] for c in world.candidates)
    assert all(c["created_at"].tzinfo is not None for c in world.candidates)
    for company in world.companies:
        rounds = sorted(
            p["opened_at"] for p in world.culture_pulses if p["company_id"] == company["id"]
        )
        assert len(rounds) == 6 and rounds[-1].date() <= AS_OF
        assert AS_OF - timedelta(days=183) <= rounds[0].date()
    opened = {p["id"]: p["opened_at"] for p in world.culture_pulses}
    # Answers carry no employee and the round's time, not their own.
    assert all(c["employee_id"] is None for c in world.culture_pulse_checks)
    assert all(c["created_at"] == opened[c["pulse_id"]] for c in world.culture_pulse_checks)
    answered = sum(p["answered"] for p in world.culture_pulse_participants)
    assert answered == len(world.culture_pulse_checks)
    for cp in world.onboarding_checkpoints:
        assert (cp["completed_at"] is None) or cp["completed_at"].date() <= AS_OF


def test_features_hold_no_protected_attribute_or_proxy() -> None:
    tokens = {token for f in FEATURES for token in f.lower().split("_")}
    assert not tokens & PROTECTED
    assert "gender" not in FEATURES and "age" not in FEATURES


def test_expected_auc_matches_brute_force_and_monte_carlo() -> None:
    rng = np.random.default_rng(3)
    p = np.round(rng.random(300), 2)  # rounding creates ties
    num = den = 0.0
    for i in range(len(p)):
        for j in range(len(p)):
            if i == j:
                continue
            w = p[i] * (1 - p[j])
            den += w
            num += w * (1.0 if p[i] > p[j] else 0.5 if p[i] == p[j] else 0.0)
    assert expected_auc(p) == pytest.approx(num / den, abs=1e-9)
    draws = [roc_auc_score(y, p) for y in (rng.random((200, len(p))) < p) if 0 < y.sum() < len(p)]
    assert np.mean(draws) == pytest.approx(num / den, abs=0.01)


def test_bayes_auc_is_learnable_but_not_trivial(world) -> None:
    assert 0.75 < world.ground_truth["bayes_auc"] < 0.9
    assert world.ground_truth["bayes_auc"] == pytest.approx(bayes_auc(seed=1007), abs=1e-6)
    X, y, p = generate_history(50_000, seed=5)
    assert list(X.columns) == list(FEATURES)
    # The realised AUC of the true probability sits at the expected value.
    assert roc_auc_score(y, p) == pytest.approx(expected_auc(p), abs=0.01)


def test_success_probability_rises_with_skills_and_falls_with_level_mismatch() -> None:
    X, _, _ = generate_history(1, seed=2)
    row = X.iloc[[0]].copy()
    low, high = row.copy(), row.copy()
    low["skills_match"], high["skills_match"] = 0.2, 0.9
    assert success_probability(high)[0] > success_probability(low)[0]
    fits, overlevelled = row.copy(), row.copy()
    fits["seniority_gap"], overlevelled["seniority_gap"] = 0.0, 2.0
    assert success_probability(fits)[0] > success_probability(overlevelled)[0]
    early, late = row.copy(), row.copy()
    early["stage_experience"] = late["stage_experience"] = 1.0
    early["company_stage_index"], late["company_stage_index"] = 0.0, 3.0
    base_early, base_late = early.copy(), late.copy()
    base_early["stage_experience"] = base_late["stage_experience"] = 0.0
    gain_early = success_probability(early)[0] - success_probability(base_early)[0]
    gain_late = success_probability(late)[0] - success_probability(base_late)[0]
    assert gain_early > gain_late  # stage experience matters more early


def test_hire_outcomes_follow_the_ground_truth(world) -> None:
    X, y, p = generate_history(20_000, seed=9)
    assert 0.2 < y.mean() < 0.5
    feats = {c["id"]: c["features"] for c in world.candidates}
    known = [h for h in world.hires if h["actual_outcome"] is not None]
    probs = success_probability(pd.DataFrame([feats[h["candidate_id"]] for h in known]))
    # Hires are selected, so they succeed more often than the population.
    assert probs.mean() > p.mean()
    assert {h["actual_outcome"] for h in known} <= {"success", "failure", "neutral"}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="as_of"):
        generate_world(3, 400, 7)
    with pytest.raises(ValueError, match="n_companies"):
        generate_world(0, 400, 7, AS_OF)
    with pytest.raises(ValueError, match="10 candidates"):
        generate_world(3, 20, 7, AS_OF)


def test_people_stay_distinct_past_the_first_and_last_name_bank() -> None:
    """Once every first-and-last name is taken, names get a middle initial (50k worlds)."""
    from ml import synthetic_text as txt
    from ml.synthetic import _Builder

    builder = _Builder(1, 100, seed=3, as_of=date(2026, 11, 1))
    builder.used_names = {f"{f} {last}" for f in txt.FIRST_NAMES for last in txt.LAST_NAMES}
    names = [builder.person() for _ in range(2000)]
    assert len(set(names)) == 2000 and all(". " in n for n in names)
    emails = {builder.email(n, "example.com", set()) for n in names}
    assert len(emails) == 2000 and all(" " not in e and ".." not in e for e in emails)


def test_former_employees_stay_distinct_once_plain_names_run_out() -> None:
    """``demo seed --candidates 10000 --seed 13`` stopped at "name bank exhausted": the
    retention history's former employees had no middle-initial fallback."""
    from types import SimpleNamespace

    from ml import synthetic_retention, synthetic_text

    every_plain = {
        f"{f} {last}" for f in synthetic_text.FIRST_NAMES for last in synthetic_text.LAST_NAMES
    }
    builder = SimpleNamespace(used_names=set(every_plain))
    rng = np.random.default_rng(13)
    names = {synthetic_retention._unique_name(builder, rng) for _ in range(50)}
    assert len(names) == 50 and not names & every_plain
    assert all(". " in name for name in names)  # a middle initial
