"""Six monthly culture pulses for the demo world: the rounds, who was asked, and the
anonymous answers (never linked to an employee, dated at the round's opening).

Answers follow each person's latent engagement plus their team's, and sink in the months
before a person leaves, so the pulse page and the retention model see real patterns. The
latest round is still open, so the demo employee account can answer it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from ml.culture_pulse import AGREE5, FIXED_QUESTIONS, NPS

ROUNDS = 6
EVERY = timedelta(days=28)
OPEN_FOR = timedelta(days=14)
ANSWER_RATE = 0.75

COMMENTS_GOOD = (
    "Great month, the launch went well.",
    "Love how fast we can move right now.",
    "Clear priorities, thanks for the planning doc.",
    "The new review process is helping.",
)
COMMENTS_BAD = (
    "Priorities keep changing week to week.",
    "Feeling stretched thin; too many fires.",
    "Not sure where my work is going.",
    "Too many meetings, too little focus time.",
)


def _questions(values: list[str]) -> list[dict[str, Any]]:
    asked = [
        {
            "key": f"value:{i}",
            "text": f"“{v}” describes how we actually work.",
            "scale": AGREE5,
            "value": v,
        }
        for i, v in enumerate(values)
    ]
    return asked + [dict(q) for q in FIXED_QUESTIONS]


def add_pulses(
    world: Any, ids: Any, rng: np.random.Generator, as_of: date, demo_employees: set[Any]
) -> None:
    """Append ``culture_pulses``, ``culture_pulse_participants`` and
    ``culture_pulse_checks`` rows to ``world`` (``demo_employees``: employee ids with a demo
    login, left unanswered in the open round)."""
    now = datetime.combine(as_of, time(9), UTC)
    latest = now - timedelta(days=10)  # open for four more days
    openings = [latest - k * EVERY for k in range(ROUNDS - 1, -1, -1)]
    for company in world.companies:
        values = list(company["snapshot"]["values"])
        questions = _questions(values)
        staff = [e for e in world.employees if e["company_id"] == company["id"]]
        engaged = {e["id"]: float(rng.normal(0, 0.8)) for e in staff}
        teams = {e["department"] for e in staff}
        team_mood = {t: float(rng.normal(0, 0.4)) for t in sorted(teams, key=str)}
        for opened in openings:
            pulse_id = ids("pulse-round", company["id"], opened.date().isoformat())
            world.culture_pulses.append(
                {
                    "id": pulse_id,
                    "company_id": company["id"],
                    "opened_at": opened,
                    "closes_at": opened + OPEN_FOR,
                    "questions": questions,
                    "opened_by": "worker",
                    "reminded_at": min(opened + timedelta(days=7), now),
                    "created_at": opened,
                }
            )
            for emp in staff:
                if not _employed(emp, opened.date()):
                    continue
                is_open = opened + OPEN_FOR > now
                answers = not (is_open and emp["id"] in demo_employees)
                leaving = _leaving_soon(emp, opened.date())
                answers = answers and rng.random() < ANSWER_RATE - 0.2 * leaving
                world.culture_pulse_participants.append(
                    {
                        "id": ids("pulse-asked", pulse_id, emp["id"]),
                        "company_id": company["id"],
                        "pulse_id": pulse_id,
                        "employee_id": emp["id"],
                        "team": emp["department"],
                        "answered": answers,
                        "reminded": True,
                    }
                )
                if not answers:
                    continue
                mood = engaged[emp["id"]] + team_mood[emp["department"]] - 1.6 * leaving
                world.culture_pulse_checks.append(
                    _sheet(rng, company["id"], pulse_id, emp, opened, questions, mood)
                )


def _employed(emp: dict[str, Any], day: date) -> bool:
    return emp["start_date"] <= day and (emp["end_date"] is None or emp["end_date"] > day)


def _leaving_soon(emp: dict[str, Any], day: date) -> float:
    """1 in the last month before a leave, fading to 0 four months out."""
    if emp["end_date"] is None:
        return 0.0
    months_left = (emp["end_date"] - day).days / 30
    return float(max(0.0, min(1.0, 1 - (months_left - 1) / 3)))


def _sheet(
    rng: np.random.Generator,
    company_id: uuid.UUID,
    pulse_id: uuid.UUID,
    emp: dict[str, Any],
    opened: datetime,
    questions: list[dict[str, Any]],
    mood: float,
) -> dict[str, Any]:
    answers: dict[str, int] = {}
    for q in questions:
        if q["scale"] == NPS:
            answers[q["key"]] = int(np.clip(round(7.9 + 1.5 * mood + rng.normal(0, 1.2)), 0, 10))
        else:
            shift = -0.4 if q["key"] == "workload" else 0.0
            answers[q["key"]] = int(
                np.clip(round(3.7 + shift + 0.7 * mood + rng.normal(0, 0.6)), 1, 5)
            )
    values = [answers[q["key"]] for q in questions if q["key"].startswith("value:")]
    comment = None
    if rng.random() < 0.25:
        bank = COMMENTS_GOOD if mood >= -0.3 else COMMENTS_BAD
        comment = bank[int(rng.integers(0, len(bank)))]
    return {
        # Random, not derived from the employee's id: the id must not link the answer back.
        "id": uuid.UUID(bytes=rng.bytes(16), version=4),
        "company_id": company_id,
        "employee_id": None,
        "pulse_id": pulse_id,
        "team": emp["department"],
        "alignment_score": round((float(np.mean(values)) - 1) / 4 * 100) if values else None,
        "builder_mindset_score": round((answers["builder"] - 1) / 4 * 100),
        "enps": answers["enps"],
        "pulse_data": {"answers": answers, "comment": comment},
        "created_at": opened,
    }
