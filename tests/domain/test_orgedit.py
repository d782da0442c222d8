"""The unit editor's edits as rules on the organisation, without a form or a database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain import orgedit
from omstilling.domain.organisation import (
    Employee,
    Mailing,
    Municipality,
    MunicipalityHours,
    Organisation,
    Task,
    Unit,
)

HOURS = MunicipalityHours("24/7", "24/7", "24/7")


def org() -> Organisation:
    return Organisation(
        Municipality("X", HOURS),
        [
            Unit("a", "A", "department", tasks=("t1", "t2"), employees=("e1", "e2")),
            Unit("b", "B", "team", parent="a", tasks=("t3",), employees=("e3",)),
        ],
        [
            Employee("e1", "a", "Eva", tasks=("t1", "t2")),
            Employee("e2", "a", "Bo", tasks=("t2",)),
            Employee("e3", "b", "Ib", tasks=("t3", "t2")),
        ],
        [Task("t1", "a", "Et"), Task("t2", "a", "To"), Task("t3", "b", "Tre")],
        [Mailing("m", "a", "Brev", date(2026, 1, 5), date(2026, 1, 9))],
    )


def test_removing_a_task_takes_it_from_its_unit_and_every_employee() -> None:
    new = orgedit.remove_task(org(), "a", "t2")
    assert "t2" not in new.tasks
    assert new.units["a"].tasks == ("t1",)
    assert {e.id: e.tasks for e in new.employees.values()} == {
        "e1": ("t1",),
        "e2": (),
        "e3": ("t3",),
    }


def test_removing_an_employee_takes_them_from_their_unit_only() -> None:
    new = orgedit.remove_employee(org(), "a", "e1")
    assert list(new.employees) == ["e2", "e3"]
    assert new.units["a"].employees == ("e2",)
    assert new.units["b"] == org().units["b"]


def test_a_new_task_goes_last_and_an_edited_one_stays_in_place() -> None:
    added = orgedit.put_task(org(), Task("t9", "a", "Ni"), new=True)
    assert added.units["a"].tasks == ("t1", "t2", "t9")
    edited = orgedit.put_task(org(), Task("t1", "a", "Et, nyt navn"), new=False)
    assert edited.units["a"].tasks == ("t1", "t2")
    assert edited.tasks["t1"].name == "Et, nyt navn"
    assert list(edited.tasks) == list(org().tasks)


def test_a_new_employee_goes_last_in_their_unit() -> None:
    new = orgedit.put_employee(org(), Employee("e9", "b", "Ny"), new=True)
    assert new.units["b"].employees == ("e3", "e9")
    assert new.employees["e9"].unit == "b"


def test_mark_reviewed_and_mailings() -> None:
    day = date(2026, 12, 1)
    assert orgedit.mark_reviewed(org(), "b", day).units["b"].reviewed == day
    assert orgedit.remove_mailing(org(), "m").mailings == {}
    other = Mailing("n", "b", "Andet", day, day)
    assert list(orgedit.put_mailing(org(), other).mailings) == ["m", "n"]


def test_rebuild_keeps_what_it_is_not_told_to_change() -> None:
    before = org()
    after = orgedit.rebuild(before)
    assert after.units == before.units and after.employees == before.employees
    assert after.tasks == before.tasks and after.mailings == before.mailings
    assert after.revision == before.revision


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Søren Ærø", "soeren-aeroe"),
        ("Pas og kørekort", "pas-og-koerekort"),
        ("  Åben / lukket!  ", "aaben-lukket"),
        ("Café Noël", "cafe-noel"),
    ],
)
def test_slugify_folds_danish_letters(name: str, slug: str) -> None:
    assert orgedit.slugify(name) == slug


@given(
    st.sets(st.sampled_from(["ny", "ny-2", "ny-3", "pas", "pas-2", "x"])),
    st.sampled_from(["", "ny", "pas", "x"]),
)
def test_free_id_is_never_taken_and_keeps_the_wanted_stem(taken: set[str], wanted: str) -> None:
    got = orgedit.free_id(wanted, taken)
    assert got not in taken
    assert got.startswith(wanted or "ny")
    if wanted and wanted not in taken:
        assert got == wanted
