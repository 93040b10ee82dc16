"""Adverse-impact measures: selection rates, impact ratios and the four-fifths rule.

Pure: frames and arrays in, dataclasses out. Rates per group come from fairlearn's
``MetricFrame`` (``count`` and ``selection_rate``), never from hand-written tallies.

- A group's **impact ratio** is its selection rate divided by the highest rate among the
  groups large enough to judge. A ratio below 0.8 is flagged (the four-fifths rule).
- A group holding under 2 % of the rows analysed is **too small to judge**: its rate is
  shown, it is never the reference and never flagged.
- Groups come only from voluntary self-identification; an answer of "Prefer not to say"
  (or none) leaves the person out of that attribute's analysis.

The same functions serve the Fairness page, the decisions-file audit of the CLI, the model
card's proxy check and the promotion guard of a challenger model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count, selection_rate
from sklearn.metrics import roc_auc_score

FOUR_FIFTHS = 0.8
MIN_SHARE = 0.02  # a group under this share of the rows is too small to judge
PROXY_AUC_FLAG = 0.65  # one feature alone telling a group apart this well is flagged
PROXY_MIN_MEMBERS = 10  # fewer members (or non-members) than this: no AUC is computed
# The promotion guard judges only groups of at least this many measured candidates: below
# it a ratio moves more by chance than by the model (a group of 5 moves 0.2 per person).
PROMOTION_MIN_GROUP = 30

FLAG_BELOW = "below_four_fifths"
FLAG_OK = "ok"
FLAG_TOO_SMALL = "too_small_to_judge"

# Self-identification question -> the attribute it is audited as.
ATTRIBUTES: dict[str, str] = {"gender": "Gender", "ethnicity": "Race/ethnicity"}
INTERSECTION = "Gender × race/ethnicity"
NOT_DISCLOSED = frozenset({"", "Prefer not to say"})
# The pipeline in order; a stage's selection is reaching it from the one before.
STAGES: tuple[str, ...] = ("applied", "screening", "interview", "offer", "hired")


class FairnessInputError(ValueError):
    """The data cannot be audited (no rows, no positive outcome, unknown column, ...)."""


@dataclass(frozen=True)
class GroupRate:
    """One group's selection figures."""

    group: str
    n: int
    selected: int
    selection_rate: float
    impact_ratio: float | None  # None when no group large enough to judge selects anyone
    flag: str  # FLAG_BELOW, FLAG_OK or FLAG_TOO_SMALL

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["selection_rate"] = round(self.selection_rate, 6)
        row["impact_ratio"] = None if self.impact_ratio is None else round(self.impact_ratio, 6)
        return row


def _selected_count(y_true: np.ndarray, y_pred: np.ndarray) -> int:  # noqa: ARG001
    return int(np.sum(y_pred))


def impact_table(groups: pd.DataFrame, selected: Sequence[bool] | np.ndarray) -> list[GroupRate]:
    """Selection rate and impact ratio of each group of ``groups`` (several columns: their
    intersection), for the rows ``selected`` marks as chosen."""
    y = np.asarray(selected, dtype=int)
    if len(groups) == 0:
        raise FairnessInputError("There are no rows to audit.")
    if len(groups) != len(y):
        raise FairnessInputError("Groups and outcomes differ in length.")
    if y.sum() == 0:
        raise FairnessInputError("No row has a positive outcome: every selection rate is 0.")
    frame = MetricFrame(
        metrics={"n": count, "selected": _selected_count, "selection_rate": selection_rate},
        y_true=y,
        y_pred=y,
        sensitive_features=groups.astype(str),
    )
    by_group = frame.by_group.dropna(subset=["n"])  # empty intersections
    total = len(y)
    judged = by_group[by_group["n"] / total >= MIN_SHARE]
    reference = float(judged["selection_rate"].max()) if len(judged) else 0.0
    rows = []
    for key, values in by_group.iterrows():
        label = " × ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        n, rate = int(values["n"]), float(values["selection_rate"])
        ratio = rate / reference if reference > 0 else None
        if n / total < MIN_SHARE:
            flag = FLAG_TOO_SMALL
        elif ratio is not None and ratio < FOUR_FIFTHS:
            flag = FLAG_BELOW
        else:
            flag = FLAG_OK
        rows.append(GroupRate(label, n, int(values["selected"]), rate, ratio, flag))
    return rows


