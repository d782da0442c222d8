"""What a unit editor may touch and name (issue 12 item 7), as a rule without a database.

Units: a (the editor's) with b below it; c elsewhere. Each edit is made with the
same `orgedit` functions the forms use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain import orgedit
from omstilling.domain.editscope import (
    OutsideUnits,
    Trespass,
    check_edit,
    editor_units,
    trespasses,
)
from omstilling.domain.errors import ErrorKind
from omstilling.domain.organisation import (
    Distribution,
    DistributionRule,
    DistributionTarget,
    Employee,
    Mailing,
    Municipality,
    MunicipalityHours,
    Organisation,
    SecretaryRule,
    Task,
    TransferOnlyTo,
    Unit,
)

HOURS = MunicipalityHours("24/7", "24/7", "24/7")
DAY = date(2026, 12, 1)


def org() -> Organisation:
    return Organisation(
        Municipality("X", HOURS),
        [
            Unit("a", "A", "department", tasks=("t1",), employees=("e1",)),
            Unit("b", "B", "team", parent="a", tasks=("t2",), employees=("e2",)),
            Unit("c", "C", "department", tasks=("t3",), employees=("e3",)),
        ],
        [
            Employee("e1", "a", "Eva", tasks=("t1",)),
            Employee("e2", "b", "Bo", tasks=("t2",)),
            Employee("e3", "c", "Ib", tasks=("t3", "t1")),
        ],
        [Task("t1", "a", "Et"), Task("t2", "b", "To"), Task("t3", "c", "Tre")],
        [Mailing("m", "c", "Brev", DAY, DAY, tasks=("t3",))],
    )


A = editor_units(org(), "a")


def split(*targets: DistributionTarget) -> Distribution:
    rules = tuple(DistributionRule(str(i), t) for i, t in enumerate(targets, 1))
    return Distribution("birth_day", rules)


Edit = Callable[[Organisation], Organisation]
EDITS: list[tuple[str, Edit, list[Trespass]]] = [
    ("owner inside", lambda o: orgedit.change_unit(o, "a", owner="e2"), []),
    (
        "owner outside",
        lambda o: orgedit.change_unit(o, "a", owner="e3"),
        [Trespass("unit", "a", "owner", "employee", "e3")],
    ),
    (
        "secretary outside",
        lambda o: orgedit.change_unit(o, "b", secretary=SecretaryRule("e3")),
        [Trespass("unit", "b", "secretary.employee", "employee", "e3")],
    ),
    (
        "transfer only to outside",
        lambda o: orgedit.change_unit(o, "a", transfer_only_to=TransferOnlyTo(employee="e3")),
        [Trespass("unit", "a", "transfer_only_to.employee", "employee", "e3")],
    ),
    (
        "distribution inside: a person and a team below",
        lambda o: orgedit.put_task(
            o,
            Task("t9", "a", "Ni", distribution=split(DistributionTarget(employee="e2"))),
            new=True,
        ),
        [],
    ),
    (
        "distribution to a team and a default elsewhere",
        lambda o: orgedit.put_task(
            o,
            Task(
                "t1",
                "a",
                "Et",
                distribution=dataclasses.replace(
                    split(DistributionTarget(unit="c")),
                    default=DistributionTarget(employee="e3"),
                ),
            ),
            new=False,
        ),
        [
            Trespass("task", "t1", "distribution.rules", "unit", "c"),
            Trespass("task", "t1", "distribution.default", "employee", "e3"),
        ],
    ),
    (
        "an employee given a task elsewhere",
        lambda o: orgedit.put_employee(
            o, Employee("e1", "a", "Eva", tasks=("t1", "t3")), new=False
        ),
        [Trespass("employee", "e1", "tasks", "task", "t3")],
    ),
    (
        "a mailing naming a task elsewhere",
        lambda o: orgedit.put_mailing(o, Mailing("n", "a", "Nyt", DAY, DAY, tasks=("t1", "t3"))),
        [Trespass("mailing", "n", "tasks", "task", "t3")],
    ),
    (
        "a new task under another unit's task id",
        lambda o: orgedit.put_task(o, Task("t3", "a", "Tre"), new=True),
        [Trespass("unit", "a", "tasks", "task", "t3"), Trespass("task", "t3", "")],
    ),
    (
        "changing another unit outright",
        lambda o: orgedit.change_unit(o, "c", description="x"),
        [Trespass("unit", "c", "")],
    ),
    (
        "removing another unit's mailing",
        lambda o: orgedit.remove_mailing(o, "m"),
        [Trespass("mailing", "m", "")],
    ),
    (
        "removing an own task also takes it off e3 elsewhere: allowed",
        lambda o: orgedit.remove_task(o, "a", "t1"),
        [],
    ),
    (
        "an id that names nothing is left to the file's rules",
        lambda o: orgedit.change_unit(o, "a", owner="nobody"),
        [],
    ),
]


@pytest.mark.parametrize(("name", "edit", "expected"), EDITS, ids=[e[0] for e in EDITS])
def test_issue_12_item_7_an_editor_touches_and_names_only_their_units(
    name: str, edit: Edit, expected: list[Trespass]
) -> None:
    """Issue 12 item 7: the rule every form and route of the unit editor goes through."""
    before = org()
    after = edit(before)
    assert trespasses(before, after, A) == expected
    assert trespasses(before, after, None) == []  # an admin names anything
    if expected:
        with pytest.raises(OutsideUnits) as caught:
            check_edit(before, after, A)
        assert caught.value.kind is ErrorKind.FORBIDDEN
        assert caught.value.trespasses == expected
    else:
        check_edit(before, after, A)


def test_issue_12_item_7_a_name_already_there_stays_allowed() -> None:
    """Issue 12 item 7: an admin pointed a's transfers at e3; the editor may keep that
    while changing something else, but may not point them at another outsider."""
    before = orgedit.change_unit(org(), "a", transfer_only_to=TransferOnlyTo(employee="e3"))
    assert trespasses(before, orgedit.change_unit(before, "a", sensitive=True), A) == []
    swapped = orgedit.change_unit(before, "a", transfer_only_to=TransferOnlyTo(employee="e2"))
    assert trespasses(before, swapped, A) == []
    other = orgedit.change_unit(org(), "c", owner="e3")
    moved = orgedit.change_unit(other, "a", owner="e3")
    assert trespasses(other, moved, A) == [Trespass("unit", "a", "owner", "employee", "e3")]


def test_the_editors_units_are_their_unit_and_those_below() -> None:
    assert editor_units(org(), "a") == {"a", "b"}
    assert editor_units(org(), "b") == {"b"}
    assert editor_units(org(), None) == frozenset()
    assert editor_units(org(), "gone") == frozenset()


@given(st.sampled_from(["a", "b", "c", None]))
def test_no_edit_is_no_trespass(unit: str | None) -> None:
    o = org()
    assert trespasses(o, o, editor_units(o, unit)) == []
