"""What the index holds of each task, unit and employee, and where it ranks.

An entity's rank packs its kind and its place among its kind in the ranking order
(folded name, then id): `kind << KIND_BITS | slot`. Slots are spread out, so that an
entity added later (an edit) gets a slot between its neighbours and the index is
updated in place of being rebuilt (`domain.search.update`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from omstilling.domain.organisation import Employee, Organisation, Task, Unit
from omstilling.domain.search.ranking import EIDX_BITS, F

KIND_BITS = EIDX_BITS - 2  # three kinds, each with 2**24 slots
KIND_SPACE = 1 << KIND_BITS
MAX_GAP = 1 << 12  # slots between neighbours at build time, at most


@dataclass(frozen=True, slots=True)
class Entity:
    kind: int  # index into KINDS
    id: str
    name: str
    unit: str


# (kind, folded name, id, name, unit, [(field code, text)], numbers): one searchable thing
Raw = tuple[int, str, str, str, str, list[tuple[int, str]], list[str]]


def task_entry(t: Task, fold: Callable[[str], str]) -> Raw:
    fields = [(F["name"], t.name)]
    fields += [(F["keywords"], k) for k in t.keywords]
    if t.kle:
        fields.append((F["kle"], t.kle))
    return (0, fold(t.name), t.id, t.name, t.unit, fields, [])


def unit_entry(u: Unit, fold: Callable[[str], str]) -> Raw:
    fields = [(F["name"], u.name)]
    if u.description:
        fields.append((F["description"], u.description))
    if u.address:
        fields.append((F["address"], u.address))
    return (1, fold(u.name), u.id, u.name, u.id, fields, [n.e164 for n in u.numbers])


def employee_entry(e: Employee, fold: Callable[[str], str]) -> Raw:
    fields = [(F["name"], e.name)]
    if e.title:
        fields.append((F["title"], e.title))
    if e.main_tasks:
        fields.append((F["main_tasks"], e.main_tasks))
    # mobiles are internal only and never searchable
    return (2, fold(e.name), e.id, e.name, e.unit, fields, [n for n in (e.phone, e.extension) if n])


def entry(org: Organisation, kind: int, ident: str, fold: Callable[[str], str]) -> Raw | None:
    """The entry of one entity of `org`, or None when it has none."""
    if kind == 0:
        t = org.tasks.get(ident)
        return task_entry(t, fold) if t else None
    if kind == 1:
        u = org.units.get(ident)
        return unit_entry(u, fold) if u else None
    e = org.employees.get(ident)
    return employee_entry(e, fold) if e else None


def entries(org: Organisation, fold: Callable[[str], str]) -> list[Raw]:
    """Every task, unit and employee with its searchable fields, in ranking order
    (kind, folded name, id): the order the postings' entity ranks follow."""
    raw = [task_entry(t, fold) for t in org.tasks.values()]
    raw += [unit_entry(u, fold) for u in org.units.values()]
    raw += [employee_entry(e, fold) for e in org.employees.values()]
    raw.sort(key=lambda r: (r[0], r[1], r[2]))
    return raw


def spread(kind: int, count: int) -> Callable[[int], int]:
    """The rank of the i-th entity of `kind` among `count`, with room between them."""
    gap = max(1, min(MAX_GAP, KIND_SPACE // (count + 1)))
    base = kind << KIND_BITS
    return lambda i: base + (i + 1) * gap


def kind_of(rank: int) -> int:
    return rank >> KIND_BITS
