"""A snapshot brought up to a newer revision from what changed (issue 13 item 3).

Every write of the organisation leaves its audit rows under the revision it made
(`store.organisation`: imports and edits alike). To go from the snapshot's revision
to the stored one, the audit trail names the entities that changed; only they, and
the units that list them, are read again and put into the snapshot, which shares
everything else. When the trail cannot tell (a revision without audit rows, a
removed audit row, an import of thousands of entities), `patch` answers None and
the caller loads the whole organisation, as before.

The result equals a fresh load: `tests/store/test_org_patch.py` compares the two
after random edits.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.sql.schema import Table

from omstilling.domain.organisation import (
    Employee,
    Mailing,
    Number,
    Organisation,
    Task,
    Unit,
)
from omstilling.store.org_write import (
    AUDIT,
    EMPLOYEES,
    MAILINGS,
    NUMBERS,
    RESTRICTIONS,
    RULES,
    SECRETARIES,
    STATE,
    TASKS,
    UNITS,
)
from omstilling.store.organisation import (
    chunked,
    declared_lists,
    municipality_of,
    task_of,
    unit_of,
    with_lists,
)

Changed = dict[str, set[str]]  # ids by entity: municipality, unit, task, employee, mailing

MAX_PATCHED = 2_000  # entities; a larger change is loaded whole (on the builder's thread)


def changed_since(conn: Connection, revision: int, to: int) -> Changed | None:
    """The ids per entity changed after `revision` up to `to`, from the audit trail; None
    when the trail does not account for every revision in between or names too many."""
    if to <= revision:
        return {}
    if to - revision > MAX_PATCHED:
        return None
    rows = conn.execute(
        select(AUDIT.c.revision, AUDIT.c.entity, AUDIT.c.entity_id)
        .where(AUDIT.c.revision > revision, AUDIT.c.revision <= to)
        .limit(MAX_PATCHED + 1)
    ).all()
    if len(rows) > MAX_PATCHED or {r.revision for r in rows} != set(range(revision + 1, to + 1)):
        return None
    out: Changed = defaultdict(set)
    for r in rows:
        out[r.entity].add(r.entity_id)
    return dict(out)


def patch(conn: Connection, org: Organisation) -> tuple[Organisation, Changed] | None:
    """`org` brought to the stored revision from what changed, and what changed; None
    when it cannot be (load the whole organisation instead). `org` is left as it is."""
    if org.revision is None:
        return None
    st = conn.execute(select(STATE).where(STATE.c.id == 1)).first()
    if st is None:
        return None
    changed = changed_since(conn, org.revision, st.revision)
    if changed is None:
        return None
    if not changed:
        return org, changed
    tasks = _load(conn, TASKS, changed.get("task", set()), _task_of(conn))
    employees = _load(conn, EMPLOYEES, changed.get("employee", set()), _employee_of(conn))
    mailings = _load(conn, MAILINGS, changed.get("mailing", set()), _mailing_of(conn))
    # The units whose own fields changed, and those that list a changed task or employee
    # (before or after): their lists of tasks and employees are read again.
    affected = set(changed.get("unit", set()))
    for found, current in ((tasks, org.tasks), (employees, org.employees)):
        for ident, new in found.items():
            old = current.get(ident)
            affected.update(x.unit for x in (old, new) if x is not None)
    # A unit read again as it was stays the same object (the units are then shared).
    units = {k: u for k, u in _units(conn, affected).items() if u is None or org.units.get(k) != u}
    municipality = municipality_of(st) if "municipality" in changed else None
    patched = org.replaced(
        municipality=municipality,
        units=units,
        tasks=tasks,
        employees=employees,
        mailings=mailings,
    )
    patched.revision = st.revision
    return _in_stored_order(conn, patched, bool(units), bool(mailings)), changed


def _rows(conn: Connection, table: Table, ids: set[str]) -> dict[str, Any]:
    """The rows of `ids` still in the organisation, by id."""
    out: dict[str, Any] = {}
    for chunk in chunked(ids):
        query = select(table).where(table.c.id.in_(chunk), table.c.removed_at.is_(None))
        out.update((r.id, r) for r in conn.execute(query))
    return out


Build = Any  # (conn, rows by id) -> objects by id


def _load(conn: Connection, table: Table, ids: set[str], build: Build) -> dict[str, Any]:
    """Each id's entity as stored now, or None when it is gone."""
    if not ids:
        return {}
    rows = _rows(conn, table, ids)
    built: dict[str, Any] = build(rows)
    return {i: built.get(i) for i in ids}


