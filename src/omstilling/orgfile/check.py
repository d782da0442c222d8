"""Cross-checks of the organisation file: unique ids, every reference resolved, no cycles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from omstilling.domain.organisation import Mailing, Organisation
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


def check_references(
    v: Validator, org: Organisation, doc: Mapping[str, Any], mailings: list[Mailing]
) -> None:
    """Ids unique per kind, every reference resolved, no parent cycles."""
    units = list(org.units.values())
    unit_paths, (emp_paths, emp_items), (task_paths, task_items) = _paths(doc)
    unique(v, emp_items, "employee")
    unique(v, task_items, "task")
    unique(v, [(m.id, f"mailings[{i}]") for i, m in enumerate(mailings)], "mailing")

    def unknown(path: str, kind: str, ident: str | None, known: Mapping[str, object]) -> None:
        if ident and ident not in known:
            v.err(path, f"unknown {kind} '{ident}'")

    sb = org.municipality.switchboard
    unknown("municipality.switchboard", "unit", sb, org.units)
    queue_owner: dict[str, str] = {}
    for u in units:
        up = unit_paths.get(u.id, "units[?]")
        if u.parent is not None:
            unknown(f"{up}.parent", "unit", u.parent, org.units)
            if u.parent == u.id:
                v.err(f"{up}.parent", f"unit '{u.id}' cannot be its own parent")
        if u.secretary:
            unknown(f"{up}.secretary.employee", "employee", u.secretary.employee, org.employees)
        if u.transfer_only_to and u.transfer_only_to.employee:
            unknown(
                f"{up}.transfer_only_to.employee",
                "employee",
                u.transfer_only_to.employee,
                org.employees,
            )
        unknown(f"{up}.owner", "employee", u.owner, org.employees)
        for q, queue in enumerate(u.queues):
            if queue in queue_owner and queue_owner[queue] != u.id:
                v.err(
                    f"{up}.queues[{q}]",
                    f"queue '{queue}' already belongs to unit '{queue_owner[queue]}'",
                )
            queue_owner.setdefault(queue, u.id)
    check_cycles(v, org, unit_paths)
    for e in org.employees.values():
        ep = emp_paths.get(e.id, "employee")
        for k, task_id in enumerate(e.tasks):
            unknown(f"{ep}.tasks[{k}]", "task", task_id, org.tasks)
    for t in org.tasks.values():
        tp = task_paths.get(t.id, "task")
        d = t.distribution
        if d is None:
            continue
        targets = [(f"{tp}.distribution.rules[{k}]", r.target) for k, r in enumerate(d.rules)]
        if d.default:
            targets.append((f"{tp}.distribution.default", d.default))
        for p, target in targets:
            unknown(f"{p}.employee", "employee", target.employee, org.employees)
            unknown(f"{p}.unit", "unit", target.unit, org.units)
    for i, m in enumerate(mailings):
        unknown(f"mailings[{i}].unit", "unit", m.unit, org.units)
        for k, mailing_task in enumerate(m.tasks):
            unknown(f"mailings[{i}].tasks[{k}]", "task", mailing_task, org.tasks)


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