def positive_outcomes(values: pd.Series, positive: str | None) -> np.ndarray:
    """Which values of an outcome column mean selected: ``positive`` if given, else the
    usual spellings of yes (1, true, yes, y, hired, selected) when the column holds two kinds
    of value."""
    text = values.astype(str).str.strip()
    if positive is not None:
        return (text == positive.strip()).to_numpy()
    lowered = text.str.lower()
    yes = {"1", "1.0", "true", "yes", "y", "hired", "selected"}
    if lowered.nunique() > 2 or not lowered.isin(yes).any():
        raise FairnessInputError(
            f"Say which value of '{values.name}' means selected with --positive "
            f"(it holds: {', '.join(sorted(text.unique())[:8])})."
        )
    return lowered.isin(yes).to_numpy()


def audit_frame(
    data: pd.DataFrame,
    group_columns: Sequence[str],
    outcome_column: str,
    positive: str | None = None,
) -> list[GroupRate]:
    """The audit of a decisions table: one row per decision, groups in ``group_columns``."""
    missing = [c for c in (*group_columns, outcome_column) if c not in data.columns]
    if missing:
        raise FairnessInputError(
            f"Unknown column {', '.join(repr(c) for c in missing)}; the file has: "
            f"{', '.join(map(str, data.columns))}."
        )
    if not group_columns:
        raise FairnessInputError("Name at least one group column.")
    rows = data.dropna(subset=[*group_columns, outcome_column])
    if rows.empty:
        raise FairnessInputError("No row has both a group and an outcome.")
    selected = positive_outcomes(rows[outcome_column], positive)
    if not selected.any():
        shown = positive if positive is not None else "a positive value"
        raise FairnessInputError(
            f"No row of '{outcome_column}' is {shown!s}: there is no positive outcome to audit."
        )
    return impact_table(rows[list(group_columns)], selected)


def self_id_frame(answers: Iterable[Mapping[str, Any] | None]) -> pd.DataFrame:
    """One column per audited attribute (None where the person did not say)."""
    records = []
    for row in answers:
        row = row or {}
        record: dict[str, str | None] = {}
        for question, attribute in ATTRIBUTES.items():
            value = row.get(question)
            record[attribute] = None if value is None or value in NOT_DISCLOSED else str(value)
        records.append(record)
    return pd.DataFrame(records, columns=list(ATTRIBUTES.values()), dtype=object)


def attribute_tables(
    groups: pd.DataFrame, selected: np.ndarray, decided: np.ndarray | None = None
) -> dict[str, list[GroupRate] | str]:
    """Per attribute and for their intersection: the impact table, or why there is none.

    ``decided`` marks the rows whose decision is made (the others are left out).
    """
    mask = np.ones(len(groups), dtype=bool) if decided is None else np.asarray(decided)
    selected = np.asarray(selected, dtype=bool)
    out: dict[str, list[GroupRate] | str] = {}
    columns = list(ATTRIBUTES.values())
    for label, cols in [*((c, [c]) for c in columns), (INTERSECTION, columns)]:
        keep = mask & groups[cols].notna().all(axis=1).to_numpy()
        if not keep.any():
            out[label] = "Nobody with a decision here answered this question."
            continue
        try:
            out[label] = impact_table(groups.loc[keep, cols].reset_index(drop=True), selected[keep])
        except FairnessInputError as exc:
            out[label] = str(exc)
    return out


