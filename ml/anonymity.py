"""Which aggregates of anonymous answers may be shown (culture pulse).

A figure is shown only for a group of at least ``min_group`` respondents, and never when
it, together with another shown figure, gives away a smaller group: if one shown group
holds another (a team and the team minus one person, this period and an overlapping one),
their difference is itself a group, so it must be empty or at least ``min_group`` too.
Suppressing is repeated until no shown pair breaks the rule. Pure: sets in, names out.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

MIN_GROUP_FLOOR = 3  # never below this, whatever the setting


def shown_groups(groups: Mapping[str, frozenset[Hashable]], min_group: int) -> frozenset[str]:
    """The names of the groups whose aggregates may be shown.

    ``groups`` maps a group's name to the set of its respondents (any hashable ids).
    A group is withheld when it is smaller than ``min_group``, or when its difference
    from another shown group it is contained in (or that is contained in it) has between
    1 and ``min_group - 1`` respondents; of such a pair the smaller group is withheld (the
    larger carries more people, so it is the more useful figure to keep).
    """
    if min_group < MIN_GROUP_FLOOR:
        raise ValueError(f"The minimum group is at least {MIN_GROUP_FLOOR}, not {min_group}.")
    shown = {name for name, members in groups.items() if len(members) >= min_group}
    while True:
        leak = _pair_leak(groups, shown, min_group) or _partition_leak(groups, shown, min_group)
        if leak is None:
            return frozenset(shown)
        shown.discard(leak)


def _pair_leak(
    groups: Mapping[str, frozenset[Hashable]], shown: set[str], min_group: int
) -> str | None:
    """The smaller of two shown nested groups that differ by 1 to ``min_group - 1``."""
    for name in sorted(shown, key=lambda n: (len(groups[n]), n)):
        members = groups[name]
        for other in sorted(shown):
            wider = groups[other]
            if other == name or not members < wider:
                continue
            if len(wider - members) < min_group:
                return name
    return None


def _partition_leak(
    groups: Mapping[str, frozenset[Hashable]], shown: set[str], min_group: int
) -> str | None:
    """A shown group whose disjoint shown parts leave 1 to ``min_group - 1`` people over
    (the company minus its teams): the smallest of those parts."""
    for whole in sorted(shown):
        members = groups[whole]
        parts = sorted(
            (n for n in shown if n != whole and groups[n] < members),
            key=lambda n: (-len(groups[n]), n),
        )
        covered: set[Hashable] = set()
        used = []
        for part in parts:
            if covered.isdisjoint(groups[part]):
                covered |= groups[part]
                used.append(part)
        rest = len(members - covered)
        if len(used) > 1 and 0 < rest < min_group:
            return min(used, key=lambda n: (len(groups[n]), n))
    return None
