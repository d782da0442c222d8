"""An edit through the file's rules, checked from what it changes (issue 13 item 2).

`validate` puts a whole organisation through the file (its document written and read
again): 4.5 s at 50,000 employees. An edit changes a few entities; the rest were
checked when they were stored. So the changed entities, and the units that hold
them, are written as a small document of their own and read by the same field rules
(normalised: E.164, trimmed; the same warnings), and their references are resolved
against the whole organisation after the edit by the same reference rules. A removed
entity brings in whoever named it, so a dangling reference is still found. Ids stay
unique: a task or employee listed anew is listed by no other unit.

The paths in the problems name the small document (`part`): humanise them with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from omstilling.domain.calendar_address import CALENDAR_SET
from omstilling.domain.organisation import Organisation, Unit
from omstilling.domain.orgdiff import Change, Key, diff
from omstilling.orgfile.check import (
    employee_references,
    mailing_references,
    own_parent,
    queue_clash,
    resolve,
    task_references,
    unit_references,
)
from omstilling.orgfile.fields import Validator
from omstilling.orgfile.read import OrgFileError, read_entities
from omstilling.orgfile.write import to_document


@dataclass
class _Touched:
    units: set[str] = dataclasses.field(default_factory=set)
    tasks: set[str] = dataclasses.field(default_factory=set)
    employees: set[str] = dataclasses.field(default_factory=set)
    mailings: set[str] = dataclasses.field(default_factory=set)
    municipality: bool = False

    def keys(self) -> set[Key]:
        out: set[Key] = {("municipality", "municipality")} if self.municipality else set()
        out.update(("unit", i) for i in self.units)
        out.update(("task", i) for i in self.tasks)
        out.update(("employee", i) for i in self.employees)
        out.update(("mailing", i) for i in self.mailings)
        return out


@dataclass
class Checked:
    organisation: Organisation  # the whole organisation after the edit, normalised
    changes: list[Change]  # from the organisation before the edit to `organisation`
    warnings: list[str]  # of the changed entities, paths in `part`
    part: Organisation  # the small document's entities, which the paths name
    touched: _Touched

    def warnings_before(self, before: Organisation) -> tuple[list[str], Organisation]:
        """The warnings the same entities had before the edit, and what their paths name."""
        part = _part(before, self.touched)
        return read_entities(to_document(part))[0].warnings, part


class EditRejected(OrgFileError):
    def __init__(self, errors: list[str], part: Organisation) -> None:
        super().__init__(errors)
        self.part = part


def _touched(changes: Iterable[Change], after: Organisation) -> _Touched:
    """The entities to check: those the edit adds or changes, and those naming a removed one."""
    t = _Touched()
    removed: dict[str, set[str]] = {"unit": set(), "task": set(), "employee": set()}
    for c in changes:
        if c.action == "removed":
            if c.entity in removed:
                removed[c.entity].add(c.id)
            continue
        if c.entity == "municipality":
            t.municipality = True
        else:
            getattr(t, f"{c.entity}s").add(c.id)
    if any(removed.values()):
        _naming(after, removed, t)
    return t


def _naming(org: Organisation, removed: dict[str, set[str]], t: _Touched) -> None:
    """Add to `t` every entity of `org` that names a removed one."""

    def names(refs: Iterable[tuple[str, str, str | None]]) -> bool:
        return any(ident in removed.get(kind, ()) for _, kind, ident in refs)

    if org.municipality.switchboard in removed["unit"]:
        t.municipality = True
    t.units.update(u.id for u in org.units.values() if names(unit_references(u)))
    t.tasks.update(x.id for x in org.tasks.values() if names(task_references(x)))
    t.mailings.update(m.id for m in org.mailings.values() if names(mailing_references(m)))
    if removed["task"]:
        t.employees.update(e.id for e in org.employees.values() if names(employee_references(e)))


def _part(org: Organisation, t: _Touched) -> Organisation:
    """The touched entities, each in the unit that lists it (that unit's own fields too)."""
    tasks = [org.tasks[i] for i in t.tasks if i in org.tasks]
    employees = [org.employees[i] for i in t.employees if i in org.employees]
    holders = set(t.units) | {x.unit for x in tasks} | {e.unit for e in employees}
    wanted_tasks, wanted_emps = set(t.tasks), set(t.employees)
    units = [
        dataclasses.replace(
            u,
            tasks=tuple(i for i in u.tasks if i in wanted_tasks),
            employees=tuple(i for i in u.employees if i in wanted_emps),
        )
        for uid in sorted(holders, key=_order(org))
        if (u := org.units.get(uid)) is not None
    ]
    mailings = [org.mailings[i] for i in sorted(t.mailings, key=_order(org)) if i in org.mailings]
    return Organisation(org.municipality, units, employees, tasks, mailings, revision=org.revision)


def _order(org: Organisation) -> Callable[[str], int]:
    """Sort key: the place in the organisation (units, then mailings)."""
    return {k: i for i, k in enumerate([*org.units, *org.mailings])}.__getitem__


def validate_edit(before: Organisation, after: Organisation) -> Checked:
    """`after` checked by the file's rules where it differs from `before` (which was valid).

    EditRejected with every problem (paths in its `part`) when a rule is broken."""
    changes = diff(before, after)
    touched = _touched(changes, after)
    part = _part(after, touched)
    v, read, doc, _ = read_entities(to_document(part))
    for i, raw in enumerate(doc.get("units") or []):
        path = f"units[{i}]"
        unit = part.units[raw["id"]]
        _check_unit(v, after, before, unit, path, touched)
        for j, ident in enumerate(unit.tasks):
            resolve(v, after, f"{path}.tasks[{j}]", task_references(after.tasks[ident]))
        for j, ident in enumerate(unit.employees):
            resolve(v, after, f"{path}.employees[{j}]", employee_references(after.employees[ident]))
    for i, mailing in enumerate(part.mailings.values()):
        resolve(v, after, f"mailings[{i}]", mailing_references(mailing))
    if touched.municipality:
        resolve(
            v, after, "municipality", [(".switchboard", "unit", after.municipality.switchboard)]
        )
    if v.errors:
        raise EditRejected(v.errors, part)
    normalised = _merged(after, read, touched)
    # Only the changed and the touched entities were read again: only they may differ.
    maybe = {(c.entity, c.id) for c in changes} | touched.keys()
    return Checked(normalised, diff(before, normalised, only=maybe), v.warnings, part, touched)


def _check_unit(
    v: Validator, after: Organisation, before: Organisation, unit: Unit, path: str, t: _Touched
) -> None:
    whole = after.units[unit.id]
    if unit.id in t.units:
        resolve(v, after, path, unit_references(whole))
        own_parent(v, whole, path)
        if whole.queues:
            others = {q: u.id for u in after.units.values() if u.id != unit.id for q in u.queues}
            queue_clash(v, whole, path, others)
        _cycle(v, after, whole, path)
    _listed_once(v, after, before, unit, path)


def _cycle(v: Validator, org: Organisation, unit: Unit, path: str) -> None:
    chain = [unit.id]
    current = unit.parent
    while current is not None and current in org.units:
        if current in chain:
            cycle = [*chain[chain.index(current) :], current]
            v.err(f"{path}.parent", "parent cycle: " + " -> ".join(cycle))
            return
        chain.append(current)
        current = org.units[current].parent


def _listed_once(
    v: Validator, after: Organisation, before: Organisation, unit: Unit, path: str
) -> None:
    """A task or employee this unit lists is listed by no other unit: before the edit each
    was listed once, so only the unit that listed it then can list it still."""
    for key, old in (("tasks", before.tasks), ("employees", before.employees)):
        for j, ident in enumerate(getattr(unit, key)):
            was = old.get(ident)
            if was is None or was.unit == unit.id or was.unit not in after.units:
                continue
            if ident in getattr(after.units[was.unit], key):
                kind = "task" if key == "tasks" else "employee"
                v.err(
                    f"{path}.{key}[{j}].id",
                    f"duplicate {kind} id '{ident}' (first at unit '{was.unit}')",
                )


def _merged(after: Organisation, read: Organisation, t: _Touched) -> Organisation:
    """`after` with the touched entities as the file's rules read them (normalised)."""
    units = {
        uid: dataclasses.replace(
            read.units[uid], tasks=after.units[uid].tasks, employees=after.units[uid].employees
        )
        for uid in t.units
        if uid in read.units
    }
    # A calendar address read back from the document is only "set" (it is a secret and
    # never written out): the address itself travels on from `after` to the store.
    employees = {
        i: dataclasses.replace(e, calendar=after.employees[i].calendar)
        if e.calendar == CALENDAR_SET and after.employees[i].calendar != CALENDAR_SET
        else e
        for i, e in read.employees.items()
    }
    return after.replaced(
        municipality=read.municipality if t.municipality else None,
        units=units,
        employees=employees,
        tasks=dict(read.tasks),
        mailings=dict(read.mailings),
    )