def furthest_stage(status: str, event_statuses: Iterable[str]) -> int:
    """Index in :data:`STAGES` of the furthest stage a candidate reached."""
    reached = [STAGES.index(s) for s in (status, *event_statuses) if s in STAGES]
    return max(reached, default=0)


def stage_decisions(
    furthest: Sequence[int], statuses: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each stage after "applied": (decided, selected) masks of reaching it from the
    stage before. Someone still waiting at the stage before is not decided yet."""
    far = np.asarray(furthest, dtype=int)
    rejected = np.asarray(statuses) == "rejected"
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for k in range(1, len(STAGES)):
        decided = (far >= k) | ((far == k - 1) & rejected)
        out[STAGES[k]] = (decided, far >= k)
    return out


def above_role_median(scores: Sequence[float], roles: Sequence[Any]) -> np.ndarray:
    """Whether each score is above the median score of its role (the scoring "selection")."""
    frame = pd.DataFrame({"score": np.asarray(scores, dtype=float), "role": list(roles)})
    median = frame.groupby("role", dropna=False)["score"].transform("median")
    return (frame["score"] > median).to_numpy()


@dataclass(frozen=True)
class ProxyResult:
    """How well one feature alone tells one self-identified group from everyone else."""

    feature: str
    attribute: str
    group: str
    auc: float | None  # max(AUC, 1 - AUC): direction does not matter; None when too few
    members: int
    flagged: bool


def proxy_check(
    features: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    threshold: float = PROXY_AUC_FLAG,
    min_members: int = PROXY_MIN_MEMBERS,
) -> list[ProxyResult]:
    """One-feature AUC of every feature against every group (one against the rest)."""
    results = []
    for attribute in groups.columns:
        answered = groups[attribute].notna().to_numpy()
        values = groups.loc[answered, attribute].astype(str)
        for group in sorted(values.unique()):
            member = (values == group).to_numpy()
            for feature in features.columns:
                x = features.loc[answered, feature].to_numpy(dtype=float)
                ok = ~np.isnan(x)
                m, x = member[ok], x[ok]
                if min(m.sum(), (~m).sum()) < min_members or np.ptp(x) == 0:
                    auc = None
                else:
                    raw = float(roc_auc_score(m, x))
                    auc = max(raw, 1 - raw)
                results.append(
                    ProxyResult(
                        feature,
                        attribute,
                        group,
                        auc,
                        int(m.sum()),
                        auc is not None and auc > threshold,
                    )
                )
    return results


def promotion_refusals(
    before: Mapping[str, list[GroupRate] | str],
    after: Mapping[str, list[GroupRate] | str],
    min_group: int = PROMOTION_MIN_GROUP,
) -> list[str]:
    """Why a new model must not be promoted: each group (of at least ``min_group`` and not
    too small to judge) whose impact ratio it would push below 0.8, or lower further when
    already below. Empty when none."""
    reasons = []
    for attribute, rows in after.items():
        if isinstance(rows, str):
            continue
        old_rows = before.get(attribute)
        old = (
            {} if isinstance(old_rows, str) or old_rows is None else {r.group: r for r in old_rows}
        )
        for row in rows:
            if row.flag == FLAG_TOO_SMALL or row.impact_ratio is None or row.n < min_group:
                continue
            previous = old.get(row.group)
            was = None if previous is None else previous.impact_ratio
            if row.impact_ratio < FOUR_FIFTHS and (was is None or row.impact_ratio < was - 1e-9):
                now = "not measured" if was is None else f"{was:.2f}"
                reasons.append(
                    f"{attribute} {row.group}: the fit score's impact ratio would be "
                    f"{row.impact_ratio:.2f} (now {now}), below 0.8"
                )
    return reasons


def score_impact(
    scores: Sequence[float], roles: Sequence[Any], groups: pd.DataFrame
) -> dict[str, list[GroupRate] | str]:
    """Impact tables of scoring above the role's median, per attribute and intersection."""
    return attribute_tables(groups, above_role_median(scores, roles))
