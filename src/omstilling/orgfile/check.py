"""Cross-checks of the organisation file: unique ids, every reference resolved, no cycles."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

from omstilling.domain.organisation import Employee, Mailing, Organisation, Task, Unit
from omstilling.orgfile.fields import Validator


def unique(v: Validator, items: list[tuple[str, str]], kind: str) -> None:
    first: dict[str, str] = {}
    for ident, path in items:
        if ident.startswith("?"):
            continue
        if ident in first:
            v.err(f"{path}.id", f"duplicate {kind} id '{ident}' (first at {first[ident]})")
        else:
            first[ident] = path


Paths = tuple[dict[str, str], list[tuple[str, str]]]


def _paths(doc: Mapping[str, Any]) -> tuple[dict[str, str], Paths, Paths]:
    """Where each unit, employee and task stands in the file, to name it in a message."""
    raw_units = doc.get("units") if isinstance(doc.get("units"), list) else []
    unit_paths: dict[str, str] = {}
    found: dict[str, Paths] = {"employees": ({}, []), "tasks": ({}, [])}
    for i, raw in enumerate(cast("list[Any]", raw_units)):
        if not isinstance(raw, dict):
            continue
        uid = raw.get("id")
        if isinstance(uid, str):
            unit_paths.setdefault(uid, f"units[{i}]")
        for key, (paths, items) in found.items():
            entries = raw.get(key)
            if isinstance(entries, list):
                for j, entry in enumerate(entries):
                    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                        p = f"units[{i}].{key}[{j}]"
                        paths.setdefault(entry["id"], p)
                        items.append((entry["id"], p))
    return unit_paths, found["employees"], found["tasks"]


Reference = tuple[str, str, str | None]  # (path below the entity, kind named, id)


def unit_references(u: Unit) -> Iterator[Reference]:
    yield ".parent", "unit", u.parent
    if u.secretary:
        yield ".secretary.employee", "employee", u.secretary.employee
    if u.transfer_only_to and u.transfer_only_to.employee:
        yield ".transfer_only_to.employee", "employee", u.transfer_only_to.employee
    yield ".owner", "employee", u.owner


def task_references(t: Task) -> Iterator[Reference]:
    d = t.distribution
    if d is None:
        return
    targets = [(f".distribution.rules[{k}]", r.target) for k, r in enumerate(d.rules)]
    if d.default:
        targets.append((".distribution.default", d.default))
    for p, target in targets:
        yield f"{p}.employee", "employee", target.employee
        yield f"{p}.unit", "unit", target.unit


def employee_references(e: Employee) -> Iterator[Reference]:
    for k, task_id in enumerate(e.tasks):
        yield f".tasks[{k}]", "task", task_id


def mailing_references(m: Mailing) -> Iterator[Reference]:
    yield ".unit", "unit", m.unit
    for k, task_id in enumerate(m.tasks):
        yield f".tasks[{k}]", "task", task_id


def resolve(v: Validator, org: Organisation, path: str, refs: Iterable[Reference]) -> None:
    """Each reference names an entity of `org`."""
    known: dict[str, Mapping[str, object]] = {
        "unit": org.units,
        "employee": org.employees,
        "task": org.tasks,
    }
    for sub, kind, ident in refs:
        if ident and ident not in known[kind]:
            v.err(f"{path}{sub}", f"unknown {kind} '{ident}'")


def own_parent(v: Validator, u: Unit, path: str) -> None:
    if u.parent is not None and u.parent == u.id:
        v.err(f"{path}.parent", f"unit '{u.id}' cannot be its own parent")


def queue_clash(v: Validator, u: Unit, path: str, owner: dict[str, str]) -> None:
    """A queue belongs to one unit; `owner` maps the queues seen so far to their unit."""
    for q, queue in enumerate(u.queues):
        if queue in owner and owner[queue] != u.id:
            v.err(
                f"{path}.queues[{q}]", f"queue '{queue}' already belongs to unit '{owner[queue]}'"
            )
        owner.setdefault(queue, u.id)


def check_references(
    v: Validator, org: Organisation, doc: Mapping[str, Any], mailings: list[Mailing]
) -> None:
    """Ids unique per kind, every reference resolved, no parent cycles."""
    unit_paths, (emp_paths, emp_items), (task_paths, task_items) = _paths(doc)
    unique(v, emp_items, "employee")
    unique(v, task_items, "task")
    unique(v, [(m.id, f"mailings[{i}]") for i, m in enumerate(mailings)], "mailing")
    sb = org.municipality.switchboard
    resolve(v, org, "municipality", [(".switchboard", "unit", sb)])
    queue_owner: dict[str, str] = {}
    for u in org.units.values():
        up = unit_paths.get(u.id, "units[?]")
        resolve(v, org, up, unit_references(u))
        own_parent(v, u, up)
        queue_clash(v, u, up, queue_owner)
    check_cycles(v, org, unit_paths)
    for e in org.employees.values():
        resolve(v, org, emp_paths.get(e.id, "employee"), employee_references(e))
    for t in org.tasks.values():
        resolve(v, org, task_paths.get(t.id, "task"), task_references(t))
    for i, m in enumerate(mailings):
        resolve(v, org, f"mailings[{i}]", mailing_references(m))


def check_cycles(v: Validator, org: Organisation, unit_paths: Mapping[str, str]) -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in org.units:
        chain: list[str] = []
        current: str | None = start
        while current is not None and current in org.units and state.get(current) != 2:
            if state.get(current) == 1:
                cycle = [*chain[chain.index(current) :], current]
                v.err(
                    f"{unit_paths.get(current, 'units')}.parent",
                    "parent cycle: " + " -> ".join(cycle),
                )
                break
            state[current] = 1
            chain.append(current)
            current = org.units[current].parent
        for uid in chain:
            state[uid] = 2
