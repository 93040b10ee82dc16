"""`retention backtest`: the leakage guard, honest AUCs on the shared HR data sets, folds that
keep one person's records together, and a clear message with exit code 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml import retention_backtest as rb
from tests.conftest import SHARED_DATA, require_shared
from tests.helpers import run_cli

HUEBNER = SHARED_DATA / "hr_dataset_v14_huebner_patalano.csv"
GENERAL = SHARED_DATA / "hr_casestudy_general_data.csv"
EMPLOYEE_SURVEY = SHARED_DATA / "hr_casestudy_employee_survey.csv"
MANAGER_SURVEY = SHARED_DATA / "hr_casestudy_manager_survey.csv"
URL = "sqlite://"


def _backtest(*args: str) -> dict:
    result = run_cli("retention", "backtest", *args, url=URL)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_huebner_leakage_columns_are_dropped_and_named_and_auc_is_honest() -> None:
    require_shared(HUEBNER)
    report = _backtest("--csv", str(HUEBNER), "--target", "Termd", "--positive", "1")
    for column in ("DateofTermination", "TermReason", "EmploymentStatus", "EmpStatusID"):
        assert column in report["dropped"], column
        assert report["dropped"][column].startswith("leakage"), report["dropped"][column]
        assert column not in report["features"]
    assert "Termd" not in report["features"]
    assert report["rows"] == 311 and report["positives"] == 104
    assert 0.6 < report["auc"]["mean"] < 0.99
    assert report["auc"]["fold_count"] == 15 and report["auc"]["std"] > 0
    bins = report["calibration"]
    assert len(bins) == 10 and sum(b["count"] for b in bins) == 311
    assert 0 < report["brier"] < 0.25


def test_casestudy_joined_with_both_surveys_gives_an_honest_auc() -> None:
    require_shared(GENERAL)
    report = _backtest(
        "--csv",
        str(GENERAL),
        "--target",
        "Attrition",
        "--positive",
        "Yes",
        "--join",
        f"{EMPLOYEE_SURVEY}:EmployeeID",
        "--join",
        f"{MANAGER_SURVEY}:EmployeeID",
        "--repeats",
        "1",
    )
    assert report["rows"] == 4410 and report["positives"] == 711
    for survey_column in ("JobSatisfaction", "EnvironmentSatisfaction", "JobInvolvement"):
        assert survey_column in report["features"]
    assert "EmployeeID" in report["dropped"] and "EmployeeID" not in report["features"]
    # The file holds each of 1,470 people three times under different ids: they share a fold.
    assert report["groups"] <= 1500
    assert 0.6 < report["auc"]["mean"] < 0.99


def _synthetic_with_copies(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 120
    people = pd.DataFrame(
        {
            "tenure": rng.integers(0, 20, n),
            "salary": rng.normal(60000, 9000, n).round(),
            "team": rng.choice(["a", "b", "c"], n),
            "score": rng.normal(0, 1, n).round(3),
        }
    )
    people["left"] = (rng.random(n) < 1 / (1 + np.exp(people["score"] * 2))).astype(int)
    copies = people.loc[people.index.repeat(3)].reset_index(names="person")
    copies["EmployeeID"] = np.arange(len(copies)) + 1000  # a fresh id per copy
    copies.loc[1::3, "team"] = copies.loc[1::3, "team"].str.upper() + "  "  # near-duplicate
    return copies


def test_duplicates_of_one_person_never_span_folds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _synthetic_with_copies()
    path = tmp_path / "copies.csv"
    frame.drop(columns="person").to_csv(path, index=False)

    seen: list[tuple[np.ndarray, np.ndarray]] = []
    real_split = rb.StratifiedGroupKFold.split

    def spy(self, X, y=None, groups=None):  # noqa: ANN001, ANN202
        for train, test in real_split(self, X, y, groups):
            seen.append((train, test))
            yield train, test

    monkeypatch.setattr(rb.StratifiedGroupKFold, "split", spy)
    report = rb.backtest(path, rb.BacktestOptions(target="left", repeats=2))
    assert report["groups"] == 120
    assert report["dropped"]["EmployeeID"].startswith("identifier")
    person = frame["person"].to_numpy()
    assert len(seen) == 10
    for train, test in seen:
        assert not set(person[train]) & set(person[test])


def test_id_column_groups_records_that_differ_in_content() -> None:
    frame = pd.DataFrame(
        {"pid": ["p1", "p1", "p2", "p3"], "x": ["1", "2", "3", "4"], "y": ["a", "b", "c", "d"]}
    )
    groups = rb.person_groups(frame, "pid", ["pid"])
    assert groups[0] == groups[1] and len(set(groups)) == 3


def test_leaky_names() -> None:
    for leaky in ("DateofTermination", "TermReason", "EmploymentStatus", "Date of Termination"):
        assert rb._leaky_name(leaky), leaky
    for fine in ("MaritalStatus", "LastPerformanceReview_Date", "YearsAtCompany", "Department"):
        assert rb._leaky_name(fine) is None, fine


def test_a_column_that_predicts_the_target_alone_is_dropped(tmp_path: Path) -> None:
    frame = _synthetic_with_copies().drop(columns=["person", "EmployeeID"])
    frame["code"] = np.where(frame["left"] == 1, "X9", "Q1")  # no telling name, pure leak
    path = tmp_path / "leak.csv"
    frame.to_csv(path, index=False)
    report = rb.backtest(path, rb.BacktestOptions(target="left", repeats=1))
    assert "code" in report["dropped"] and "single-column AUC" in report["dropped"]["code"]
    assert "code" not in report["features"]


def _bad(tmp_path: Path, *args: str) -> str:
    result = run_cli("retention", "backtest", *args, url=URL)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message and "Traceback" not in message
    return message


def test_bad_input_gets_a_clear_message_and_exit_code_2(tmp_path: Path) -> None:
    good = tmp_path / "ok.csv"
    pd.DataFrame({"a": [1, 2, 3, 4] * 5, "b": list("xyzw") * 5, "left": [0, 1] * 10}).to_csv(
        good, index=False
    )
    one_class = tmp_path / "one.csv"
    pd.DataFrame({"a": range(10), "left": ["No"] * 10}).to_csv(one_class, index=False)
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    text = tmp_path / "notes.csv"
    text.write_text("just one line of prose without any table\n")

    missing = tmp_path / "nope.csv"
    assert "No file at" in _bad(tmp_path, "--csv", str(missing), "--target", "left")
    assert "not a CSV" in _bad(tmp_path, "--csv", str(binary), "--target", "left")
    assert "not a CSV" in _bad(tmp_path, "--csv", str(text), "--target", "left")
    assert "No column 'quit'" in _bad(tmp_path, "--csv", str(good), "--target", "quit")
    assert "No column 'nah'" in _bad(
        tmp_path, "--csv", str(good), "--target", "left", "--id-column", "nah"
    )
    assert "only one value" in _bad(tmp_path, "--csv", str(one_class), "--target", "left")
    assert "does not occur" in _bad(
        tmp_path, "--csv", str(good), "--target", "left", "--positive", "Yes"
    )
    assert "FILE:KEY" in _bad(tmp_path, "--csv", str(good), "--target", "left", "--join", "nokey")
    assert "No file at" in _bad(
        tmp_path, "--csv", str(good), "--target", "left", "--join", f"{missing}:a"
    )
