"""The interview question bank (data/interview_questions.json) and the generator over it."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from core.models.enums import COMPANY_STAGES, INTERVIEW_TYPES
from ml import interview_questions as iq
from ml.fit import SHOWN_DIMENSIONS
from ml.risk import RISK_KINDS
from ml.roles import SENIORITY

BANK = iq.default_bank()
BY_ID = {q.id: q for q in BANK.questions}
SCORES = {
    "skills": 70,
    "experience": 66,
    "stage": 41,
    "culture": 80,
    "velocity": 55,
    "builder": 60,
    "role": 75,
    "track_record": 90,
}
BASE: dict[str, Any] = {
    "interview_type": "technical",
    "family": "backend",
    "seniority": "Senior",
    "stage": "seed",
    "dimension_scores": SCORES,
}


def _source(generated: iq.GeneratedQuestion) -> iq.Question:
    """The bank entry a generated question came from (templates get ``id:hash`` ids)."""
    return BY_ID[generated.id.split(":")[0]]


# --------------------------------------------------------------------------- the bank


def test_bank_has_at_least_150_written_questions() -> None:
    standard = [q for q in BANK.questions if q.kind == "standard"]
    assert len(standard) >= 150
    assert len({q.id for q in BANK.questions}) == len(BANK.questions)
    assert all(q.strong and q.weak and q.text for q in BANK.questions)


def test_tag_vocabularies_are_the_products_own() -> None:
    assert iq.INTERVIEW_TYPES == INTERVIEW_TYPES
    assert iq.STAGES == COMPANY_STAGES
    assert list(iq.DIMENSIONS) == list(SHOWN_DIMENSIONS)
    assert iq.RISK_CODES == RISK_KINDS
    assert list(iq.RISK_LABELS) == list(RISK_KINDS)
    assert len(iq.SENIORITY_KEYS) == len(SENIORITY)
    library = json.loads((iq._DATA / "role_library.json").read_text(encoding="utf-8"))
    assert BANK.families == tuple(library["families"])


@pytest.mark.parametrize(
    ("attribute", "values", "minimum"),
    [
        ("dimension", tuple(SHOWN_DIMENSIONS), 8),
        ("risks", RISK_KINDS, 4),
        ("stages", COMPANY_STAGES, 60),
        ("families", None, 40),
        ("interview_types", INTERVIEW_TYPES, 30),
        ("seniority", iq.SENIORITY_KEYS, 120),
    ],
)
def test_every_tag_value_has_questions(
    attribute: str, values: tuple[str, ...] | None, minimum: int
) -> None:
    standard = [q for q in BANK.questions if q.kind == "standard"]
    for value in values or BANK.families:
        tagged = [
            q
            for q in standard
            if (
                q.dimension == value if attribute == "dimension" else value in getattr(q, attribute)
            )
        ]
        assert len(tagged) >= minimum, f"{attribute}={value}: {len(tagged)} questions"


def test_every_interview_has_a_question_for_every_dimension_and_risk() -> None:
    """Whatever the interview, the weakest dimension and every open risk can be probed."""
    for combo in itertools.product(
        INTERVIEW_TYPES, BANK.families, iq.SENIORITY_KEYS, COMPANY_STAGES
    ):
        suited = [q for q in BANK.questions if q.suits(*combo)]
        plain = {q.dimension for q in suited if q.kind == "standard" and not q.risks}
        risks = {r for q in suited if q.kind == "standard" for r in q.risks}
        kinds = {q.kind for q in suited}
        assert plain == set(SHOWN_DIMENSIONS), combo
        assert risks == set(RISK_KINDS), combo
        assert {"skill", "role_line"} <= kinds, combo


def test_every_family_and_type_fills_a_kit() -> None:
    for interview_type, family in itertools.product(INTERVIEW_TYPES, BANK.families):
        kit = iq.generate(**{**BASE, "interview_type": interview_type, "family": family})
        assert len(kit) == 8


# --------------------------------------------------------------------------- a bad bank


def _write_bank(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "bank.json"
    path.write_text(json.dumps({"version": 1, "questions": entries}), encoding="utf-8")
    return path


def _good_entry(qid: str = "q-test-001") -> dict[str, Any]:
    return {
        "id": qid,
        "kind": "standard",
        "text": "Tell me about a time you changed your mind.",
        "dimension": "culture",
        "interview_types": ["culture"],
        "seniority": "all",
        "stages": "all",
        "families": "all",
        "strong": "A real change of view, explained.",
        "weak": "Never changes their mind.",
    }


def test_a_good_small_bank_loads(tmp_path: Path) -> None:
    bank = iq.load_bank(_write_bank(tmp_path, [_good_entry()]), families=["sales"])
    assert len(bank) == 1
    assert bank.questions[0].stages == COMPANY_STAGES
    assert bank.questions[0].families == ("sales",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dimension": "charisma"}, "unknown dimension 'charisma'"),
        ({"stages": ["seriesA"]}, "unknown stages ['seriesA']"),
        ({"families": ["backend"]}, "unknown families ['backend']"),
        ({"seniority": ["lead"]}, "unknown seniority ['lead']"),
        ({"interview_types": ["onsite"]}, "unknown interview_types ['onsite']"),
        ({"interview_types": []}, "non-empty list"),
        ({"risks": ["flight_risk"]}, "risks must be a list"),
        ({"strong": "  "}, "'strong' must be a non-empty string"),
        ({"weak": ""}, "'weak' must be a non-empty string"),
        ({"kind": "skill"}, "must use ['skill']"),
        ({"text": "How do you use {tool}?"}, "placeholder(s) ['tool']"),
        ({"id": "Q 7"}, "id must look like"),
        ({"stage": ["seed"]}, "unknown field(s) ['stage']"),
    ],
)
def test_a_bad_entry_is_refused_by_name(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    bad = {**_good_entry("q-bad-002"), **change}
    path = _write_bank(tmp_path, [_good_entry(), bad])
    with pytest.raises(iq.BankError) as caught:
        iq.load_bank(path, families=["sales"])
    text = str(caught.value)
    assert message in text
    assert f"{bad['id']!r} (#1)" in text


def test_a_duplicate_id_is_refused_by_name(tmp_path: Path) -> None:
    path = _write_bank(tmp_path, [_good_entry("q-same-001"), _good_entry("q-same-001")])
    with pytest.raises(iq.BankError, match=r"'q-same-001' \(#1\): duplicate id"):
        iq.load_bank(path, families=["sales"])


def test_the_shipped_bank_with_one_entry_broken_is_refused(tmp_path: Path) -> None:
    raw = json.loads(iq.BANK_PATH.read_text(encoding="utf-8"))
    broken = copy.deepcopy(raw)
    broken["questions"][17]["dimension"] = "stage_fit"
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(iq.BankError, match=raw["questions"][17]["id"]):
        iq.load_bank(path)


# --------------------------------------------------------------------------- generate


def test_the_weakest_dimension_comes_first_with_its_score() -> None:
    kit = iq.generate(**BASE)
    first = kit[0]
    assert (first.kind, first.probes) == ("dimension", "stage")
    assert first.reason == "Probes Stage fit, this candidate's weakest dimension (41/100)."
    assert _source(first).dimension == "stage"
    dimensions = [g.probes for g in kit if g.kind == "dimension"]
    assert dimensions[:3] == ["stage", "velocity", "builder"]  # 41, 55, 60

    lower_culture = iq.generate(**{**BASE, "dimension_scores": {**SCORES, "culture": 12.4}})
    assert lower_culture[0].probes == "culture"
    assert "Culture fit, this candidate's weakest dimension (12/100)" in lower_culture[0].reason
    assert (
        "Stage fit, this candidate's second-weakest dimension (41/100)" in lower_culture[1].reason
    )


def test_open_risks_get_questions_that_say_so() -> None:
    risks = ["unexplained_gap", "stage_mismatch"]
    kit = iq.generate(**BASE, risk_codes=risks)
    probed = [g for g in kit if g.kind == "risk"]
    assert [g.probes for g in probed] == risks
    for g in probed:
        assert g.probes in _source(g).risks
        assert f"open risk indicator {iq.RISK_LABELS[g.probes]} ({g.probes})" in g.reason
    assert not [g for g in iq.generate(**BASE) if g.kind == "risk"]


def test_missing_must_have_skills_are_probed_and_evidenced_ones_are_not() -> None:
    kit = iq.generate(
        **BASE,
        must_have_skills=["Python", "Go", "Kafka"],
        evidenced_skills=["python", "  KAFKA "],
        count=20,
    )
    skills = [g for g in kit if g.kind == "skill"]
    assert skills and {g.probes for g in skills} == {"Go"}
    for g in skills:
        assert "Go" in g.text and "{skill}" not in g.text + g.strong + g.weak
        assert (
            g.reason == "Checks Go, a must-have skill for this role that the resume does not show."
        )
        assert g.dimension == "skills"
    assert not any("Python" in g.text or "Kafka" in g.text for g in kit)

    all_shown = iq.generate(**BASE, must_have_skills=["Go"], evidenced_skills=["go"])
    assert not [g for g in all_shown if g.kind == "skill"]


def test_role_intelligence_lines_become_role_questions() -> None:
    lines = ["Own the payments service end to end", "  ", "Own the payments service end to end"]
    kit = iq.generate(**BASE, role_lines=lines)
    role = [g for g in kit if g.kind == "role"]
    assert len(role) == 1
    assert '"Own the payments service end to end."' in role[0].text
    assert role[0].reason.startswith("Role-specific")
    assert "Own the payments service end to end" in role[0].reason


def test_first_questions_on_every_target_come_before_follow_ups() -> None:
    kit = iq.generate(**BASE, risk_codes=["short_tenures"], must_have_skills=["Go"], count=10)
    assert {g.probes for g in kit if g.kind == "dimension"} == set(SHOWN_DIMENSIONS)
    assert not [g for g in kit if g.reason.startswith("Follows up")]
    longer = iq.generate(**BASE, risk_codes=["short_tenures"], must_have_skills=["Go"], count=11)
    assert longer[:10] == kit
    assert longer[10].reason.startswith("Follows up")


def test_same_inputs_give_the_same_kit() -> None:
    inputs = {
        **BASE,
        "risk_codes": ["short_tenures"],
        "must_have_skills": ["Go", "AWS"],
        "role_lines": ["Keep the system reliable as usage grows."],
    }
    first = [g.to_dict() for g in iq.generate(**inputs)]
    again = [g.to_dict() for g in iq.generate(**inputs, bank=iq.load_bank())]
    assert first == again
    other = [g.to_dict() for g in iq.generate(**{**inputs, "must_have_skills": ["Kubernetes"]})]
    assert other != first


@pytest.mark.parametrize("interview_type", INTERVIEW_TYPES)
def test_each_interview_type_draws_from_its_own_tags(interview_type: str) -> None:
    kit = iq.generate(
        **{**BASE, "interview_type": interview_type},
        risk_codes=list(RISK_KINDS),
        must_have_skills=["Go"],
        role_lines=["Review code and write design notes."],
        count=40,
    )
    assert kit
    assert all(interview_type in _source(g).interview_types for g in kit)
    # Its plain kit holds at least one question no other type's kit asks.
    own = {g.id for g in iq.generate(**{**BASE, "interview_type": interview_type})}
    others = [t for t in INTERVIEW_TYPES if t != interview_type]
    other_ids = {g.id for t in others for g in iq.generate(**{**BASE, "interview_type": t})}
    assert own - other_ids


def test_family_stage_and_seniority_filter_the_questions() -> None:
    backend = iq.generate(**BASE)
    assert _source(backend[4]).families == ("backend",)  # skills: the family's own question
    junior_sales = iq.generate(
        **{**BASE, "family": "sales", "seniority": 0, "stage": "growth"}, count=60
    )
    for g in junior_sales:
        source = _source(g)
        assert "sales" in source.families
        assert "junior" in source.seniority
        assert "growth" in source.stages
    assert backend[4].id not in {g.id for g in junior_sales}


@pytest.mark.parametrize("count", [1, 3, 8, 13])
def test_count_is_respected(count: int) -> None:
    assert len(iq.generate(**BASE, risk_codes=["short_tenures"], count=count)) == count


def test_no_question_repeats_even_in_a_long_kit() -> None:
    kit = iq.generate(
        **BASE,
        risk_codes=list(RISK_KINDS),
        must_have_skills=["Go", "AWS", "Redis"],
        role_lines=["Design the services.", "Own the rollout.", "Design the services"],
        count=500,
    )
    assert len(kit) > 30
    assert {g.probes for g in kit if g.kind == "role"} == {
        "Design the services.",
        "Own the rollout.",
    }
    assert len({g.id for g in kit}) == len(kit)
    assert len({g.text for g in kit}) == len(kit)


def test_generated_questions_are_editable_plain_data() -> None:
    question = iq.generate(**BASE, count=1)[0]
    question.text = "Reworded by the interviewer."
    assert question.to_dict()["text"] == "Reworded by the interviewer."
    assert set(question.to_dict()) == {
        "id",
        "text",
        "kind",
        "probes",
        "dimension",
        "strong",
        "weak",
        "reason",
    }


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"interview_type": "onsite"}, "Unknown interview type 'onsite'"),
        ({"family": "astronaut"}, "Unknown role family 'astronaut'"),
        ({"stage": "series_z"}, "Unknown company stage 'series_z'"),
        ({"seniority": "intern"}, "Unknown seniority 'intern'"),
        ({"seniority": 4}, "Unknown seniority 4"),
        ({"dimension_scores": {"charm": 50}}, "Unknown dimension 'charm'"),
        ({"dimension_scores": {"stage": 120}}, "must be 0-100"),
        ({"dimension_scores": {"stage": float("nan")}}, "must be 0-100"),
        ({"risk_codes": ["flight_risk"]}, "Unknown risk indicator 'flight_risk'"),
        ({"count": 0}, "count must be a positive whole number"),
    ],
)
def test_bad_inputs_are_refused(change: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("(", r"\(")):
        iq.generate(**{**BASE, **change})


def test_a_single_string_is_not_taken_for_a_list() -> None:
    with pytest.raises(TypeError, match="must_have_skills"):
        iq.generate(**BASE, must_have_skills="Go")


@pytest.mark.parametrize(
    ("value", "key"), [("Mid-level", "mid"), ("mid", "mid"), (1, "mid"), ("Staff", "staff")]
)
def test_seniority_accepts_levels_keys_and_labels(value: str | int, key: str) -> None:
    assert iq.seniority_key(value) == key


def test_unscored_dimensions_still_get_questions() -> None:
    kit = iq.generate(**{**BASE, "dimension_scores": {"role": 30}})
    assert kit[0].probes == "role"
    assert "weakest dimension (30/100)" in kit[0].reason
    assert "there is no score for this dimension yet" in kit[1].reason
