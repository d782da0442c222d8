"""What changes between two organisations: added, changed and removed entities.

Each entity is compared by its canonical document (`domain.orgdoc`, the same
values the file export writes, plus its place in the organisation), so a
re-import of the same file is no change at all, and the audit trail stores
readable before/after values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import compress
from operator import is_not
from typing import Any, Literal

from omstilling.domain.organisation import Organisation
from omstilling.domain.orgdoc import entity_doc

Entity = Literal["municipality", "unit", "employee", "task", "mailing"]
ENTITY_ORDER: tuple[Entity, ...] = ("municipality", "unit", "task", "employee", "mailing")
ENTITY_RANK = {e: i for i, e in enumerate(ENTITY_ORDER)}


@dataclass(frozen=True)
class Change:
    entity: Entity
    id: str
    action: Literal["added", "changed", "removed"]
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def fields(self) -> list[str]:
        """The keys whose values differ (for a change)."""
        b, a = self.before or {}, self.after or {}
        return sorted(k for k in set(b) | set(a) if b.get(k) != a.get(k))

    def describe(self) -> str:
        if self.action == "changed":
            return f"{self.entity} {self.id}: changed {', '.join(self.fields())}"
        return f"{self.entity} {self.id}: {self.action}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _doc(obj: Any, **place: Any) -> dict[str, Any]:
    doc: dict[str, Any] = _jsonable(entity_doc(obj))
    return {**doc, **place}


def entity_docs(org: Organisation) -> dict[tuple[Entity, str], dict[str, Any]]:
    """Every entity's canonical document, JSON-ready, keyed by (entity, id)."""
    docs: dict[tuple[Entity, str], dict[str, Any]] = {
        ("municipality", "municipality"): _doc(org.municipality),
    }
    for pos, u in enumerate(org.units.values()):
        docs[("unit", u.id)] = _doc(u, position=pos)
        for tpos, tid in enumerate(u.tasks):
            docs[("task", tid)] = _doc(org.tasks[tid], unit=u.id, position=tpos)
        for epos, eid in enumerate(u.employees):
            docs[("employee", eid)] = _doc(org.employees[eid], unit=u.id, position=epos)
    for mpos, m in enumerate(org.mailings.values()):
        docs[("mailing", m.id)] = _doc(m, position=mpos)
    return docs


Key = tuple[Entity, str]
Place = tuple[int, ...]  # where the entity stands in the file, to keep the file's order


class Places:
    """Each entity's place in one organisation (its unit and position), found for the few
    entities a diff looks at rather than for all of them."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.unit_index = {uid: i for i, uid in enumerate(org.units)}
        self._listed: dict[str, tuple[dict[str, int], dict[str, int]]] = {}

    def _lists(self, unit_id: str) -> tuple[dict[str, int], dict[str, int]]:
        found = self._listed.get(unit_id)
        if found is None:
            u = self.org.units[unit_id]
            tasks = {t: i for i, t in enumerate(u.tasks)}
            found = (tasks, {e: i for i, e in enumerate(u.employees)})
            self._listed[unit_id] = found
        return found

    def listing(self, entity: Entity, ident: str, hint: str | None) -> tuple[str, int] | None:
        """(unit id, position) of the task or employee `ident`; `hint` is the unit its object
        names, which lists it in every organisation the file's rules allow."""
        which = 0 if entity == "task" else 1
        if hint in self.org.units:
            pos = self._lists(hint)[which].get(ident)
            if pos is not None:
                return hint, pos
        for uid in self.org.units:  # an entity listed by another unit than its own
            pos = self._lists(uid)[which].get(ident)
            if pos is not None:
                return uid, pos
        return None

    def position(self, entity: Entity, ident: str) -> int:
        """The place of a unit or mailing in the organisation, of the rest in their unit."""
        if entity == "unit":
            return self.unit_index[ident]
        if entity == "mailing":
            return list(self.org.mailings).index(ident)
        found: Any = self.org.tasks if entity == "task" else self.org.employees
        place = self.listing(entity, ident, found[ident].unit)
        if place is None:
            raise KeyError(f"{entity} '{ident}' is listed by no unit")
        return place[1]

    def doc(self, key: Key) -> tuple[dict[str, Any], Place] | None:
        """The entity's document with its place, and the place's sort key; None if absent."""
        entity, ident = key
        org = self.org
        if entity == "municipality":
            return _doc(org.municipality), ()
        if entity == "unit":
            if ident not in org.units:
                return None
            pos = self.unit_index[ident]
            return _doc(org.units[ident], position=pos), (pos,)
        if entity == "mailing":
            if ident not in org.mailings:
                return None
            pos = list(org.mailings).index(ident)
            return _doc(org.mailings[ident], position=pos), (pos,)
        found: Any = org.tasks if entity == "task" else org.employees
        obj = found.get(ident)
        if obj is None:
            return None
        place = self.listing(entity, ident, obj.unit)
        if place is None:
            return None
        unit_id, pos = place
        return _doc(obj, unit=unit_id, position=pos), (self.unit_index[unit_id], pos)


