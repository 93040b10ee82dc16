"""An onboarding plan for one hire: tasks with owners and due days, drawn from the role's
outcomes, the company's stated values and this hire's weaker fit dimensions and open risk
indicators, and checkpoints at days 7, 30, 60 and 90. Pure: plain inputs, a plain dict out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CHECKPOINT_DAYS = (7, 30, 60, 90)
OWNERS = ("manager", "buddy", "new_hire")
# Below this dimension score the plan adds support for it.
WEAK_BELOW = 60

# Dimension -> (owner, due day, task): what helps a hire who scored low on it.
_SUPPORT = {
    "stage": (
        "manager",
        7,
        "Pair with a founder in week 1 to learn how a {stage} company decides.",
    ),
    "culture": (
        "buddy",
        14,
        "Talk through the values with your buddy after your first team ritual.",
    ),
    "skills": ("manager", 14, "Pick a first task that grows a must-have skill, with a reviewer."),
    "experience": ("buddy", 21, "Pair with your buddy weekly for the first month."),
    "velocity": ("new_hire", 14, "Ship a first small change to production in week 2."),
    "builder": ("new_hire", 30, "Own one small improvement end to end by day 30."),
    "role": ("manager", 10, "Agree in writing on what success in this role means at day 90."),
    "track_record": ("manager", 30, "Set two measurable goals for the first quarter together."),
}
_RISK_SUPPORT = {
    "short_tenures": ("manager", 30, "Agree on a growth path for the next year in a 1:1."),
    "stage_mismatch": (
        "manager",
        7,
        "Walk through how work is planned at this stage, with examples.",
    ),
    "low_culture_alignment": ("buddy", 14, "Join a values discussion and note what surprised you."),
    "missing_must_have": (
        "manager",
        21,
        "Plan how a must-have skill the resume did not show is learned.",
    ),
    "compensation_outside_band": ("manager", 30, "Review the pay band and growth steps together."),
    "unexplained_gap": ("buddy", 7, "Meet the people you will work with most in the first week."),
}


def build_plan(
    *,
    role_title: str,
    outcomes: Mapping[str, str],
    values: Sequence[str],
    dimension_scores: Mapping[str, float],
    dimension_names: Mapping[str, str],
    risk_codes: Sequence[str],
    stage_label: str,
) -> dict[str, Any]:
    """The plan: ``tasks`` (title, owner, due_day, why, done), ``goals`` by day, ``focus``
    (the weaker dimensions it supports) and the ``checkpoints`` days."""
    tasks: list[dict[str, Any]] = [
        _task("manager", 1, "Set up accounts and meet the team.", "Every hire's first day."),
        _task(
            "buddy", 3, "Walk through how the team works day to day.", "Every hire's first week."
        ),
    ]
    if values:
        tasks.append(
            _task(
                "buddy",
                5,
                f"Discuss the company's values: {', '.join(values[:4])}.",
                "The company's stated values (its DNA).",
            )
        )
    for day in ("30", "90"):
        if outcomes.get(day):
            tasks.append(
                _task("new_hire", int(day), outcomes[day], f"The role's day-{day} outcome.")
            )
    weak = sorted(
        (k for k, v in dimension_scores.items() if v < WEAK_BELOW and k in _SUPPORT),
        key=lambda k: dimension_scores[k],
    )
    for key in weak:
        owner, due, text = _SUPPORT[key]
        name = dimension_names.get(key, key)
        score = round(dimension_scores[key])
        why = f"{name} is among this hire's weaker fit dimensions ({score}/100)."
        tasks.append(_task(owner, due, text.format(stage=stage_label), why))
    for code in dict.fromkeys(risk_codes):
        if code in _RISK_SUPPORT:
            owner, due, text = _RISK_SUPPORT[code]
            tasks.append(_task(owner, due, text, f"An open risk indicator at hire: {code}."))
    tasks.sort(key=lambda t: (t["due_day"], OWNERS.index(t["owner"])))
    return {
        "role": role_title,
        "tasks": tasks,
        "goals": {day: outcomes[day] for day in ("30", "90", "365") if outcomes.get(day)},
        "focus": [dimension_names.get(k, k) for k in weak],
        "checkpoints": list(CHECKPOINT_DAYS),
    }


def _task(owner: str, due_day: int, title: str, why: str) -> dict[str, Any]:
    return {"title": title, "owner": owner, "due_day": due_day, "why": why, "done": False}