def _task_of(conn: Connection) -> Build:
    def build(rows: dict[str, Any]) -> dict[str, Task]:
        lists = declared_lists(conn, Task, set(rows))
        rules: dict[str, list[Any]] = defaultdict(list)
        for chunk in chunked(rows):
            query = select(RULES).where(RULES.c.task_id.in_(chunk)).order_by(RULES.c.position)
            for r in conn.execute(query):
                rules[r.task_id].append(r)
        return {i: task_of(r, lists, rules) for i, r in rows.items()}

    return build


def _employee_of(conn: Connection) -> Build:
    def build(rows: dict[str, Any]) -> dict[str, Employee]:
        lists = declared_lists(conn, Employee, set(rows))
        return {i: Employee(**with_lists(Employee, r, lists)) for i, r in rows.items()}

    return build


def _mailing_of(conn: Connection) -> Build:
    def build(rows: dict[str, Any]) -> dict[str, Mailing]:
        lists = declared_lists(conn, Mailing, set(rows))
        return {i: Mailing(**with_lists(Mailing, r, lists)) for i, r in rows.items()}

    return build


def _listed(conn: Connection, table: Table, unit_ids: list[str]) -> dict[str, tuple[str, ...]]:
    query = (
        select(table.c.unit_id, table.c.id)
        .where(table.c.unit_id.in_(unit_ids), table.c.removed_at.is_(None))
        .order_by(table.c.unit_id, table.c.position)
    )
    grouped: dict[str, list[str]] = defaultdict(list)
    for unit_id, ident in conn.execute(query):
        grouped[unit_id].append(ident)
    return {k: tuple(v) for k, v in grouped.items()}


def _units(conn: Connection, ids: set[str]) -> dict[str, Unit | None]:
    """The units `ids` as stored now, with their numbers, rules and lists; None if gone."""
    out: dict[str, Unit | None] = dict.fromkeys(ids)
    rows = _rows(conn, UNITS, ids)
    lists = declared_lists(conn, Unit, set(rows))
    for chunk in chunked(rows):
        numbers: dict[str, list[Number]] = defaultdict(list)
        query = select(NUMBERS).where(NUMBERS.c.unit_id.in_(chunk))
        for n in conn.execute(query.order_by(NUMBERS.c.unit_id, NUMBERS.c.position)):
            numbers[n.unit_id].append(Number(n.number, n.label))
        secretaries = {
            r.unit_id: r
            for r in conn.execute(select(SECRETARIES).where(SECRETARIES.c.unit_id.in_(chunk)))
        }
        restrictions = {
            r.unit_id: r
            for r in conn.execute(select(RESTRICTIONS).where(RESTRICTIONS.c.unit_id.in_(chunk)))
        }
        tasks, employees = _listed(conn, TASKS, chunk), _listed(conn, EMPLOYEES, chunk)
        for uid in chunk:
            r = rows[uid]
            sec, res = secretaries.get(uid), restrictions.get(uid)
            listed = (tasks.get(uid, ()), employees.get(uid, ()))
            own = with_lists(Unit, r, lists)
            out[uid] = unit_of(own, r, numbers.get(uid, []), sec, res, listed)
    return out


def _in_stored_order(
    conn: Connection, org: Organisation, units: bool, mailings: bool
) -> Organisation:
    """The units and mailings in their stored order (a new one is not always the last)."""
    unit_order = _order(conn, UNITS) if units else list(org.units)
    mailing_order = _order(conn, MAILINGS) if mailings else list(org.mailings)
    if unit_order == list(org.units) and mailing_order == list(org.mailings):
        return org
    return Organisation(
        org.municipality,
        [org.units[u] for u in unit_order],
        list(org.employees.values()),
        list(org.tasks.values()),
        [org.mailings[m] for m in mailing_order],
        revision=org.revision,
    )


def _order(conn: Connection, table: Table) -> list[str]:
    query = select(table.c.id).where(table.c.removed_at.is_(None)).order_by(table.c.position)
    return list(conn.execute(query).scalars())
