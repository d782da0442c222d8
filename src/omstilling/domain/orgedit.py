"""Edits of the organisation as the unit editor makes them: each gives a whole new Organisation.

The domain objects are frozen, so an edit replaces entities and returns a new
snapshot; what the file's rules say about the result is checked afterwards, by
the same parser that reads the file (`orgfile.validate_edit`). New ids are
slugs of the Danish name, made unique.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from omstilling.domain.organisation import Employee, Mailing, Organisation, Task, Unit


def slugify(value: str) -> str:
    """A file id from a Danish name: "Søren Ærø" -> "soeren-aeroe"."""
    folded = value.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80]


def free_id(wanted: str, taken: Iterable[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3` ... whichever is not taken yet."""
    used = set(taken)
    base = wanted or "ny"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def rebuild(
    org: Organisation,
    *,
    units: Mapping[str, Unit] | None = None,
    tasks: Mapping[str, Task | None] | None = None,
    employees: Mapping[str, Employee | None] | None = None,
    mailings: Mapping[str, Mailing | None] | None = None,
) -> Organisation:
    """`org` with entities replaced (a None value removes one; an unknown id appends it)."""
    return org.replaced(units=units, tasks=tasks, employees=employees, mailings=mailings)


def change_unit(org: Organisation, unit_id: str, **values: Any) -> Organisation:
    """The unit's own fields replaced (description, hours, numbers, rules, reviewed ...)."""
    return rebuild(org, units={unit_id: dataclasses.replace(org.units[unit_id], **values)})


def mark_reviewed(org: Organisation, unit_id: str, today: date) -> Organisation:
    """R2.6: the owner confirms the data is current."""
    return change_unit(org, unit_id, reviewed=today)


Listing = Literal["tasks", "employees"]


def _with_ids(unit: Unit, listing: Listing, ids: tuple[str, ...]) -> Unit:
    if listing == "tasks":
        return dataclasses.replace(unit, tasks=ids)
    return dataclasses.replace(unit, employees=ids)


def _listed(unit: Unit, listing: Listing, ident: str, *, new: bool) -> Unit:
    """A new id goes last in the unit's list (its tasks or employees); an edited one stays."""
    return _with_ids(unit, listing, (*getattr(unit, listing), ident)) if new else unit


def _unlisted(unit: Unit, listing: Listing, ident: str) -> Unit:
    return _with_ids(unit, listing, tuple(i for i in getattr(unit, listing) if i != ident))


def put_task(org: Organisation, task: Task, *, new: bool) -> Organisation:
    """A new task goes to the end of its unit's tasks; an edited one stays where it is."""
    unit = _listed(org.units[task.unit], "tasks", task.id, new=new)
    return rebuild(org, units={unit.id: unit}, tasks={task.id: task})


def remove_task(org: Organisation, unit_id: str, task_id: str) -> Organisation:
    """Remove a task; the employees' task lists forget it (other references must be fixed first)."""
    employees: dict[str, Employee | None] = {
        e.id: dataclasses.replace(e, tasks=tuple(t for t in e.tasks if t != task_id))
        for e in org.employees.values()
        if task_id in e.tasks
    }
    return rebuild(
        org,
        units={unit_id: _unlisted(org.units[unit_id], "tasks", task_id)},
        tasks={task_id: None},
        employees=employees,
    )


def put_employee(org: Organisation, employee: Employee, *, new: bool) -> Organisation:
    """A new employee goes to the end of the unit's people; an edited one stays where they are."""
    unit = _listed(org.units[employee.unit], "employees", employee.id, new=new)
    return rebuild(org, units={unit.id: unit}, employees={employee.id: employee})


def remove_employee(org: Organisation, unit_id: str, employee_id: str) -> Organisation:
    unit = _unlisted(org.units[unit_id], "employees", employee_id)
    return rebuild(org, units={unit_id: unit}, employees={employee_id: None})


def put_mailing(org: Organisation, mailing: Mailing) -> Organisation:
    return rebuild(org, mailings={mailing.id: mailing})


def remove_mailing(org: Organisation, mailing_id: str) -> Organisation:
    return rebuild(org, mailings={mailing_id: None})