def changed_ids(old: Mapping[str, Any], new: Mapping[str, Any]) -> set[str]:
    """Ids added, removed or whose entity is not equal (the same object is equal at once).

    With the same ids in the same order (an edit of a few entities), the objects are
    compared pairwise at C speed; only those that are not the same object are compared."""
    keys = list(new)
    if keys == list(old):
        maybe = compress(keys, map(is_not, old.values(), new.values()))
        return {k for k in maybe if old[k] != new[k]}
    out = {k for k, v in new.items() if (o := old.get(k)) is not v and o != v}
    out.update(old.keys() - new.keys())
    return out


def _candidates(old: Organisation, new: Organisation) -> set[Key]:
    """The entities whose documents may differ: a document is the entity and its place, and
    a task's or employee's place changes only with the unit that lists it."""
    keys: set[Key] = set()
    if old.municipality is not new.municipality and old.municipality != new.municipality:
        keys.add(("municipality", "municipality"))
    units = changed_ids(old.units, new.units)
    if list(old.units) != list(new.units):  # positions moved: every unit's document
        units |= set(old.units) | set(new.units)
    keys.update(("unit", u) for u in units)
    for org in (old, new):
        for uid in units:
            if uid in org.units:
                keys.update(("task", t) for t in org.units[uid].tasks)
                keys.update(("employee", e) for e in org.units[uid].employees)
    keys.update(("task", t) for t in changed_ids(old.tasks, new.tasks))
    keys.update(("employee", e) for e in changed_ids(old.employees, new.employees))
    mailings = changed_ids(old.mailings, new.mailings)
    if list(old.mailings) != list(new.mailings):
        mailings |= set(old.mailings) | set(new.mailings)
    keys.update(("mailing", m) for m in mailings)
    return keys


def diff(
    old: Organisation | None, new: Organisation, *, only: set[Key] | None = None
) -> list[Change]:
    """What changes from `old` to `new`, in the file's order: added and changed entities
    where `new` has them, then the removed ones where `old` had them.

    Only entities that may differ are documented (an edit replaces a few objects and keeps
    the rest), so one employee's change costs what it touches, not the organisation.
    `only`: the entities that may differ, when the caller knows them already."""
    if old is None:
        added = [Change(k[0], k[1], "added", None, doc) for k, doc in entity_docs(new).items()]
        return sorted(added, key=lambda c: ENTITY_RANK[c.entity])
    before, after = Places(old), Places(new)
    found: list[tuple[tuple[int, int, Place], Change]] = []
    for key in _candidates(old, new) if only is None else only:
        rank = ENTITY_RANK[key[0]]
        prev, now = before.doc(key), after.doc(key)
        if now is not None:
            doc, place = now
            if prev is None:
                found.append(((rank, 0, place), Change(key[0], key[1], "added", None, doc)))
            elif prev[0] != doc:
                found.append(((rank, 0, place), Change(key[0], key[1], "changed", prev[0], doc)))
        elif prev is not None:
            found.append(((rank, 1, prev[1]), Change(key[0], key[1], "removed", prev[0], None)))
    found.sort(key=lambda item: item[0])
    return [change for _, change in found]
