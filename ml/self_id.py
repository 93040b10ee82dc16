"""The voluntary self-identification form's questions and answers (one home: the careers
form, its validation and the demo generator read it). Only ever counted, never a feature."""

from __future__ import annotations

SELF_ID_QUESTIONS: dict[str, tuple[str, ...]] = {
    "gender": ("Woman", "Man", "Non-binary", "Prefer to self-describe", "Prefer not to say"),
    "ethnicity": (
        "Asian",
        "Black",
        "Hispanic or Latino",
        "Middle Eastern or North African",
        "White",
        "Two or more",
        "Another",
        "Prefer not to say",
    ),
    "disability": ("Yes", "No", "Prefer not to say"),
    "veteran": ("Yes", "No", "Prefer not to say"),
}
