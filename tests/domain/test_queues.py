"""The switchboard's queues: its own and those of every unit below it, worked out once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain.queues import UnitQueues, switchboard_queues

# borgerservice is the switchboard; its team "omstilling-aften" sits below it.
TREE: list[UnitQueues] = [
    ("kommune", None, ["hovednummer"]),
    ("borgerservice", "kommune", ["borgerservice", "pas"]),
    ("omstilling-aften", "borgerservice", ["aften"]),
    ("aften-weekend", "omstilling-aften", ["weekend"]),
    ("jobcenter", "kommune", ["jobcenter"]),
    ("jobcenter-unge", "jobcenter", ["unge"]),
]


@pytest.mark.parametrize(
    ("switchboard", "queues"),
    [
        ("borgerservice", {"borgerservice", "pas", "aften", "weekend"}),
        ("omstilling-aften", {"aften", "weekend"}),
        ("jobcenter-unge", {"unge"}),
        (
            "kommune",
            {"hovednummer", "borgerservice", "pas", "aften", "weekend", "jobcenter", "unge"},
        ),
        (None, set()),  # no switchboard named
        ("nedlagt", set()),  # named, but no such unit
    ],
)
def test_the_switchboards_queues_are_its_own_and_its_teams(
    switchboard: str | None, queues: set[str]
) -> None:
    assert switchboard_queues(switchboard, TREE) == queues


def test_a_cycle_in_bad_data_ends_the_walk() -> None:
    looped: list[UnitQueues] = [("a", "b", ["qa"]), ("b", "a", ["qb"]), ("c", None, ["qc"])]
    assert switchboard_queues("a", looped) == {"qa", "qb"}


@st.composite
def trees(draw: st.DrawFn) -> list[UnitQueues]:
    """Random forests: each unit's parent is an earlier unit or none."""
    n = draw(st.integers(1, 12))
    units: list[UnitQueues] = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1).map(str))) if i else None
        queues = draw(st.lists(st.sampled_from(["q1", "q2", "q3", f"own{i}"]), max_size=3))
        units.append((str(i), parent, queues))
    return units


@given(trees(), st.integers(0, 11))
def test_a_queue_is_the_switchboards_exactly_when_its_unit_is_at_or_below_it(
    units: list[UnitQueues], pick: int
) -> None:
    switchboard = units[pick % len(units)][0]
    parent = {u: p for u, p, _ in units}

    def below(unit: str | None) -> bool:
        while unit is not None:
            if unit == switchboard:
                return True
            unit = parent[unit]
        return False

    expected = {q for u, _, qs in units if below(u) for q in qs}
    assert switchboard_queues(switchboard, units) == expected
