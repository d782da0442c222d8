"""The field declarations: the file's keys and order, the canonical documents, the diff."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from omstilling.domain.fields import children, columns, declared, file_keys
from omstilling.domain.organisation import (
    Employee,
    Hours,
    Mailing,
    Municipality,
    MunicipalityHours,
    Number,
    Organisation,
    ReferTo,
    Task,
    Unit,
)
from omstilling.domain.orgdiff import diff
from omstilling.domain.orgdoc import entity_doc

HOURS = MunicipalityHours("Mo-Fr 09:00-15:00", "Mo-Fr 08:00-15:00", "Mo-Fr 09:00-14:00")

# The keys each mapping of spec/organisation-file.md allows, in the order the export writes them.
FILE_ORDER: list[tuple[type[Any], list[str]]] = [
    (
        Municipality,
        ["name", "timezone", "country", "main_number", "website", "switchboard", "hours", "closed"],
    ),
    (
        Unit,
        [
            "id", "name", "kind", "parent", "description", "address", "external_id", "hours",
            "numbers", "sensitive", "transfer_only_to", "secretary", "owner", "reviewed",
            "queues", "tasks", "employees",
        ],
    ),
    (
        Task,
        [
            "id", "name", "keywords", "kle", "handled_by_switchboard", "answer", "refer_to",
            "distribution",
        ],
    ),
    (
        Employee,
        [
            "id", "name", "title", "role", "phone", "public", "extension", "mobile", "email",
            "login", "external_id", "works", "source", "calendar", "tasks", "main_tasks",
        ],
    ),
    (
        Mailing,
        [
            "id", "unit", "title", "sent", "calls_expected_until", "expected_calls", "tasks",
            "answer", "staffed",
        ],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "keys"), FILE_ORDER, ids=lambda x: getattr(x, "__name__", ""))
def test_declarations_give_the_files_keys_in_the_files_order(
    cls: type[Any], keys: list[str]
) -> None:
    assert [d.key for d in declared(cls) if d.key] == keys
    assert file_keys(cls) == set(keys)


def test_every_field_of_an_entity_is_declared() -> None:
    for cls, _ in FILE_ORDER:
        assert {d.name for d in declared(cls)} == {f.name for f in dataclasses.fields(cls)}


@pytest.mark.parametrize(
    ("cls", "name", "column"),
    [
        (Unit, "parent", "parent_id"),
        (Unit, "owner", "owner_id"),
        (Employee, "unit", "unit_id"),
        (Task, "unit", "unit_id"),
        (Mailing, "unit", "unit_id"),
        (Employee, "main_tasks", "main_tasks"),
        (Municipality, "closed", "closed"),
    ],
)
def test_columns_are_named_by_the_declaration(cls: type[Any], name: str, column: str) -> None:
    assert {d.name: d.column for d in columns(cls)}[name] == column


def test_lists_in_their_own_table_are_no_column() -> None:
    listed = {(cls.__name__, d.name) for cls, _ in FILE_ORDER for d in children(cls)}
    assert listed == {
        ("Unit", "queues"),
        ("Task", "keywords"),
        ("Employee", "tasks"),
        ("Mailing", "tasks"),
    }
    for cls, _ in FILE_ORDER:
        assert not {d.name for d in children(cls)} & {d.name for d in columns(cls)}


BASE = Employee(id="e", unit="u", name="Eva")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {"id": "e", "name": "Eva", "role": "caseworker"}),
        ({"title": ""}, {"id": "e", "name": "Eva", "role": "caseworker"}),
        ({"public": False}, {"id": "e", "name": "Eva", "role": "caseworker", "public": False}),
        ({"public": True}, {"id": "e", "name": "Eva", "role": "caseworker"}),
        (
            {"phone": "+4589151234"},
            {"id": "e", "name": "Eva", "role": "caseworker", "phone": "89 15 12 34"},
        ),
        (
            {"tasks": ("a", "b")},
            {"id": "e", "name": "Eva", "role": "caseworker", "tasks": ["a", "b"]},
        ),
        ({"email": ""}, {"id": "e", "name": "Eva", "role": "caseworker"}),
    ],
)
def test_employee_document_leaves_defaults_out(
    changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert entity_doc(dataclasses.replace(BASE, **changes)) == expected


def test_structured_values_are_written_by_their_own_writers() -> None:
    unit = Unit(
        id="u",
        name="Enhed",
        kind="team",
        external_id="x1",
        address="Torvet 1",
        hours=Hours(phone="Mo-Fr 10:00-12:00"),
        numbers=(Number("+4589150000", "Hovednummer"),),
        tasks=("t",),
        employees=("e",),
    )
    assert list(entity_doc(unit).items()) == [
        ("id", "u"),
        ("name", "Enhed"),
        ("kind", "team"),
        ("address", "Torvet 1"),
        ("external_id", "x1"),
        ("hours", {"phone": "Mo-Fr 10:00-12:00"}),
        ("numbers", [{"number": "89 15 00 00", "label": "Hovednummer"}]),
    ]
    task = Task(id="t", unit="u", name="Pas", refer_to=ReferTo("Borgerservice", "+4589150000"))
    assert entity_doc(task)["refer_to"] == {"name": "Borgerservice", "number": "89 15 00 00"}


def test_a_count_of_zero_is_written_and_none_is_not() -> None:
    m = Mailing("m", "u", "Brev", date(2026, 1, 5), date(2026, 1, 9), expected_calls=0)
    assert entity_doc(m)["expected_calls"] == 0
    assert "expected_calls" not in entity_doc(dataclasses.replace(m, expected_calls=None))


def _org(employee: Employee) -> Organisation:
    return Organisation(
        Municipality("X", HOURS),
        [Unit("u", "Enhed", "department", employees=(employee.id,))],
        [employee],
        [],
        [],
    )


def test_diff_names_the_field_that_changed_and_nothing_when_equal() -> None:
    old = _org(BASE)
    assert diff(old, _org(BASE)) == []
    changes = diff(old, _org(dataclasses.replace(BASE, main_tasks="Pas og kørekort")))
    assert [(c.entity, c.id, c.action, c.fields()) for c in changes] == [
        ("employee", "e", "changed", ["main_tasks"])
    ]
    assert changes[0].after is not None and changes[0].after["unit"] == "u"
    assert changes[0].after["position"] == 0
