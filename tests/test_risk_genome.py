"""Risk indicators (each rule at its thresholds, evidence, ordering, the high-risk rule) and
the candidate genome (traits, role ideal, skills graph, work style)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ml.fit import DIMENSIONS
from ml.genome import (
    GENOME_TRAITS,
    GENOME_VERSION,
    MAX_EDGES,
    build_genome,
    genome_traits,
    role_ideal,
    skills_graph,
    work_style,
)
from ml.risk import RISK_KINDS, RiskIndicator, assess_risks, is_high_risk


def job(title: str, employer: str, start: str, end: str, months: int) -> dict[str, Any]:
    return {"title": title, "employer": employer, "start": start, "end": end, "months": months}


STEADY_JOBS = [
    job("Backend Engineer", "Ledgerly", "2016-01-01", "2019-12-01", 47),
    job("Senior Backend Engineer", "Quill", "2020-01-01", "2024-06-01", 53),
]


def profile(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "skills": ["Python", "PostgreSQL", "Kafka", "Docker"],
        "skill_categories": {
            "Python": "language",
            "PostgreSQL": "database",
            "Kafka": "data",
            "Docker": "cloud",
        },
        "jobs": STEADY_JOBS,
        "total_years": 8.3,
        "relevant_years": 8.3,
        "education": [],
        "links": [],
        "gaps_months": [],
        "short_tenures": 0,
    }
    return {**base, **overrides}


def role(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "must_have_skills": ["python", "PostgreSQL"],
        "nice_to_have_skills": ["Kafka"],
        "seniority": "Senior",
        "stage_traits": [],
        "culture_traits": [],
    }
    return {**base, **overrides}


def dna(stage: str = "series_b", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "stage": stage,
        "culture": [
            {"key": "ownership", "name": "Ownership", "score": 90, "evidence": []},
            {"key": "shipping_speed", "name": "Shipping speed", "score": 70, "evidence": []},
            {"key": "frugality", "name": "Frugality", "score": 20, "evidence": []},
        ],
        "velocity": {},
    }
    return {**base, **overrides}


def signals(**overrides: float) -> dict[str, float]:
    base = {
        "skills_match": 1.0,
        "years_experience": 8.3,
        "relevant_years": 8.3,
        "stage_experience": 1.0,
        "culture_alignment": 0.6,
        "velocity_signal": 0.75,
        "builder_signal": 0.3,
        "avg_tenure_years": 4.2,
        "short_tenures": 0.0,
        "employment_gap_months": 2.0,
        "seniority_gap": 0.0,
        "company_stage_index": 3.0,
    }
    return {**base, **overrides}


RESUME = (
    "Experience\n"
    "Senior Backend Engineer - Quill (Series B startup) | Jan 2020 - Jun 2024\n"
    "- Shipped the billing service behind feature flags\n"
    "Backend Engineer - Ledgerly | Jan 2016 - Dec 2019\n"
)


def risks_for(
    p: dict[str, Any] | None = None,
    text: str = RESUME,
    r: dict[str, Any] | None = None,
    d: dict[str, Any] | None = None,
    s: dict[str, float] | None = None,
    **kwargs: Any,
) -> dict[str, RiskIndicator]:
    found = assess_risks(p or profile(), text, r or role(), d or dna(), s or signals(), **kwargs)
    return {risk.kind: risk for risk in found}


def test_a_strong_steady_candidate_raises_no_risk() -> None:
    assert risks_for() == {}


# --------------------------------------------------------------------------- short tenures


def short_jobs(n: int) -> list[dict[str, Any]]:
    return STEADY_JOBS + [
        job(f"Engineer {i}", f"Startup {i}", f"202{i}-01-01", f"202{i}-08-01", 7) for i in range(n)
    ]


@pytest.mark.parametrize(("n", "severity"), [(1, None), (2, "medium"), (3, "high")])
def test_short_tenures_severity_follows_the_count(n: int, severity: str | None) -> None:
    found = risks_for(profile(jobs=short_jobs(n), short_tenures=n)).get("short_tenures")
    assert (found.severity if found else None) == severity


def test_short_tenures_evidence_lists_each_short_job_with_its_months() -> None:
    evidence = risks_for(profile(jobs=short_jobs(2)))["short_tenures"].evidence
    assert "Engineer 0 at Startup 0 (7 months)" in evidence
    assert "Engineer 1 at Startup 1 (7 months)" in evidence
    assert "Ledgerly" not in evidence


def test_a_job_still_held_is_not_a_short_tenure_when_today_is_given() -> None:
    jobs = short_jobs(1) + [job("Staff Engineer", "Now Co", "2026-05-01", "2026-09-01", 4)]
    assert risks_for(profile(jobs=jobs))["short_tenures"].severity == "medium"
    assert "short_tenures" not in risks_for(profile(jobs=jobs), today=date(2026, 9, 1))


# --------------------------------------------------------------------------- must-haves


@pytest.mark.parametrize(
    ("must", "severity"),
    [
        (["Python", "PostgreSQL", "Kafka", "Docker"], None),
        (["Python", "PostgreSQL", "Kafka", "Rust"], "low"),  # 1 missing, 75%
        (["Python", "PostgreSQL", "Rust"], "medium"),  # 1 missing, 67%
        (["Python", "PostgreSQL", "Kafka", "Docker", "Rust", "Go"], "medium"),  # 2 missing
        (["Python", "Rust"], "medium"),  # 50%
        (["Python", "Rust", "Go"], "high"),  # 33%
    ],
)
def test_missing_must_have_severity_follows_the_matched_share(
    must: list[str], severity: str | None
) -> None:
    found = risks_for(r=role(must_have_skills=must)).get("missing_must_have")
    assert (found.severity if found else None) == severity


def test_missing_must_have_compares_case_insensitively_and_names_the_missing() -> None:
    found = risks_for(r=role(must_have_skills=["PYTHON", "postgresql", "Rust"]))
    evidence = found["missing_must_have"].evidence
    assert "missing: Rust" in evidence
    assert "PYTHON" not in evidence and "2 of 3" in evidence


# --------------------------------------------------------------------------- stage


def test_stage_mismatch_is_medium_for_a_seed_company_without_seed_experience() -> None:
    found = risks_for(d=dna("seed"), s=signals(stage_experience=0.0))["stage_mismatch"]
    assert found.severity == "medium"
    assert "seed" in found.evidence and "Series B+" in found.evidence


def test_stage_mismatch_is_low_for_a_later_stage_company() -> None:
    found = risks_for(d=dna("series_a"), s=signals(stage_experience=0.0))
    assert found["stage_mismatch"].severity == "low"


def test_no_stage_mismatch_when_an_earlier_job_was_at_the_companys_stage() -> None:
    text = RESUME + "Engineer - Sprout (seed-stage) | Jan 2014 - Dec 2015\n"
    assert "stage_mismatch" not in risks_for(
        text=text, d=dna("seed"), s=signals(stage_experience=0.0)
    )


def test_no_stage_mismatch_when_the_most_recent_job_matches() -> None:
    assert "stage_mismatch" not in risks_for(d=dna("seed"), s=signals(stage_experience=1.0))


# --------------------------------------------------------------------------- culture


@pytest.mark.parametrize(
    ("alignment", "severity"), [(0.35, None), (0.34, "medium"), (0.2, "medium"), (0.19, "high")]
)
def test_low_culture_alignment_thresholds(alignment: float, severity: str | None) -> None:
    found = risks_for(s=signals(culture_alignment=alignment)).get("low_culture_alignment")
    assert (found.severity if found else None) == severity


def test_low_culture_alignment_names_the_companys_strongest_traits() -> None:
    evidence = risks_for(s=signals(culture_alignment=0.1))["low_culture_alignment"].evidence
    assert "Ownership (90/100)" in evidence and "Shipping speed (70/100)" in evidence
    assert "Frugality" not in evidence


# --------------------------------------------------------------------------- compensation

BAND = {"min": 140_000, "max": 160_000, "currency": "USD"}


@pytest.mark.parametrize(
    ("expected", "severity"),
    [
        (None, None),
        (150_000, None),
        (160_000, None),
        (160_001, "medium"),
        (184_000, "medium"),  # exactly 15% above
        (184_001, "high"),
        (105_000, None),  # exactly 25% below
        (104_999, "low"),
    ],
)
def test_compensation_band_thresholds(expected: int | None, severity: str | None) -> None:
    found = risks_for(r=role(compensation=BAND), expected_compensation=expected)
    risk = found.get("compensation_outside_band")
    assert (risk.severity if risk else None) == severity


def test_compensation_evidence_shows_both_numbers_and_needs_a_band() -> None:
    found = risks_for(r=role(compensation=BAND), expected_compensation=200_000)
    evidence = found["compensation_outside_band"].evidence
    assert "200,000 USD" in evidence and "140,000–160,000 USD" in evidence
    assert "compensation_outside_band" not in risks_for(expected_compensation=900_000)


# --------------------------------------------------------------------------- gaps


def gap_profile(months: int) -> dict[str, Any]:
    first = job("Engineer", "Ledgerly", "2016-01-01", "2019-01-01", 36)
    start = date(2019 + months // 12, 1 + months % 12, 1).isoformat()
    second = job("Senior Engineer", "Quill", start, "2024-06-01", 60)
    return profile(jobs=[first, second], gaps_months=[months] if months >= 6 else [])


@pytest.mark.parametrize(("months", "severity"), [(5, None), (6, "low"), (12, "medium")])
def test_unexplained_gap_severity(months: int, severity: str | None) -> None:
    found = risks_for(gap_profile(months)).get("unexplained_gap")
    assert (found.severity if found else None) == severity


def test_unexplained_gap_evidence_gives_the_length_and_dates() -> None:
    evidence = risks_for(gap_profile(14))["unexplained_gap"].evidence
    assert "14 months (Jan 2019 to Mar 2020)" in evidence


def test_overlapping_jobs_leave_no_gap() -> None:
    jobs = [
        job("Engineer", "Long Co", "2015-01-01", "2022-01-01", 84),
        job("Contractor", "Short Co", "2016-01-01", "2016-06-01", 5),
        job("Senior Engineer", "Next Co", "2022-02-01", "2024-06-01", 28),
    ]
    assert "unexplained_gap" not in risks_for(profile(jobs=jobs))


def test_time_since_the_last_job_counts_as_a_gap() -> None:
    found = risks_for(s=signals(employment_gap_months=13.0))["unexplained_gap"]
    assert found.severity == "medium" and "since Jun 2024" in found.evidence


@pytest.mark.parametrize(
    "line",
    [
        "Career break (2019) caring for a family member",
        "Parental leave",
        "2019: completed a master's degree in statistics",
        "Full-time study at the Open University",
        "Travelled through South America",
        "Relocated from Lisbon to Berlin",
    ],
)
def test_an_explained_gap_raises_no_risk(line: str) -> None:
    assert "unexplained_gap" not in risks_for(gap_profile(14), text=RESUME + line + "\n")


def test_an_ordinary_education_line_does_not_explain_a_gap() -> None:
    text = RESUME + "BSc degree in Computer Science\nWrote a case study on caching\n"
    assert "unexplained_gap" in risks_for(gap_profile(14), text=text)


# --------------------------------------------------------------------------- overall


def test_risks_come_most_severe_first() -> None:
    found = assess_risks(
        gap_profile(8),  # low
        RESUME,
        role(must_have_skills=["Python", "Rust", "Go"]),  # high
        dna(),
        signals(culture_alignment=0.3),  # medium
    )
    assert [r.severity for r in found] == ["high", "medium", "low"]
    assert found[0].to_dict()["kind"] == "missing_must_have"


def test_is_high_risk_on_any_high_or_three_mediums() -> None:
    def risk(severity: str) -> RiskIndicator:
        return RiskIndicator("short_tenures", severity, "t", "e")

    assert not is_high_risk([])
    assert not is_high_risk([risk("medium"), risk("medium"), risk("low")])
    assert is_high_risk([risk("medium")] * 3)
    assert is_high_risk([risk("low"), risk("high")])


def test_risk_indicator_rejects_unknown_kinds_and_severities() -> None:
    assert set(RISK_KINDS) >= {"short_tenures", "unexplained_gap"}
    with pytest.raises(ValueError):
        RiskIndicator("vibes", "low", "t", "e")
    with pytest.raises(ValueError):
        RiskIndicator("short_tenures", "critical", "t", "e")


# --------------------------------------------------------------------------- genome


def dimensions(**overrides: float) -> dict[str, float]:
    return {**{key: 60.0 for key in DIMENSIONS}, **overrides}


def test_traits_cover_every_trait_within_range() -> None:
    extreme = signals(relevant_years=40.0, avg_tenure_years=20.0, short_tenures=9.0)
    for s, d in ((signals(), dimensions()), (extreme, dimensions(skills=130.0, culture=-5.0))):
        traits = genome_traits(s, d)
        assert set(traits) == set(GENOME_TRAITS)
        assert all(isinstance(v, int) and 0 <= v <= 100 for v in traits.values())


def test_more_short_tenures_mean_lower_stability() -> None:
    stability = [
        genome_traits(signals(avg_tenure_years=2.0, short_tenures=float(n)), dimensions())[
            "stability"
        ]
        for n in range(4)
    ]
    assert stability == sorted(stability, reverse=True) and stability[0] > stability[-1]


def test_longer_tenure_and_experience_raise_their_traits() -> None:
    low = genome_traits(signals(avg_tenure_years=1.0, relevant_years=2.0), dimensions())
    high = genome_traits(signals(avg_tenure_years=3.0, relevant_years=6.0), dimensions())
    assert high["stability"] > low["stability"] and high["experience"] > low["experience"]


def test_traits_follow_the_dimensions() -> None:
    traits = genome_traits(signals(), dimensions(builder=10.0, skills=90.0, stage=0.0))
    assert (traits["builder"], traits["craft"], traits["stage_affinity"]) == (10, 90, 0)


def test_the_ideal_favours_builders_early_and_stability_later() -> None:
    seed, later = role_ideal(role(), dna("pre_seed")), role_ideal(role(), dna("series_b"))
    assert seed["builder"] > later["builder"]
    assert seed["velocity"] > later["velocity"]
    assert seed["stage_affinity"] > later["stage_affinity"]
    assert seed["stability"] < later["stability"]
    assert all(0 <= v <= 100 for v in seed.values()) and set(seed) == set(GENOME_TRAITS)


def test_the_ideal_experience_rises_with_the_role_level() -> None:
    levels = [role_ideal(role(level=n), dna())["experience"] for n in range(4)]
    assert levels == sorted(levels) and levels[0] < levels[-1]


def test_skills_graph_marks_missing_must_haves_and_links_same_categories() -> None:
    p = profile(
        skills=["Python", "Go", "PostgreSQL", "Redis"],
        skill_categories={
            "Python": "language",
            "Go": "language",
            "PostgreSQL": "database",
            "Redis": "database",
        },
    )
    r = role(must_have_skills=["python", "Rust"], nice_to_have_skills=["Go", "Scala"])
    graph = skills_graph(p, r)
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert "Scala" not in nodes  # a missing nice-to-have is left out
    assert nodes["Rust"] == {"id": "Rust", "category": "other", "kind": "must_have", "have": False}
    assert nodes["Python"]["kind"] == "must_have" and nodes["Python"]["have"]
    assert nodes["Go"]["kind"] == "nice_to_have" and nodes["Redis"]["kind"] == "other"
    assert [n["id"] for n in graph["nodes"]][:2] == ["Python", "Rust"]
    assert graph["edges"] == [["Python", "Go"], ["PostgreSQL", "Redis"]]


def test_skills_graph_caps_edges_deterministically() -> None:
    skills = [f"Lang{i:02d}" for i in range(20)]  # 190 possible pairs
    p = profile(skills=skills, skill_categories={s: "language" for s in skills})
    first, second = skills_graph(p, role()), skills_graph(p, role())
    assert len(first["edges"]) == MAX_EDGES and first == second


def test_work_style_quotes_the_line_that_shows_it() -> None:
    text = (
        "Mentored four junior engineers through their first on-call rotation\n"
        "Built the first version of the ledger from scratch\n"
        "- Ran user interviews with customers every week\n"
        "Kept an HTTP client library up to date\n"
    )
    styles = {w["signal"]: w["evidence"] for w in work_style(text, signals(avg_tenure_years=1.0))}
    assert styles["Builds from zero"] == "Built the first version of the ledger from scratch"
    assert styles["Mentors others"].startswith("Mentored four")
    assert styles["Owns reliability"].startswith("Mentored four")  # on-call is on that line
    assert styles["Works with customers"] == "Ran user interviews with customers every week"
    assert "Ships fast" not in styles and "Stays for the long run" not in styles
    assert work_style("Kept an HTTP client library up to date", signals(avg_tenure_years=1.0)) == []


def test_work_style_evidence_is_short_and_long_tenure_is_noted() -> None:
    styles = work_style("Shipped " + "x" * 400, signals(avg_tenure_years=4.2))
    assert len(styles[0]["evidence"]) == 160
    assert styles[-1]["signal"] == "Stays for the long run"
    assert styles[-1]["evidence"] == "Average tenure 4.2 years"


def test_build_genome_assembles_every_part() -> None:
    genome = build_genome(
        profile(), RESUME, role(), dna("seed"), signals(), dimensions(), [0.1234567, -0.5]
    )
    assert genome["version"] == GENOME_VERSION == "genome-1"
    assert genome["embedding"] == [0.12346, -0.5]
    assert genome["ideal"] == role_ideal(role(), dna("seed"))
    assert set(genome["traits"]) == set(GENOME_TRAITS)
    assert genome["work_style"][0]["signal"] == "Ships fast"
    assert build_genome(profile(), "", role(), dna(), signals(), dimensions())["embedding"] is None


def test_the_genome_ignores_identity_fields() -> None:
    plain = profile()
    named = {**plain, "name": "Ada Lovelace", "email": "ada@example.com", "age": 36}
    args = (RESUME, role(), dna(), signals(), dimensions())
    assert build_genome(plain, *args) == build_genome(named, *args)
    assert assess_risks(plain, RESUME, role(), dna(), signals()) == assess_risks(
        named, RESUME, role(), dna(), signals()
    )
