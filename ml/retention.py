"""Retention risk: who may leave within a horizon, why, and what to do about it.

Pure: plain dicts, DataFrames and scikit-learn in and out. The pieces:

- :func:`team_pulse`: a team's culture-pulse aggregates over a window before a date, shown
  only when :func:`ml.anonymity.shown_groups` shows the team (else the company's, else
  nothing). Answers carry no person: nothing per person ever enters a feature.
- :func:`snapshot_frame`: one row per employee employed on each snapshot date, with the
  features in :data:`FEATURES` as of that date and the label (left within the horizon
  after it; missing while that horizon is not over).
- :class:`RetentionModel`: logistic regression on the features, Platt-calibrated on the
  latest part of its training snapshots; :meth:`RetentionModel.drivers` gives exact SHAP
  values of the (linear) log-odds summed per category, which add up to the score.
- :func:`time_validation`: fit on earlier snapshot months, measure on later ones.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline

from ml import artifacts
from ml.anonymity import shown_groups
from ml.retention_backtest import build_pipeline, calibration_bins

HORIZON_DAYS = 180
PULSE_WINDOW_DAYS = 90
MIN_OWN_LEAVERS = 30  # distinct leavers with a complete horizon before a company's own model
COMPANY = "__company__"  # the company-wide group in the pulse aggregates

# Feature -> driver category. None of them is a protected attribute or a proxy for one.
FEATURES: dict[str, str] = {
    "tenure_years": "Tenure",
    "first_year": "Tenure",
    "level": "Role & level",
    "department": "Role & level",
    "pay_position": "Pay",
    "onboarding_alignment": "Onboarding",
    "years_since_change": "Career movement",
    "team_alignment": "Team pulse",
    "team_enps": "Team pulse",
    "team_manager": "Team pulse",
}
CATEGORICAL = ("department",)
NUMERIC = tuple(f for f in FEATURES if f not in CATEGORICAL)
CATEGORIES = tuple(dict.fromkeys(FEATURES.values()))
PULSE_FEATURES = ("team_alignment", "team_enps", "team_manager")

# What a manager can do when a category raises the risk (plain sentences, shown as text).
ACTIONS: dict[str, str] = {
    "Tenure": "Hold a stay conversation: what keeps them here, what would make them leave.",
    "Role & level": "Review their scope and level against the role; discuss a growth path.",
    "Pay": "Review their pay against the role's band before the next cycle.",
    "Onboarding": "Book a check-in with their manager about the 30/60/90-day goals.",
    "Career movement": "Discuss their next step: a new scope, a promotion case or a project.",
    "Team pulse": "Look at the team's pulse results with its lead and agree on one change.",
}
BANDS = ((0.3, "High"), (0.15, "Medium"), (0.0, "Low"))


def risk_band(probability: float) -> str:
    """High, Medium or Low for a probability of leaving within the horizon."""
    return next(label for floor, label in BANDS if probability >= floor)


# --------------------------------------------------------------------------- pay bands


def band_for(
    person: Mapping[str, Any], roles: Sequence[Mapping[str, Any]]
) -> tuple[float, float] | None:
    """The pay band (min, max) that applies to ``person``: their hire's role, else a role
    with their title, else one in their department at their level, else any at their level.

    ``person``: ``role_id``, ``title``, ``department``, ``level``; ``roles``: ``id``,
    ``title``, ``department``, ``level``, ``min``, ``max``.
    """
    usable = [r for r in roles if r.get("min") and r.get("max") and r["max"] >= r["min"]]
    tests = (
        lambda r: person.get("role_id") is not None and r.get("id") == person.get("role_id"),
        lambda r: bool(person.get("title")) and r.get("title") == person.get("title"),
        lambda r: (
            r.get("department") == person.get("department")
            and r.get("level") == person.get("level")
        ),
        lambda r: person.get("level") is not None and r.get("level") == person.get("level"),
    )
    for test in tests:
        hits = [r for r in usable if test(r)]
        if hits:
            return float(np.mean([r["min"] for r in hits])), float(
                np.mean([r["max"] for r in hits])
            )
    return None


def pay_position(salary: float | None, band: tuple[float, float] | None) -> float | None:
    """Where the salary sits in the band: 0 at its minimum, 1 at its maximum."""
    if salary is None or band is None:
        return None
    low, high = band
    return (float(salary) - low) / max(high - low, 1.0)


# --------------------------------------------------------------------------- team pulse


def team_pulse(
    answers: Sequence[Mapping[str, Any]],
    on: date,
    min_group: int,
    window_days: int = PULSE_WINDOW_DAYS,
) -> dict[str, dict[str, float]]:
    """The pulse aggregates that may be used on ``on``: team name -> figures, plus
    :data:`COMPANY`.

    Only answers of rounds opened in the window before ``on`` and closed by then count,
    and of each round only the groups :func:`shown_groups` shows within that round (the
    company as a whole and each team): exactly the groups the Culture pulse page shows. A
    window's figure is then a union of figures shown there, so subtracting it from them
    reveals no group that is withheld.

    ``answers``: ``id``, ``team`` (or None), ``on`` (the round's opening date), ``round``
    and ``closes`` (its id and closing date; without them an answer is its own round's),
    ``alignment`` (0-100), ``enps`` (0-10) and ``manager`` (1-5), each possibly None.
    No person.
    """
    start = on - timedelta(days=window_days)
    window = [a for a in answers if start < a["on"] <= on and a.get("closes", a["on"]) <= on]
    rounds: dict[Any, list[Mapping[str, Any]]] = {}
    for answer in window:
        rounds.setdefault(answer.get("round", answer["on"]), []).append(answer)
    usable: dict[str, set[Hashable]] = {}
    for members in rounds.values():
        groups: dict[str, frozenset[Hashable]] = {COMPANY: frozenset(a["id"] for a in members)}
        for team in {a["team"] for a in members if a.get("team")}:
            groups[f"team:{team}"] = frozenset(a["id"] for a in members if a.get("team") == team)
        for name in shown_groups(groups, min_group):
            usable.setdefault(name, set()).update(groups[name])
    out: dict[str, dict[str, float]] = {}
    for name, ids in usable.items():
        members = [a for a in window if a["id"] in ids]
        figures = {}
        for feature, key in zip(PULSE_FEATURES, ("alignment", "enps", "manager"), strict=True):
            values = [float(a[key]) for a in members if a.get(key) is not None]
            if values:
                figures[feature] = float(np.mean(values))
        out[name.removeprefix("team:")] = figures
    return out


def pulse_features(aggregates: Mapping[str, Mapping[str, float]], team: str | None) -> dict:
    """The team's shown figures, else the company's, else missing values."""
    chosen = aggregates.get(team or "") if team and team != COMPANY else None
    if chosen is None:
        chosen = aggregates.get(COMPANY, {})
    return {f: chosen.get(f) for f in PULSE_FEATURES}


# --------------------------------------------------------------------------- snapshots


def _years(days: int) -> float:
    return days / 365.25


def feature_row(person: Mapping[str, Any], on: date, pulse: Mapping[str, Any]) -> dict:
    """The features of ``person`` on ``on``.

    ``person``: ``start_date``, ``department``, ``level``, ``salary``, ``band`` (min, max)
    or None, ``last_change_on``, ``checkpoints`` ((completed date, alignment 0-100), ...).
    Salary and level are the values recorded now (no pay history is kept); a change dated
    after ``on`` is not known on ``on``, so the time since change then counts from the start.
    """
    start: date = person["start_date"]
    tenure = _years((on - start).days)
    change = person.get("last_change_on")
    since = change if change is not None and start <= change <= on else start
    done = [(day, score) for day, score in person.get("checkpoints") or () if day <= on]
    return {
        "tenure_years": round(tenure, 4),
        "first_year": 1.0 if tenure < 1 else 0.0,
        "level": person.get("level"),
        "department": person.get("department") or "Unknown",
        "pay_position": pay_position(person.get("salary"), person.get("band")),
        "onboarding_alignment": float(max(done)[1]) if done else None,
        "years_since_change": round(_years((on - since).days), 4),
        **{f: pulse.get(f) for f in PULSE_FEATURES},
    }


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last`` (inclusive)."""
    out, cursor = [], first.replace(day=1)
    while cursor <= last:
        out.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return out


def snapshot_frame(
    people: Iterable[Mapping[str, Any]],
    answers: Sequence[Mapping[str, Any]],
    dates: Sequence[date],
    as_of: date,
    *,
    min_group: int,
    horizon_days: int = HORIZON_DAYS,
) -> pd.DataFrame:
    """One row per (person employed on the date, snapshot date): ``key``, ``snapshot``,
    ``label`` (1 left within the horizon, 0 stayed, NaN while the horizon is not over by
    ``as_of``) and the features. ``people`` also carry ``key`` and ``end_date``."""
    people = list(people)
    rows = []
    for on in dates:
        aggregates = team_pulse(answers, on, min_group)
        horizon_end = on + timedelta(days=horizon_days)
        for person in people:
            start, end = person.get("start_date"), person.get("end_date")
            if start is None or start > on or (end is not None and end <= on):
                continue
            # Only a complete horizon gives a label: taking the leaves already seen in an
            # open one would label the latest months with leavers only.
            if horizon_end > as_of:
                label = math.nan
            else:
                label = 1.0 if end is not None and end <= horizon_end else 0.0
            pulse = pulse_features(aggregates, person.get("department"))
            rows.append(
                {
                    "key": person["key"],
                    "snapshot": on,
                    "label": label,
                    **feature_row(person, on, pulse),
                }
            )
    columns = ["key", "snapshot", "label", *FEATURES]
    return pd.DataFrame(rows, columns=columns)


def complete(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows whose horizon is over (their label is known)."""
    return frame[frame["label"].notna()]


def leavers(frame: pd.DataFrame) -> int:
    """Distinct people who left within a complete horizon of some snapshot."""
    done = complete(frame)
    return int(done.loc[done["label"] == 1, "key"].nunique())


# --------------------------------------------------------------------------- the model


def _category_of(column: str) -> str:
    """The driver category of a transformed column (``num__x``, ``cat__department_y``)."""
    name = column.split("__", 1)[-1].removeprefix("missingindicator_")
    if name in FEATURES:
        return FEATURES[name]
    for feature in CATEGORICAL:
        if name.startswith(f"{feature}_"):
            return FEATURES[feature]
    raise KeyError(column)


@contextmanager
def _quiet() -> Iterator[None]:
    """A feature never observed in the fitting months (no pulse yet) is left out: say nothing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipping features without any observed")
        yield


class RetentionModel:
    """Logistic regression on :data:`FEATURES`, Platt-calibrated on later snapshots."""

    def __init__(
        self, C: float = 0.5, calibration_share: float = 0.25, random_state: int = 0
    ) -> None:
        self.C = C
        self.calibration_share = calibration_share
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Sequence[float], when: Sequence[date]) -> RetentionModel:
        """Fit on the earlier snapshots, calibrate on the latest ``calibration_share``."""
        y = np.asarray(y, dtype=int)
        when = pd.to_datetime(pd.Series(list(when))).to_numpy()
        months = np.unique(when)
        if len(np.unique(y)) < 2:
            raise ValueError("Both leavers and stayers are needed to fit.")
        cut = (
            months[max(1, int(len(months) * (1 - self.calibration_share)))]
            if len(months) > 1
            else months[-1]
        )
        base = when < cut
        late = ~base
        if len(np.unique(y[base])) < 2 or len(np.unique(y[late])) < 2:
            base = late = np.ones(len(y), dtype=bool)
        self.pipeline_: Pipeline = build_pipeline(
            list(NUMERIC), list(CATEGORICAL), "logistic", self.random_state
        )
        self.pipeline_.set_params(model__C=self.C)
        with _quiet():
            self.pipeline_.fit(X.loc[base, list(FEATURES)], y[base])
        margin = self.decision_function(X.loc[late])
        self.calibrator_ = LogisticRegression(C=1e6).fit(margin.reshape(-1, 1), y[late])
        with _quiet():
            transformed = self.pipeline_["prep"].transform(X.loc[base, list(FEATURES)])
        self.background_ = np.asarray(transformed, dtype=float).mean(axis=0)
        names = self.pipeline_["prep"].get_feature_names_out()
        self.columns_ = [str(n) for n in names]
        self.column_categories_ = [_category_of(n) for n in self.columns_]
        self.n_fit_ = int(base.sum())
        self.n_calibration_ = int(late.sum())
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """The uncalibrated log-odds."""
        with _quiet():
            return np.asarray(self.pipeline_.decision_function(X[list(FEATURES)]), dtype=float)

    @property
    def _platt(self) -> tuple[float, float]:
        return float(self.calibrator_.coef_[0][0]), float(self.calibrator_.intercept_[0])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        slope, intercept = self._platt
        p = expit(slope * self.decision_function(X) + intercept)
        return np.column_stack([1 - p, p])

    def base_logit(self) -> float:
        """The calibrated log-odds of the average training snapshot (SHAP base value)."""
        slope, intercept = self._platt
        coef = self.pipeline_["model"]
        return slope * float(coef.intercept_[0] + coef.coef_[0] @ self.background_) + intercept

    def drivers(self, X: pd.DataFrame) -> pd.DataFrame:
        """SHAP values of the calibrated log-odds, summed per category (one column each).

        For a linear model with the training mean as background these are exact:
        coefficient x (value - mean) per transformed column, times the Platt slope; with
        :meth:`base_logit` they add up to each row's calibrated log-odds.
        """
        slope, _ = self._platt
        with _quiet():
            transformed = np.asarray(self.pipeline_["prep"].transform(X[list(FEATURES)]), float)
        phi = slope * self.pipeline_["model"].coef_[0] * (transformed - self.background_)
        out = pd.DataFrame(0.0, index=X.index, columns=list(CATEGORIES))
        for j, category in enumerate(self.column_categories_):
            out[category] += phi[:, j]
        return out


def top_drivers(contributions: Mapping[str, float], n: int = 3) -> list[dict[str, Any]]:
    """The categories that raise the risk most (positive log-odds), with an action each."""
    rising = sorted(((c, v) for c, v in contributions.items() if v > 0.01), key=lambda cv: -cv[1])
    return [
        {"category": c, "log_odds": round(float(v), 4), "action": ACTIONS[c]} for c, v in rising[:n]
    ]


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    test: pd.DataFrame


def time_split(
    frame: pd.DataFrame, test_share: float = 0.3, horizon_days: int = HORIZON_DAYS
) -> Split:
    """Latest ``test_share`` of the (complete) snapshot months to test; training keeps only
    snapshots whose own horizon ended by the first test month, so no training label comes
    from the test period."""
    done = complete(frame)
    months = sorted(done["snapshot"].unique())
    if len(months) < 2:
        raise ValueError("Time-based validation needs at least two snapshot months.")
    first_test = months[min(len(months) - 1, max(1, int(round(len(months) * (1 - test_share)))))]
    train_until = first_test - timedelta(days=horizon_days)
    train = done[done["snapshot"] <= train_until]
    test = done[done["snapshot"] >= first_test]
    return Split(train, test)


def _counts(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "rows": int(len(frame)),
        "leaving_rows": int(frame["label"].sum()) if len(frame) else 0,
        "people": int(frame["key"].nunique()) if len(frame) else 0,
        "leavers": leavers(frame) if len(frame) else 0,
        "from": str(min(frame["snapshot"])) if len(frame) else None,
        "to": str(max(frame["snapshot"])) if len(frame) else None,
    }


def measure(model: RetentionModel, frame: pd.DataFrame) -> dict[str, Any]:
    """AUC, Brier score and calibration bins of ``model`` on the complete rows of ``frame``."""
    done = complete(frame)
    result: dict[str, Any] = {"auc": None, "brier": None, "base_rate": None, **_counts(done)}
    if len(done) == 0:
        return result
    y = done["label"].to_numpy(dtype=int)
    p = model.predict_proba(done)[:, 1]
    result["base_rate"] = round(float(y.mean()), 4)
    result["brier"] = round(float(brier_score_loss(y, p)), 4)
    result["mean_predicted"] = round(float(p.mean()), 4)
    if len(np.unique(y)) == 2:
        result["auc"] = round(float(roc_auc_score(y, p)), 4)
    result["calibration"] = [b for b in calibration_bins(y, p, bins=10) if b["count"]]
    return result


def fit(frame: pd.DataFrame, random_state: int = 0) -> RetentionModel:
    """A model fitted on every complete row of ``frame``."""
    done = complete(frame)
    return RetentionModel(random_state=random_state).fit(
        done, done["label"].to_numpy(), done["snapshot"].tolist()
    )


def time_validation(
    frame: pd.DataFrame, test_share: float = 0.3, random_state: int = 0
) -> dict[str, Any]:
    """Fit on the earlier snapshot months, measure on the later ones, with the counts."""
    split = time_split(frame, test_share)
    if split.train.empty or split.train["label"].nunique() < 2:
        raise ValueError("Too little labelled history before the test months to fit a model.")
    model = fit(split.train, random_state)
    return {
        "method": "fit on earlier snapshot months, measured on later ones",
        "train": _counts(split.train),
        "test": measure(model, split.test),
    }


# --------------------------------------------------------------------------- artifacts


@dataclass
class TrainedRetention:
    """A fitted retention model with what it was trained on and how it measured."""

    model: RetentionModel
    version: str
    trained_on: str
    metrics: dict[str, Any]
    features: tuple[str, ...] = tuple(FEATURES)


def dump(trained: TrainedRetention, path: Path) -> None:
    """Write ``trained`` to ``path`` atomically."""
    artifacts.dump(trained, path)


def load(path: Path) -> TrainedRetention:
    """A model written by :func:`dump`."""
    return artifacts.load(path, TrainedRetention, "a PeopleOS retention model")


def train(frame: pd.DataFrame, version: str, trained_on: str, seed: int = 0) -> TrainedRetention:
    """Time-validate on ``frame``, then fit on all of its complete rows."""
    metrics = time_validation(frame, random_state=seed)
    metrics["leavers"] = leavers(frame)
    return TrainedRetention(fit(frame, seed), version, trained_on, metrics)
