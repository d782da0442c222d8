"""What a unit editor may touch and name (issue 12 item 7): only their own units.

A unit editor edits their unit and the units below it (their *scope*). An edit is
judged by comparing the organisation before and after it, so every form and any
future API route is held to the same rule, in this one place:

- every entity the edit changes (a unit, task, employee or mailing) belongs to the
  scope, before and after the edit; the one exception is an employee elsewhere who
  only loses tasks of the scope (removing a task takes it off every employee);
- every id the edit newly names (a task's distribution target, a unit's owner,
  secretary or `transfer_only_to`, an employee's tasks, a mailing's tasks, ...)
  is a task, employee or unit of the scope.

A name the entity already had stays allowed: an admin or the organisation file may
have set one outside the scope, and the editor saving an unrelated field must not
be refused for it. An id that names nothing is left to the file's own rules
("unknown employee"). Admins (and directory tokens) have no scope: `None`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from omstilling.domain.errors import Forbidden
from omstilling.domain.organisation import (
    DistributionTarget,
    Employee,
    Mailing,
    Organisation,
    Task,
    Unit,
)
from omstilling.domain.orgdiff import changed_ids

Kind = Literal["unit", "task", "employee", "mailing"]
Named = Literal["unit", "task", "employee"]
Entity = Unit | Task | Employee | Mailing


@dataclass(frozen=True, slots=True)
class Trespass:
    """One thing an edit does outside the editor's units.

    `field` is "" when the entity itself lies outside (changed, added or taken over);
    otherwise the field that newly names `named` `ident` of another unit."""

    kind: Kind
    entity_id: str
    field: str
    named: Named | None = None
    ident: str = ""

    def __str__(self) -> str:
        if not self.field:
            return f"{self.kind} '{self.entity_id}' belongs to a unit outside yours"
        return (
            f"{self.kind} '{self.entity_id}': {self.field} names {self.named} "
            f"'{self.ident}' of a unit outside yours"
        )


class OutsideUnits(Forbidden):
    """The edit touches or names what belongs to another unit than the editor's."""

    def __init__(self, trespasses: list[Trespass]) -> None:
        self.trespasses = trespasses
        super().__init__("; ".join(str(t) for t in trespasses))


def editor_units(org: Organisation, unit_id: str | None) -> frozenset[str]:
    """An editor's scope: their unit and every unit below it (empty for an unknown unit)."""
    if unit_id is None or unit_id not in org.units:
        return frozenset()
    return frozenset([unit_id, *(u.id for u in org.descendants(unit_id))])


def check_edit(before: Organisation, after: Organisation, scope: frozenset[str] | None) -> None:
    """Raise OutsideUnits when the edit from `before` to `after` leaves `scope` (None: all)."""
    found = trespasses(before, after, scope)
    if found:
        raise OutsideUnits(found)


def trespasses(
    before: Organisation, after: Organisation, scope: frozenset[str] | None
) -> list[Trespass]:
    """Everything the edit does outside `scope`, in a stable order (nothing for None)."""
    if scope is None:
        return []
    out: list[Trespass] = []
    kinds: tuple[tuple[Kind, Mapping[str, Entity], Mapping[str, Entity]], ...] = (
        ("unit", before.units, after.units),
        ("task", before.tasks, after.tasks),
        ("employee", before.employees, after.employees),
        ("mailing", before.mailings, after.mailings),
    )
    for kind, old_all, new_all in kinds:
        for ident in _in_order(changed_ids(old_all, new_all), old_all, new_all):
            old, new = old_all.get(ident), new_all.get(ident)
            if not _inside(old, scope) or not _inside(new, scope):
                if not _only_drops_own_tasks(before, old, new, scope):
                    out.append(Trespass(kind, ident, ""))
                continue
            already = set(_names(old)) if old is not None else set()
            for field, named, target in _names(new) if new is not None else ():
                if (field, named, target) in already:
                    continue
                # Where it lives before and after the edit: both must be inside.
                homes = {_home(before, named, target), _home(after, named, target)} - {None}
                if not homes <= scope:
                    out.append(Trespass(kind, ident, field, named, target))
    return out


def _in_order(changed: set[str], old: Mapping[str, Entity], new: Mapping[str, Entity]) -> list[str]:
    """The changed ids (an edit keeps the objects it does not change) in the organisation's
    order: those it had first, then the added ones."""
    if len(changed) <= 1:
        return list(changed)
    return [*(i for i in old if i in changed), *(i for i in new if i in changed and i not in old)]


def _unit_of(entity: Entity) -> str:
    return entity.id if isinstance(entity, Unit) else entity.unit


def _inside(entity: Entity | None, scope: frozenset[str]) -> bool:
    return entity is None or _unit_of(entity) in scope


def _home(org: Organisation, named: Named, ident: str) -> str | None:
    """The unit a named id belongs to, or None when it names nothing in `org`."""
    if named == "unit":
        return ident if ident in org.units else None
    found = (org.tasks if named == "task" else org.employees).get(ident)
    return found.unit if found is not None else None


def _only_drops_own_tasks(
    before: Organisation, old: Entity | None, new: Entity | None, scope: frozenset[str]
) -> bool:
    """An employee of another unit who only loses tasks of the scope (a task was removed)."""
    if not isinstance(old, Employee) or not isinstance(new, Employee):
        return False
    if dataclasses.replace(new, tasks=old.tasks) != old or not set(new.tasks) <= set(old.tasks):
        return False
    return all(_home(before, "task", t) in scope for t in set(old.tasks) - set(new.tasks))


def _targets(field: str, target: DistributionTarget | None) -> Iterator[tuple[str, Named, str]]:
    if target is not None and target.employee:
        yield field, "employee", target.employee
    if target is not None and target.unit:
        yield field, "unit", target.unit


def _each(field: str, named: Named, ids: Iterable[str]) -> Iterator[tuple[str, Named, str]]:
    return ((field, named, i) for i in ids)


def _names(entity: Entity) -> Iterator[tuple[str, Named, str]]:
    """Every (field, kind, id) an entity names: the references the editor could forge."""
    if isinstance(entity, Unit):
        if entity.parent:
            yield "parent", "unit", entity.parent
        if entity.owner:
            yield "owner", "employee", entity.owner
        if entity.secretary is not None:
            yield "secretary.employee", "employee", entity.secretary.employee
        if entity.transfer_only_to is not None and entity.transfer_only_to.employee:
            yield "transfer_only_to.employee", "employee", entity.transfer_only_to.employee
        yield from _each("tasks", "task", entity.tasks)
        yield from _each("employees", "employee", entity.employees)
    elif isinstance(entity, Task):
        yield "unit", "unit", entity.unit
        if entity.distribution is not None:
            for rule in entity.distribution.rules:
                yield from _targets("distribution.rules", rule.target)
            yield from _targets("distribution.default", entity.distribution.default)
    elif isinstance(entity, Employee):
        yield "unit", "unit", entity.unit
        yield from _each("tasks", "task", entity.tasks)
    else:
        yield "unit", "unit", entity.unit
        yield from _each("tasks", "task", entity.tasks)
