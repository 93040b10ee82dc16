"""Backtest of a retention (leaving) classifier on a CSV export from any HR system.

Pure: pandas and scikit-learn only. ``backtest`` reads the file (plus optional files joined on
a key), types every column as numeric or categorical, drops the columns that encode the target
(the leakage guard: by name, by being an identifier, or by predicting the target almost
perfectly on their own), keeps every record of one person (the same ``id_column`` value, or the
same content in every non-identifier column of the main file) in one fold, and measures a
scikit-learn Pipeline by repeated stratified group K-fold cross-validation.

Bad input raises ``BacktestInputError`` (a ``ValueError``) with a one-line message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

LEAK_AUC = 0.98
"""A column whose values alone separate leavers from stayers better than this is dropped."""

_LEAK_TOKENS = frozenset(
    {
        "term",
        "termd",
        "terminated",
        "termination",
        "terminations",
        "separation",
        "separated",
        "exit",
        "exited",
        "resignation",
        "resigned",
        "leaver",
        "leaving",
        "left",
        "attrition",
        "churn",
        "churned",
        "quit",
        "offboarding",
        "departure",
        "active",
        "inactive",
    }
)
_STATUS_OWNERS = frozenset({"emp", "employment", "employee", "worker", "staff", "hr", "job"})
_TRUE = frozenset({"1", "1.0", "yes", "y", "true", "t"})


class BacktestInputError(ValueError):
    """The file, a column or an option cannot be used; the message says why."""


@dataclass(frozen=True)
class BacktestOptions:
    target: str
    positive: str | None = None
    id_column: str | None = None
    time_column: str | None = None
    drop: tuple[str, ...] = ()
    joins: tuple[tuple[str, str], ...] = ()  # (file, key)
    folds: int = 5
    repeats: int = 3
    model: str = "logistic"  # or "boosting"
    seed: int = 0


def read_csv(path: str | Path) -> pd.DataFrame:
    """The file as a frame of strings (typing comes later), or a one-line error."""
    file = Path(path)
    if not file.is_file():
        raise BacktestInputError(f"No file at {file}.")
    head = file.read_bytes()[:4096]
    if b"\x00" in head:
        raise BacktestInputError(f"{file} is not a CSV file (it holds binary data).")
    try:
        frame = pd.read_csv(
            file, encoding="utf-8-sig", dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BacktestInputError(f"{file} is not a readable CSV file ({reason}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[1] < 2 or frame.empty:
        raise BacktestInputError(
            f"{file} is not a CSV table with a header and rows (found {frame.shape[1]} column(s)"
            f" and {len(frame)} row(s))."
        )
    return frame.apply(lambda s: s.str.strip()).replace({"": np.nan, "NA": np.nan, "N/A": np.nan})


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


def _leaky_name(name: str) -> str | None:
    tokens = _tokens(name)
    joined = "".join(tokens)
    hits = [t for t in tokens if t in _LEAK_TOKENS]
    if hits or "termination" in joined or "terminated" in joined:
        return f"name suggests it records the leaving itself ({', '.join(hits) or 'termination'})"
    if "status" in tokens and (len(tokens) == 1 or _STATUS_OWNERS & set(tokens)):
        return "name suggests an employment status, which is known only after the outcome"
    if ("end" in tokens or "last" in tokens) and ("date" in tokens or "day" in tokens):
        if not {"review", "performance", "promotion", "training"} & set(tokens):
            return "name suggests an end or last-day date"
    return None


def _numeric(series: pd.Series) -> pd.Series | None:
    """The column as numbers when (almost) every present value is a number."""
    present = series.dropna()
    if present.empty:
        return None
    values = pd.to_numeric(present.str.replace(",", "", regex=False), errors="coerce")
    if values.notna().mean() < 0.98:
        return None
    return pd.to_numeric(series.str.replace(",", "", regex=False), errors="coerce")


def _dates(series: pd.Series) -> pd.Series | None:
    """The column as years (float) when (almost) every present value is a date."""
    present = series.dropna()
    if present.empty or not present.str.contains(r"\d[/\-.]\d", regex=True).all():
        return None
    parsed = pd.to_datetime(series, errors="coerce", format="mixed")
    if parsed[series.notna()].notna().mean() < 0.98:
        return None
    return parsed.dt.year + (parsed.dt.day_of_year - 1) / 365.25


def _single_column_auc(values: pd.Series, y: np.ndarray, numeric: bool, seed: int) -> float:
    """How well this column alone ranks leavers: numeric by value (either direction) and by
    missingness, categorical by out-of-fold target rate of its category."""
    scores: list[float] = []
    missing = values.isna().to_numpy()
    if 0 < missing.sum() < len(values):
        auc = roc_auc_score(y, missing.astype(float))
        scores.append(max(auc, 1 - auc))
    if numeric:
        filled = values.astype(float).fillna(values.astype(float).median()).to_numpy()
        if np.nanstd(filled) > 0:
            auc = roc_auc_score(y, filled)
            scores.append(max(auc, 1 - auc))
    else:
        codes = values.fillna("<missing>").astype(str).to_numpy()
        oof = np.full(len(codes), y.mean())
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(codes, y):
            rates = pd.Series(y[train]).groupby(codes[train]).agg(["sum", "count"])
            smoothed = (rates["sum"] + y[train].mean()) / (rates["count"] + 1)
            oof[test] = pd.Series(codes[test]).map(smoothed).fillna(y[train].mean()).to_numpy()
        if np.std(oof) > 0:
            auc = roc_auc_score(y, oof)
            scores.append(max(auc, 1 - auc))
    return max(scores, default=0.5)


def _target(series: pd.Series, name: str, positive: str | None) -> np.ndarray:
    present = series.dropna()
    values = sorted(set(present))
    if len(values) < 2:
        raise BacktestInputError(
            f"The target column '{name}' has only one value ({values[0] if values else 'none'}):"
            " a model needs both leavers and stayers."
        )
    if positive is None:
        truthy = [v for v in values if v.lower() in _TRUE]
        if len(truthy) != 1:
            raise BacktestInputError(
                f"Cannot tell which value of '{name}' means leaving ({', '.join(values[:6])}):"
                " pass --positive VALUE."
            )
        positive = truthy[0]
    match = [v for v in values if v == positive.strip()]
    if not match:
        as_number = pd.to_numeric(pd.Series([positive]), errors="coerce").iloc[0]
        match = [
            v for v in values if pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0] == as_number
        ]
    if not match:
        raise BacktestInputError(
            f"--positive '{positive}' does not occur in '{name}' (values: {', '.join(values[:6])})."
        )
    y = present.isin(match).astype(int).to_numpy()
    if y.sum() < 2 or (1 - y).sum() < 2:
        raise BacktestInputError(
            f"The target '{name}' needs at least two rows of each class (found {int(y.sum())}"
            f" with '{positive}' and {int((1 - y).sum())} without)."
        )
    return y


def _join(frame: pd.DataFrame, csv: Path, joins: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    for file, key in joins:
        path = Path(file)
        if not path.is_file() and (csv.parent / file).is_file():
            path = csv.parent / file
        other = read_csv(path)
        for columns, label in ((frame.columns, csv.name), (other.columns, path.name)):
            if key not in columns:
                raise BacktestInputError(f"No column '{key}' in {label} to join on.")
        if other[key].duplicated().any():
            raise BacktestInputError(f"{path.name} has more than one row per '{key}'; cannot join.")
        clash = [c for c in other.columns if c != key and c in frame.columns]
        other = other.rename(columns={c: f"{c}_{path.stem}" for c in clash})
        frame = frame.merge(other, on=key, how="left")
    return frame


def person_groups(frame: pd.DataFrame, id_column: str | None, ignore: list[str]) -> np.ndarray:
    """One group label per row: rows sharing an id, or sharing every value of the columns not
    in ``ignore`` (case and spacing ignored), are one person and stay in one fold."""
    content = frame.drop(columns=[c for c in ignore if c in frame.columns])
    complete = [c for c in content if content[c].notna().all()]
    if len(complete) >= 3:  # a value missing in one copy of a record does not split it off
        content = content[complete]
    if content.shape[1]:
        normal = content.apply(
            lambda s: s.fillna("").astype(str).str.lower().str.replace(r"\s+", " ", regex=True)
        )
        keys = pd.Series(pd.util.hash_pandas_object(normal, index=False).to_numpy())
    else:
        keys = pd.Series(np.arange(len(frame)).astype(str), index=frame.index)
    labels = [pd.factorize(keys)[0]]
    if id_column is not None:
        labels.append(pd.factorize(frame[id_column].fillna("<missing>"))[0])
    n = len(frame)
    rows, cols, offset = [], [], n
    for codes in labels:
        rows.append(np.arange(n))
        cols.append(codes + offset)
        offset += int(codes.max()) + 1
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(offset, offset))
    _, component = connected_components(graph, directed=False)
    return component[:n]


def build_pipeline(numeric: list[str], categorical: list[str], model: str, seed: int) -> Pipeline:
    """Impute, scale or one-hot encode, then a logistic or gradient-boosting classifier."""
    prep = ColumnTransformer(
        [
            (
                "num",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            ),
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="constant", fill_value="<missing>")),
                        (
                            "onehot",
                            OneHotEncoder(
                                handle_unknown="infrequent_if_exist",
                                min_frequency=5,
                                sparse_output=False,
                            ),
                        ),
                    ]
                ),
                categorical,
            ),
        ]
    )
    if model == "boosting":
        clf: Any = HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=seed
        )
    elif model == "logistic":
        clf = LogisticRegression(C=0.5, max_iter=5000)
    else:
        raise BacktestInputError(f"Unknown model '{model}' (logistic or boosting).")
    return Pipeline([("prep", prep), ("model", clf)])


def calibration_bins(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        out.append(
            {
                "lower": round(float(edges[b]), 2),
                "upper": round(float(edges[b + 1]), 2),
                "count": count,
                "mean_predicted": round(float(p[mask].mean()), 4) if count else None,
                "observed_rate": round(float(y[mask].mean()), 4) if count else None,
            }
        )
    return out


def backtest(csv: str | Path, options: BacktestOptions) -> dict[str, Any]:
    """Cross-validated AUC, Brier score and calibration of the pipeline on this export."""
    path = Path(csv)
    main = read_csv(path)
    main_columns = list(main.columns)
    frame = _join(main, path, options.joins)
    named = [options.target, *options.drop]
    for extra in (options.id_column, options.time_column):
        if extra:
            named.append(extra)
    missing = [c for c in named if c not in frame.columns]
    if missing:
        raise BacktestInputError(
            f"No column {', '.join(repr(c) for c in missing)} in {path.name}"
            f" (columns: {', '.join(frame.columns[:12])}{', ...' if frame.shape[1] > 12 else ''})."
        )
    if options.folds < 2 or options.repeats < 1:
        raise BacktestInputError("--folds must be at least 2 and --repeats at least 1.")
    frame = frame[frame[options.target].notna()].reset_index(drop=True)
    y = _target(frame[options.target], options.target, options.positive)

    dropped: dict[str, str] = {options.target: "the target"}
    for column in options.drop:
        dropped[column] = "dropped on request (--drop)"
    join_keys = {key for _, key in options.joins}
    if options.id_column:
        dropped[options.id_column] = "person identifier (--id-column), used only to group folds"
    if options.time_column:
        dropped[options.time_column] = "time column (--time-column), used only for the time split"

    features: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    for column in frame.columns:
        if column in dropped:
            continue
        raw = frame[column]
        reason = _leaky_name(column)
        if reason:
            dropped[column] = f"leakage: {reason}"
            continue
        present = raw.dropna()
        if present.empty or present.nunique() < 2:
            dropped[column] = "constant or empty"
            continue
        if column in join_keys:
            dropped[column] = "join key (an identifier)"
            continue
        number = _numeric(raw)
        date = None if number is not None else _dates(raw)
        if number is None and date is None and present.nunique() > 0.9 * len(present):
            dropped[column] = "identifier-like: a different text on (almost) every row"
            continue
        if number is not None and present.nunique() == len(frame):
            ints = number.dropna()
            id_name = _tokens(column)[-1:] in (["id"], ["number"], ["no"], ["code"], ["key"])
            if (ints == ints.round()).all() and (id_name or column.lower().endswith("id")):
                dropped[column] = "identifier-like: a distinct integer id on every row"
                continue
        values, kind = (
            (number, "numeric")
            if number is not None
            else (date, "date")
            if date is not None
            else (raw, "categorical")
        )
        auc = _single_column_auc(values, y, kind != "categorical", options.seed)
        if auc > LEAK_AUC:
            dropped[column] = (
                f"leakage: predicts the target on its own (single-column AUC {auc:.3f})"
            )
            continue
        features[column] = values
        kinds[column] = kind
    if not features:
        raise BacktestInputError("No usable feature column is left after the leakage guard.")

    X = pd.DataFrame(features)
    numeric = [c for c in X if kinds[c] != "categorical"]
    categorical = [c for c in X if kinds[c] == "categorical"]
    for column in categorical:
        X[column] = X[column].astype(object)

    ignore = [c for c in main_columns if c in dropped or c not in features]
    groups = person_groups(frame[main_columns], options.id_column, ignore)
    n_groups = len(np.unique(groups))
    for cls in (0, 1):
        if len(np.unique(groups[y == cls])) < options.folds:
            raise BacktestInputError(
                f"Too few distinct people of one class for {options.folds} folds"
                f" ({len(np.unique(groups[y == cls]))}); pass fewer --folds."
            )

    aucs: list[float] = []
    sums = np.zeros(len(y))
    for repeat in range(options.repeats):
        split = StratifiedGroupKFold(
            options.folds, shuffle=True, random_state=options.seed + repeat
        )
        oof = np.zeros(len(y))
        for train, test in split.split(X, y, groups):
            if len(np.unique(y[test])) < 2 or len(np.unique(y[train])) < 2:
                continue
            pipe = build_pipeline(numeric, categorical, options.model, options.seed + repeat)
            pipe.fit(X.iloc[train], y[train])
            oof[test] = pipe.predict_proba(X.iloc[test])[:, 1]
            aucs.append(float(roc_auc_score(y[test], oof[test])))
        sums += oof
    pooled = sums / options.repeats

    result: dict[str, Any] = {
        "csv": path.name,
        "joined": [Path(f).name for f, _ in options.joins],
        "target": options.target,
        "model": options.model,
        "cv": {
            "method": "stratified group k-fold (one person's records in one fold)",
            "folds": options.folds,
            "repeats": options.repeats,
        },
        "auc": {
            "mean": round(float(np.mean(aucs)), 4),
            "std": round(float(np.std(aucs, ddof=1)) if len(aucs) > 1 else 0.0, 4),
            "min": round(float(np.min(aucs)), 4),
            "max": round(float(np.max(aucs)), 4),
            "fold_count": len(aucs),
        },
        "brier": round(float(brier_score_loss(y, pooled)), 4),
        "base_rate": round(float(y.mean()), 4),
        "calibration": calibration_bins(y, pooled),
        "rows": int(len(y)),
        "positives": int(y.sum()),
        "groups": int(n_groups),
        "features": {c: kinds[c] for c in X},
        "dropped": {c: r for c, r in dropped.items() if c != options.target},
    }
    if options.time_column:
        result["time_split"] = _time_split(frame, X, y, options, numeric, categorical)
    return result


def _time_split(
    frame: pd.DataFrame,
    X: pd.DataFrame,
    y: np.ndarray,
    options: BacktestOptions,
    numeric: list[str],
    categorical: list[str],
) -> dict[str, Any]:
    """Fit on the earliest 80 % of rows by ``time_column``, measure on the latest 20 %."""
    raw = frame[options.time_column]
    when = _numeric(raw)
    if when is None:
        when = _dates(raw)
    if when is None:
        raise BacktestInputError(
            f"--time-column '{options.time_column}' holds neither dates nor numbers."
        )
    order = np.argsort(when.fillna(when.min()).to_numpy(), kind="stable")
    cut = int(len(order) * 0.8)
    train, test = order[:cut], order[cut:]
    if len(np.unique(y[test])) < 2 or len(np.unique(y[train])) < 2:
        return {"auc": None, "note": "the later rows hold one class only"}
    pipe = build_pipeline(numeric, categorical, options.model, options.seed)
    pipe.fit(X.iloc[train], y[train])
    p = pipe.predict_proba(X.iloc[test])[:, 1]
    return {
        "auc": round(float(roc_auc_score(y[test], p)), 4),
        "train_rows": len(train),
        "test_rows": len(test),
    }
