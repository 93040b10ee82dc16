"""Culture pulse anonymity: no figure for a group below the threshold, nor one that a
subtraction of two shown figures would give away."""

from __future__ import annotations

import pytest

from ml.anonymity import shown_groups


def _people(*ids: int) -> frozenset[int]:
    return frozenset(ids)


def test_small_groups_are_withheld() -> None:
    groups = {"design": _people(1, 2, 3, 4), "eng": _people(*range(10, 20))}
    assert shown_groups(groups, 5) == {"eng"}


def test_a_team_minus_one_person_is_not_shown_beside_the_team() -> None:
    team = _people(*range(10))
    groups = {"team": team, "team without newcomers": team - {9}}
    # Both have 5+, but their difference is one person: the smaller figure goes.
    assert shown_groups(groups, 5) == {"team"}


def test_overlapping_periods_that_differ_by_few_people_are_not_both_shown() -> None:
    groups = {"Jan-Jun": _people(*range(12)), "Feb-Jun": _people(*range(2, 12))}
    assert shown_groups(groups, 5) == {"Jan-Jun"}
    # Far enough apart, both are fine.
    groups["Apr-Jun"] = _people(*range(5, 12))
    assert "Apr-Jun" in shown_groups(
        {"Jan-Jun": groups["Jan-Jun"], "Apr-Jun": groups["Apr-Jun"]}, 5
    )


def test_the_company_minus_its_shown_teams_must_not_be_a_small_group() -> None:
    company = _people(*range(13))
    groups = {
        "company": company,
        "eng": _people(*range(6)),
        "sales": _people(*range(6, 11)),  # 2 people (11, 12) are in no shown team
    }
    shown = shown_groups(groups, 5)
    assert "company" in shown and not {"eng", "sales"} <= shown
    # With the remaining team big enough, everything shows.
    groups["sales"] = _people(*range(6, 13))
    assert shown_groups(groups, 5) == {"company", "eng", "sales"}


def test_disjoint_teams_of_enough_people_all_show() -> None:
    groups = {"a": _people(*range(5)), "b": _people(*range(5, 11))}
    assert shown_groups(groups, 5) == {"a", "b"}


def test_the_threshold_never_goes_below_three() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        shown_groups({"a": _people(1, 2)}, 2)


def test_the_setting_is_read_and_never_below_three() -> None:
    from core.config import SettingsError, load_settings

    assert load_settings({"PEOPLEOS_ENV": "test"}).pulse_min_group == 5
    assert (
        load_settings({"PEOPLEOS_ENV": "test", "PEOPLEOS_PULSE_MIN_GROUP": "7"}).pulse_min_group
        == 7
    )
    for bad, message in (("2", "at least 3"), ("five", "whole number")):
        with pytest.raises(SettingsError, match=message):
            load_settings({"PEOPLEOS_ENV": "test", "PEOPLEOS_PULSE_MIN_GROUP": bad})
