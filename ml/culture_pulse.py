"""The culture pulse's questions, the scoring of one answer sheet, and group aggregates.

Pure: plain dicts in, plain dicts out. Which groups may be shown at all is decided by
:mod:`ml.anonymity`; this module only computes the figures of a group it is given.

Questions are asked on two scales: ``agree5`` (1 strongly disagree … 5 strongly agree) and
``nps`` (0-10, how likely to recommend working here). One ``agree5`` question per stated
value of the company (from its DNA, with the culture dimension the value counts for), then
builder mindset, workload and manager support, then the eNPS question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

AGREE5 = "agree5"
NPS = "nps"
AGREE_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither",
    4: "Agree",
    5: "Strongly agree",
}
MAX_VALUES = 8  # stated values asked about in one pulse (a pulse stays short)
MAX_COMMENT = 1000

FIXED_QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "key": "builder",
        "text": "I can decide and ship without waiting for permission, and I act like an owner.",
        "scale": AGREE5,
    },
    {"key": "workload", "text": "My workload is sustainable.", "scale": AGREE5},
    {
        "key": "manager",
        "text": "My manager supports me and helps me grow.",
        "scale": AGREE5,
    },
    {
        "key": "enps",
        "text": "How likely are you to recommend working here to a friend? (0-10)",
        "scale": NPS,
    },
)


class AnswerError(ValueError):
    """An answer sheet that does not fit the pulse's questions."""


def build_questions(culture: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The questions of a new pulse from the DNA's culture dimensions.

    ``culture`` is the DNA profile's ``culture`` list (``key``, ``name``,
    ``stated_values``). Each stated value becomes a question that remembers the dimension
    it counts for, so the gap between stated and lived culture can be shown per dimension.
    """
    questions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for dimension in culture:
        for value in dimension.get("stated_values") or []:
            text = str(value).strip()
            if not text or text.lower() in seen or len(seen) >= MAX_VALUES:
                continue
            seen.add(text.lower())
            questions.append(
                {
                    "key": f"value:{len(seen) - 1}",
                    "text": f"“{text}” describes how we actually work.",
                    "scale": AGREE5,
                    "value": text,
                    "dimension": dimension.get("key"),
                    "dimension_name": dimension.get("name"),
                }
            )
    return questions + [dict(q) for q in FIXED_QUESTIONS]


def _agree_to_100(value: float) -> float:
    return (value - 1) / 4 * 100


def score_sheet(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any], comment: str | None
) -> dict[str, Any]:
    """Check one answer sheet against the questions and score it.

    Every question must be answered on its scale. Returns the stored form:
    ``alignment_score`` (0-100, mean of the stated-value answers; None when the pulse
    asked none), ``builder_mindset_score`` (0-100), ``enps`` (0-10) and ``pulse_data``.
    """
    clean: dict[str, int] = {}
    for q in questions:
        raw = answers.get(q["key"])
        low, high = (0, 10) if q["scale"] == NPS else (1, 5)
        if isinstance(raw, bool) or not isinstance(raw, (int, np.integer)):
            raise AnswerError(f"Please answer “{q['text']}”.")
        if not low <= int(raw) <= high:
            raise AnswerError(f"“{q['text']}” takes an answer from {low} to {high}.")
        clean[q["key"]] = int(raw)
    unknown = set(answers) - set(clean)
    if unknown:
        raise AnswerError("The answers do not match this pulse's questions; reload the page.")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise AnswerError(f"A comment is at most {MAX_COMMENT} characters.")
    values = [clean[q["key"]] for q in questions if q["key"].startswith("value:")]
    return {
        "alignment_score": round(_agree_to_100(float(np.mean(values)))) if values else None,
        "builder_mindset_score": round(_agree_to_100(clean["builder"])),
        "enps": clean["enps"],
        "pulse_data": {"answers": clean, "comment": text or None},
    }


def enps(scores: Iterable[int]) -> float | None:
    """Employee NPS: % promoters (9-10) minus % detractors (0-6), -100 to 100."""
    values = np.asarray(list(scores), dtype=float)
    if values.size == 0:
        return None
    return float(100 * (np.mean(values >= 9) - np.mean(values <= 6)))


def aggregate(
    questions: Sequence[Mapping[str, Any]], sheets: Sequence[Mapping[str, int]]
) -> dict[str, Any]:
    """Figures of one group: per question the mean, on 0-100 (agree5) or 0-10 (nps), the
    count of each answer and (agree5) the % favourable; the eNPS; the number of sheets."""
    per_question: dict[str, dict[str, Any]] = {}
    for q in questions:
        given = [s[q["key"]] for s in sheets if q["key"] in s]
        if not given:
            continue
        figure: dict[str, Any] = {"n": len(given)}
        if q["scale"] == NPS:
            figure["mean"] = round(float(np.mean(given)), 1)
            figure["counts"] = {k: given.count(k) for k in range(11)}
        else:
            figure["mean"] = round(_agree_to_100(float(np.mean(given))), 1)
            figure["counts"] = {k: given.count(k) for k in AGREE_LABELS}
            # The share who agree (4) or strongly agree (5), in %.
            figure["favourable"] = round(100 * float(np.mean(np.asarray(given) >= 4)), 1)
        per_question[q["key"]] = figure
    return {
        "n": len(sheets),
        "questions": per_question,
        "enps": enps(s["enps"] for s in sheets if "enps" in s),
    }


def culture_gap(
    culture: Sequence[Mapping[str, Any]],
    questions: Sequence[Mapping[str, Any]],
    figures: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Per culture dimension of the DNA: its score (0-100) beside the % of answers that
    agree its stated values describe how we work (the mean over those values), the gap
    (reported − DNA) and the
    sentences behind each side. A value is matched to a dimension by its text in the
    DNA's ``stated_values``; values the DNA counts for no dimension come last, with no DNA
    score."""
    asked = [q for q in questions if q.get("value") and q["key"] in figures["questions"]]
    rows = []
    matched: set[str] = set()
    for dimension in culture:
        mine = [q for q in asked if q["value"] in set(dimension.get("stated_values") or [])]
        if not mine:
            continue
        matched |= {q["key"] for q in mine}
        reported = float(np.mean([figures["questions"][q["key"]]["favourable"] for q in mine]))
        dna = int(dimension.get("score") or 0)
        rows.append(
            {
                "dimension": dimension.get("name") or dimension.get("key"),
                "dna_score": dna,
                "reported": round(reported, 1),
                "gap": round(reported - dna, 1),
                "stated_values": [q["value"] for q in mine],
                "evidence": list(dimension.get("evidence") or []),
            }
        )
    for q in asked:
        if q["key"] not in matched:
            rows.append(
                {
                    "dimension": None,
                    "dna_score": None,
                    "reported": figures["questions"][q["key"]]["favourable"],
                    "gap": None,
                    "stated_values": [q["value"]],
                    "evidence": [],
                }
            )
    return rows
