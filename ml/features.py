"""The raw signals read from a candidate: one home for the list, used everywhere.

:func:`ml.fit.extract_signals` reads these from a real resume, role and company DNA;
:mod:`ml.synthetic` draws the same quantities for its hiring history; the models learn
from features built on them (:func:`ml.fit.dimension_frame`). Live scoring takes the list
from here, never from the synthetic generator. None of them is a protected attribute or a
proxy for one (``tests/test_fit.py`` checks the names).
"""

from __future__ import annotations

SIGNALS: tuple[str, ...] = (
    "skills_match",
    "years_experience",
    "relevant_years",
    "stage_experience",
    "culture_alignment",
    "velocity_signal",
    "builder_signal",
    "avg_tenure_years",
    "short_tenures",
    "employment_gap_months",
    "seniority_gap",
    "company_stage_index",
)
