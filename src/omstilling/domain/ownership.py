"""What a directory source owns, and what the units own (issue 14, spec/sync.md).

A sync (LDAP/AD, an HR export) owns the people it brings: their name, title,
numbers, e-mail, login, external id and which unit they are in. The units own the
rest (tasks, keywords, distribution, hours, rules, secretaries, mailings, roles,
`public`). Neither side silently overwrites the other: an organisation-file import
keeps the people a source owns and what the source owns of them, and a sync never
touches what the units own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from omstilling.domain.organisation import Employee, Organisation, Unit

# The employee fields a source owns (besides the unit she is in).
SOURCE_OWNED: tuple[str, ...] = (
    "name",
    "title",
    "phone",
    "mobile",
    "email",
    "login",
    "external_id",
)


def owned_values(e: Employee) -> dict[str, Any]:
    """The values of `e` that her source owns."""
    return {name: getattr(e, name) for name in SOURCE_OWNED}


def keep_sourced(
    current: Organisation | None, incoming: Organisation
) -> tuple[Organisation, list[str]]:
    """`incoming` (an organisation file) with the people a source owns kept as they are in
    `current`: one the file leaves out stays in her unit, and the fields her source owns
    (and her unit, and her `source`) are the stored ones. What the units own comes from
    the file. Returns the organisation and the problems (a unit the file removes while a
    source's people are in it: the file cannot remove it)."""
    if current is None:
        return incoming, []
    sourced = [e for e in current.employees.values() if e.source]
    if not sourced:
        return incoming, []
    problems: list[str] = []
    employees: dict[str, Employee | None] = {}
    units: dict[str, Unit] = {}

    def unit(uid: str) -> Unit:
        return units.get(uid) or incoming.units[uid]

    for old in sourced:
        if old.unit not in incoming.units:
            problems.append(
                f"units: the file removes unit '{old.unit}', but '{old.id}' of source "
                f"'{old.source}' is in it; the source moves people, not the file"
            )
            continue
        new = incoming.employees.get(old.id)
        if new is None:  # left out of the file: kept, with the tasks the file still has
            kept = dataclasses.replace(
                old, tasks=tuple(t for t in old.tasks if t in incoming.tasks)
            )
            employees[old.id] = kept
            home = unit(old.unit)
            units[old.unit] = dataclasses.replace(home, employees=(*home.employees, old.id))
            continue
        kept = dataclasses.replace(new, **owned_values(old), source=old.source, unit=old.unit)
        if kept != new:
            employees[old.id] = kept
        if new.unit != old.unit:  # the file moved her: the source says where she is
            there = unit(new.unit)
            units[new.unit] = dataclasses.replace(
                there, employees=tuple(i for i in there.employees if i != old.id)
            )
            home = unit(old.unit)
            units[old.unit] = dataclasses.replace(home, employees=(*home.employees, old.id))
    if not employees and not units:
        return incoming, problems
    return incoming.replaced(units=units, employees=employees), problems
