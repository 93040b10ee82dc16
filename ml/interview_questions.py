"""Interview questions for one interview, picked from the shipped bank and explained.

The bank (``data/interview_questions.json``) holds written questions, each tagged with the
fit dimension it probes (:data:`DIMENSIONS`, the bars of the candidate page), the risk
indicators it probes (:data:`RISK_CODES`, empty for most), the interview types, seniority
levels, company stages and role families it suits (``"all"`` or a list), and what a strong
and a weak answer show. Two kinds are templates: ``skill`` questions with a ``{skill}``
placeholder, for must-have skills the resume does not show, and ``role_line`` questions
with a ``{line}`` placeholder, filled from the role intelligence.

:func:`generate` takes plain inputs (no database, no model) and returns
:class:`GeneratedQuestion` objects, each with the ``reason`` it was chosen. It uses no
randomness: the same inputs give the same questions in the same order.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ml.dna import STAGE_ORDER
from ml.fit import SHOWN_DIMENSIONS
from ml.risk import RISK_KINDS
from ml.roles import SENIORITY

_DATA = Path(__file__).resolve().parents[1] / "data"
BANK_PATH = _DATA / "interview_questions.json"
ROLE_LIBRARY_PATH = _DATA / "role_library.json"

# Tag vocabularies. Each one is the product's own list, so a question can only be tagged
# with a value some candidate, role or company can actually have.
DIMENSIONS: dict[str, str] = dict(SHOWN_DIMENSIONS)
RISK_CODES: tuple[str, ...] = RISK_KINDS
STAGES: tuple[str, ...] = STAGE_ORDER
# core.models.enums.INTERVIEW_TYPES; ml may not import core, a test keeps the two equal.
INTERVIEW_TYPES: tuple[str, ...] = ("phone", "technical", "culture", "final")
# One key per level of ml.roles.SENIORITY (Junior, Mid-level, Senior, Staff), same order.
SENIORITY_KEYS: tuple[str, ...] = ("junior", "mid", "senior", "staff")
RISK_LABELS: dict[str, str] = {
    "short_tenures": "Short tenures",
    "missing_must_have": "Missing must-have skills",
    "stage_mismatch": "Stage mismatch",
    "low_culture_alignment": "Low culture alignment",
    "compensation_outside_band": "Compensation outside the band",
    "unexplained_gap": "Unexplained gap",
}
KINDS: tuple[str, ...] = ("standard", "skill", "role_line")
# The placeholders each kind's text must contain (and the only ones it may use anywhere).
_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "standard": frozenset(),
    "skill": frozenset({"skill"}),
    "role_line": frozenset({"line"}),
}
_FIELDS = frozenset(
    {"id", "kind", "text", "dimension", "risks", "interview_types", "seniority", "stages"}
    | {"families", "strong", "weak"}
)
_ID = re.compile(r"^q-[a-z0-9]+(?:-[a-z0-9]+)*$")
_ORDINALS = ("weakest", "second-weakest", "third-weakest")


# What an interview of each type rates when it has no question kit to say.
DEFAULT_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "phone": ("experience", "role", "culture"),
    "technical": ("skills", "experience", "velocity"),
    "culture": ("culture", "builder", "stage"),
    "final": ("role", "stage", "track_record"),
}


class BankError(ValueError):
    """The question bank is malformed; the message names the bad entry."""


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: str
    dimension: str
    risks: tuple[str, ...]
    interview_types: tuple[str, ...]
    seniority: tuple[str, ...]
    stages: tuple[str, ...]
    families: tuple[str, ...]
    strong: str
    weak: str

    def suits(self, interview_type: str, family: str, seniority: str, stage: str) -> bool:
        """True when every tag admits this interview."""
        return (
            interview_type in self.interview_types
            and family in self.families
            and seniority in self.seniority
            and stage in self.stages
        )

    def specificity(self) -> tuple[int, int, int, int]:
        """Smaller is more specific: a question written for this family or stage is asked
        before a general one."""
        return (
            len(self.families),
            len(self.stages),
            len(self.seniority),
            len(self.interview_types),
        )


@dataclass(frozen=True)
class QuestionBank:
    questions: tuple[Question, ...]
    families: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.questions)


@dataclass
class GeneratedQuestion:
    """One question for one interview. Mutable on purpose: the kit is edited before the
    interview."""

    id: str
    text: str
    kind: str  # "dimension" | "risk" | "skill" | "role": what made it chosen
    probes: str  # the dimension key, risk code, skill name or role-intelligence line
    dimension: str  # the fit dimension a scorecard rates the answer on
    strong: str
    weak: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- loading


def role_families(path: Path = ROLE_LIBRARY_PATH) -> tuple[str, ...]:
    """The family keys of the shipped role library, in library order."""
    return tuple(json.loads(path.read_text(encoding="utf-8"))["families"])


def load_bank(path: Path = BANK_PATH, *, families: Iterable[str] | None = None) -> QuestionBank:
    """The validated bank at ``path``; :class:`BankError` names the first bad entry.

    ``families`` are the role family keys a question may be tagged with (default: the
    shipped role library's).
    """
    known_families = tuple(families) if families is not None else role_families()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BankError(f"Question bank {path} cannot be read: {exc}") from exc
    raw = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise BankError(f"Question bank {path} has no 'questions' list")
    questions: list[Question] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        question = _parse_entry(entry, index, known_families)
        if question.id in seen:
            raise BankError(f"Question bank entry {question.id!r} (#{index}): duplicate id")
        seen.add(question.id)
        questions.append(question)
    return QuestionBank(tuple(questions), known_families)


@lru_cache(maxsize=1)
def default_bank() -> QuestionBank:
    """The shipped bank, loaded once per process."""
    return load_bank()


def _parse_entry(entry: Any, index: int, families: tuple[str, ...]) -> Question:
    label = f"#{index}"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        label = f"{entry['id']!r} (#{index})"

    def fail(problem: str) -> BankError:
        return BankError(f"Question bank entry {label}: {problem}")

    if not isinstance(entry, dict):
        raise fail("is not an object")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise fail(f"unknown field(s) {unknown}")
    texts = {}
    for key in ("id", "text", "strong", "weak"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{key!r} must be a non-empty string")
        texts[key] = value.strip()
    if not _ID.match(texts["id"]):
        raise fail("id must look like 'q-stage-fit-007' (lower case, digits, hyphens)")
    kind = entry.get("kind", "standard")
    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}; known: {list(KINDS)}")
    dimension = entry.get("dimension")
    if dimension not in DIMENSIONS:
        raise fail(f"unknown dimension {dimension!r}; known: {list(DIMENSIONS)}")
    risks = entry.get("risks", [])
    if not isinstance(risks, list) or any(r not in RISK_CODES for r in risks):
        raise fail(f"risks must be a list of {list(RISK_CODES)}, not {risks!r}")
    _check_placeholders(kind, texts, fail)
    return Question(
        id=texts["id"],
        kind=kind,
        text=texts["text"],
        dimension=dimension,
        risks=tuple(risks),
        interview_types=_tags(entry, "interview_types", INTERVIEW_TYPES, fail),
        seniority=_tags(entry, "seniority", SENIORITY_KEYS, fail),
        stages=_tags(entry, "stages", STAGES, fail),
        families=_tags(entry, "families", families, fail),
        strong=texts["strong"],
        weak=texts["weak"],
    )


def _tags(entry: dict[str, Any], key: str, known: tuple[str, ...], fail: Any) -> tuple[str, ...]:
    """``"all"`` or a non-empty list of known values, in vocabulary order."""
    value = entry.get(key)
    if value == "all":
        return known
    if not isinstance(value, list) or not value:
        raise fail(f'{key!r} must be "all" or a non-empty list')
    unknown = [v for v in value if v not in known]
    if unknown:
        raise fail(f"unknown {key} {unknown}; known: {list(known)}")
    if len(set(value)) != len(value):
        raise fail(f"{key!r} repeats a value")
    return tuple(v for v in known if v in value)


def _check_placeholders(kind: str, texts: dict[str, str], fail: Any) -> None:
    allowed = _PLACEHOLDERS[kind]
    for key in ("text", "strong", "weak"):
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(texts[key]) if f is not None}
        except ValueError as exc:
            raise fail(f"{key!r} has a stray brace: {exc}") from exc
        if used - allowed:
            raise fail(
                f"{key!r} uses placeholder(s) {sorted(used - allowed)}; allowed: {sorted(allowed)}"
            )
        if key == "text" and used != allowed:
            raise fail(f"a {kind} question's text must use {sorted(allowed)}")


# --------------------------------------------------------------------------- generating


def seniority_key(value: str | int) -> str:
    """The bank's seniority key for a role level (0-3), a key ("mid") or a label of
    ``ml.roles.SENIORITY`` ("Mid-level")."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < len(SENIORITY_KEYS):
            return SENIORITY_KEYS[value]
    else:
        text = str(value).strip().casefold()
        labels = {
            label.casefold(): key for label, key in zip(SENIORITY, SENIORITY_KEYS, strict=True)
        }
        if text in SENIORITY_KEYS or text in labels:
            return labels.get(text, text)
    raise ValueError(
        f"Unknown seniority {value!r}; use a level 0-3, one of {list(SENIORITY_KEYS)} "
        f"or one of {list(SENIORITY)}"
    )


def missing_skills(must_have: Iterable[str], evidenced: Iterable[str]) -> list[str]:
    """Must-have skills the resume does not show, in the role's order, compared without
    case or extra spaces."""
    have = {_norm(s) for s in evidenced}
    missing: dict[str, str] = {}
    for skill in must_have:
        key = _norm(skill)
        if key and key not in have and key not in missing:
            missing[key] = " ".join(skill.split())
    return list(missing.values())


def generate(
    *,
    interview_type: str,
    family: str,
    seniority: str | int,
    stage: str,
    dimension_scores: Mapping[str, float | None],
    risk_codes: Sequence[str] = (),
    must_have_skills: Sequence[str] = (),
    evidenced_skills: Iterable[str] = (),
    role_lines: Sequence[str] = (),
    count: int = 8,
    bank: QuestionBank | None = None,
) -> list[GeneratedQuestion]:
    """Up to ``count`` questions for one interview, each with the reason it was chosen.

    Four sources take turns so that each gets a share of a short kit: the candidate's
    dimensions from the weakest up, the open risk indicators (in the order given, most
    severe first as ``ml.risk.assess_risks`` returns them), the must-have skills the
    resume does not show, and the role-intelligence lines. Only questions whose tags
    admit this interview type, family, seniority and stage are used; none repeats.
    Raises ``ValueError`` for an unknown type, family, seniority, stage, dimension or
    risk code, or a score outside 0-100.
    """
    bank = bank if bank is not None else default_bank()
    level = seniority_key(seniority)
    _check_choice("interview type", interview_type, INTERVIEW_TYPES)
    _check_choice("role family", family, bank.families)
    _check_choice("company stage", stage, STAGES)
    scores = _checked_scores(dimension_scores)
    for name, values in (
        ("risk_codes", risk_codes),
        ("must_have_skills", must_have_skills),
        ("evidenced_skills", evidenced_skills),
        ("role_lines", role_lines),
    ):
        # A bare string would be read one character at a time.
        if isinstance(values, str):
            raise TypeError(f"{name} must be a list of strings, not one string")
    risks = list(dict.fromkeys(risk_codes))
    for code in risks:
        _check_choice("risk indicator", code, RISK_CODES)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive whole number, not {count!r}")
    # Stable sort: among equally specific questions the bank's order decides.
    eligible = sorted(
        (q for q in bank.questions if q.suits(interview_type, family, level, stage)),
        key=Question.specificity,
    )
    missing = missing_skills(must_have_skills, evidenced_skills)
    chosen: list[GeneratedQuestion] = []
    # First one question per target (dimension, risk, skill, line), then follow-ups, so a
    # second question on one skill never displaces the first on a weak dimension.
    for follow_ups in (False, True):
        streams = [
            _dimension_picks(eligible, scores, follow_ups),
            _risk_picks(eligible, risks, follow_ups),
            _skill_picks(eligible, missing, follow_ups),
            _role_picks(eligible, role_lines, follow_ups),
        ]
        _take_turns(streams, count, chosen)
    return chosen


def _take_turns(
    streams: list[Iterator[GeneratedQuestion]], count: int, chosen: list[GeneratedQuestion]
) -> None:
    """Adds one new question from each source in turn to ``chosen`` until it holds
    ``count`` or all sources run dry."""
    seen = {g.id for g in chosen} | {g.text for g in chosen}
    active = list(streams)
    while active and len(chosen) < count:
        for stream in list(active):
            pick = next((g for g in stream if g.id not in seen and g.text not in seen), None)
            if pick is None:
                active.remove(stream)
                continue
            seen.update((pick.id, pick.text))
            chosen.append(pick)
            if len(chosen) == count:
                break


def _dimension_picks(
    eligible: list[Question], scores: dict[str, float], follow_ups: bool
) -> Iterator[GeneratedQuestion]:
    """Round by round, one question per dimension: scored ones weakest first (ties in
    the candidate page's order), then the unscored ones."""
    plain = [q for q in eligible if q.kind == "standard" and not q.risks]
    order = sorted(scores, key=lambda d: (scores[d], list(DIMENSIONS).index(d)))
    order += [d for d in DIMENSIONS if d not in scores]
    by_dimension = {d: [q for q in plain if q.dimension == d] for d in order}
    rounds = max((len(qs) for qs in by_dimension.values()), default=0)
    for turn in _turns(rounds, follow_ups):
        for rank, key in enumerate(order):
            if turn < len(by_dimension[key]):
                reason = _dimension_reason(key, rank, scores, follow_up=turn > 0)
                yield _made(by_dimension[key][turn], "dimension", key, reason)


def _dimension_reason(key: str, rank: int, scores: dict[str, float], *, follow_up: bool) -> str:
    name = DIMENSIONS[key]
    lead = "Follows up on" if follow_up else "Probes"
    if key not in scores:
        return f"{lead} {name}; there is no score for this dimension yet."
    if rank < len(_ORDINALS):
        place = f"this candidate's {_ORDINALS[rank]} dimension"
    else:
        place = f"ranked {rank + 1} of {len(scores)} from this candidate's weakest"
    return f"{lead} {name}, {place} ({int(round(scores[key]))}/100)."


def _risk_picks(
    eligible: list[Question], risks: list[str], follow_ups: bool
) -> Iterator[GeneratedQuestion]:
    """Round by round, one question per open risk indicator, in the order given."""
    by_risk = {c: [q for q in eligible if q.kind == "standard" and c in q.risks] for c in risks}
    rounds = max((len(qs) for qs in by_risk.values()), default=0)
    for turn in _turns(rounds, follow_ups):
        for code in risks:
            if turn < len(by_risk[code]):
                lead = "Follows up on" if turn else "Probes"
                reason = f"{lead} the open risk indicator {RISK_LABELS[code]} ({code})."
                yield _made(by_risk[code][turn], "risk", code, reason)


def _skill_picks(
    eligible: list[Question], skills: list[str], follow_ups: bool
) -> Iterator[GeneratedQuestion]:
    """Skill templates filled with each missing skill; neighbouring skills start on
    different templates so a kit does not repeat one wording."""
    templates = [q for q in eligible if q.kind == "skill"]
    for turn in _turns(len(templates), follow_ups):
        for i, skill in enumerate(skills):
            template = templates[(i + turn) % len(templates)]
            reason = (
                f"Checks {skill}, a must-have skill for this role that the resume does not show."
            )
            yield _made(template, "skill", skill, reason, skill=skill)


def _role_picks(
    eligible: list[Question], lines: Sequence[str], follow_ups: bool
) -> Iterator[GeneratedQuestion]:
    """Role-line templates filled with each role-intelligence line, in the order given."""
    templates = [q for q in eligible if q.kind == "role_line"]
    # A line is quoted as a sentence; the same line with or without its full stop is one.
    spaced = (" ".join(str(line).split()) for line in lines)
    cleaned = list(dict.fromkeys(s if s[-1] in ".!?" else f"{s}." for s in spaced if s))
    for turn in _turns(len(templates), follow_ups):
        for i, line in enumerate(cleaned):
            template = templates[(i + turn) % len(templates)]
            reason = f'Role-specific, built from the role intelligence: "{line.rstrip(".")}".'
            yield _made(template, "role", line, reason, line=line)


def _turns(rounds: int, follow_ups: bool) -> range:
    """The first round alone, or the follow-up rounds after it."""
    return range(1, rounds) if follow_ups else range(min(1, rounds))


def _made(
    question: Question, kind: str, probes: str, reason: str, **fill: str
) -> GeneratedQuestion:
    """A generated question; a filled template gets an id of its own, stable for the same
    template and value."""
    qid = question.id
    if fill:
        value = next(iter(fill.values()))
        qid = f"{question.id}:{hashlib.sha256(_norm(value).encode()).hexdigest()[:10]}"
    return GeneratedQuestion(
        id=qid,
        text=question.text.format(**fill),
        kind=kind,
        probes=probes,
        dimension=question.dimension,
        strong=question.strong.format(**fill),
        weak=question.weak.format(**fill),
        reason=reason,
    )


def _checked_scores(scores: Mapping[str, float | None]) -> dict[str, float]:
    """Known dimensions with a score 0-100; a missing (None) score counts as unscored."""
    out: dict[str, float] = {}
    for key, value in scores.items():
        _check_choice("dimension", key, tuple(DIMENSIONS))
        if value is None:
            continue
        number = float(value)
        if not 0.0 <= number <= 100.0:  # also refuses NaN
            raise ValueError(f"Score of dimension {key!r} must be 0-100, not {value!r}")
        out[key] = number
    return out


def _check_choice(what: str, value: str, known: Sequence[str]) -> None:
    if value not in known:
        raise ValueError(f"Unknown {what} {value!r}; known: {list(known)}")


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()
