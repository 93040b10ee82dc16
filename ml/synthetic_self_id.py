"""Voluntary self-identification answers for the demo world's candidates.

Most demo applicants answer (some decline a question, some skip the form). The answers are
drawn *after* the pipeline, from the stage each candidate reached, so the Fairness page has
real, mixed figures to show: women and Black candidates are a little less likely among
those who went far, which the audit should find at the later stages (and, through the
candidates' scores, possibly in the fit score). The draw never feeds back into features,
scores or the pipeline: the generator's ground truth holds no protected attribute.

A separate random stream (seeded from the world's seed) keeps every other demo table
exactly as it was without these answers.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

import numpy as np

from ml.self_id import SELF_ID_QUESTIONS

ANSWER_SHARE = 0.8  # applicants who fill in the form at all
GENDERS = SELF_ID_QUESTIONS["gender"]
GENDER_SHARES = (0.42, 0.49, 0.03, 0.01, 0.05)
ETHNICITIES = SELF_ID_QUESTIONS["ethnicity"]
ETHNICITY_SHARES = (0.2, 0.13, 0.14, 0.04, 0.35, 0.06, 0.01, 0.07)
# Odds multiplier per pipeline stage reached (0 = applied ... 4 = hired).
WOMAN_ODDS_PER_STAGE = 0.72
BLACK_ODDS_PER_STAGE = 0.7


class _World(Protocol):
    seed: int
    candidates: list[dict[str, Any]]
    self_id: list[dict[str, Any]]


def _draw(
    rng: np.random.Generator,
    options: tuple[str, ...],
    shares: tuple[float, ...],
    tilted: str,
    odds: float,
) -> str:
    weights = np.array(shares, dtype=float)
    weights[options.index(tilted)] *= odds
    return str(rng.choice(options, p=weights / weights.sum()))


def add_self_identification(world: _World) -> None:
    """Set ``world.self_id``: one answers row per candidate who filled in the form."""
    rng = np.random.default_rng([world.seed, 2615])
    rows: list[dict[str, Any]] = []
    for cand in world.candidates:
        reached = int(cand.get("_reached", 0))
        if rng.random() >= ANSWER_SHARE:
            continue
        rows.append(
            {
                "id": uuid.uuid5(cand["id"], "self-id"),
                "company_id": cand["company_id"],
                "candidate_id": cand["id"],
                "answers": {
                    "gender": _draw(
                        rng, GENDERS, GENDER_SHARES, "Woman", WOMAN_ODDS_PER_STAGE**reached
                    ),
                    "ethnicity": _draw(
                        rng, ETHNICITIES, ETHNICITY_SHARES, "Black", BLACK_ODDS_PER_STAGE**reached
                    ),
                },
                "created_at": cand["created_at"],
            }
        )
    world.self_id.extend(rows)  # the World is frozen; its lists are not
