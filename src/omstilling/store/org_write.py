"""Writing the organisation: rows from domain objects, changes applied, the audit trail.

Every entity that changed gets its row updated (or inserted, or marked removed)
and its child rows (numbers, keywords, rules, task links) replaced, in an order
the foreign keys accept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, String, bindparam, delete, insert, select, update
from sqlalchemy.sql.schema import Table

from omstilling.domain.calendar_address import CALENDAR_SET
from omstilling.domain.fields import Declared, children, columns
from omstilling.domain.organisation import Employee, Mailing, Municipality, Organisation, Task, Unit
from omstilling.domain.orgdiff import Change, Entity, Places
from omstilling.errors import Invalid
from omstilling.store import models as m


def _t(model: type[m.Base]) -> Table:
    return cast(Table, model.__table__)


UNITS, EMPLOYEES, TASKS, MAILINGS = (
    _t(m.UnitRow),
    _t(m.EmployeeRow),
    _t(m.TaskRow),
    _t(m.MailingRow),
)
NUMBERS, QUEUES = _t(m.UnitNumber), _t(m.UnitQueue)
SECRETARIES, RESTRICTIONS = _t(m.SecretaryRuleRow), _t(m.TransferRestriction)
KEYWORDS, RULES, EMP_TASKS, MAIL_TASKS = (
    _t(m.TaskKeyword),
    _t(m.DistributionRuleRow),
    _t(m.EmployeeTask),
    _t(m.MailingTask),
)
STATE, AUDIT = _t(m.OrgState), _t(m.AuditEntry)


# --- rows from domain objects ----------------------------------------------------------------

# The entities with rows of their own, their tables, and the column that names the owner in
# their child tables (keywords, task links, queues).
ENTITIES: tuple[tuple[Entity, type[Any], Table, str], ...] = (
    ("unit", Unit, UNITS, "unit_id"),
    ("task", Task, TASKS, "task_id"),
    ("employee", Employee, EMPLOYEES, "employee_id"),
    ("mailing", Mailing, MAILINGS, "mailing_id"),
)


def child_table(d: Declared) -> tuple[Table, str]:
    """The table of a list field kept in its own table, and its value column."""
    assert d.spec.child is not None
    name, column = d.spec.child
    return m.Base.metadata.tables[name], column


def declared_row(obj: Any) -> dict[str, Any]:
    """The columns that follow the field declarations, for any entity."""
    return {d.column: getattr(obj, d.name) for d in columns(type(obj))}


def _state_row(mu: Municipality) -> dict[str, Any]:
    return {
        **declared_row(mu),
        "official_hours": mu.hours.official,
        "opening_hours": mu.hours.opening,
        "phone_hours": mu.hours.phone,
    }


def _own_columns(x: Unit | Task | Employee | Mailing) -> dict[str, Any]:
    """The columns of the structured fields, which the declarations leave to the store."""
    if isinstance(x, Unit):
        return {"opening_hours": x.hours.opening, "phone_hours": x.hours.phone}
    if isinstance(x, Task):
        d = x.distribution
        return {
            "refer_name": x.refer_to.name if x.refer_to else None,
            "refer_number": x.refer_to.number if x.refer_to else None,
            "refer_hours": x.refer_to.hours if x.refer_to else None,
            "refer_url": x.refer_to.url if x.refer_to else None,
            "distribution_by": d.by if d else None,
            "default_employee_id": d.default.employee if d and d.default else None,
            "default_unit_id": d.default.unit if d and d.default else None,
        }
    if isinstance(x, Employee):  # never the address: calendar_feeds keeps that
        return {"calendar": CALENDAR_SET if x.calendar else None}
    return {}


def entity_row(x: Unit | Task | Employee | Mailing, pos: int) -> dict[str, Any]:
    return {**declared_row(x), **_own_columns(x), "position": pos, "removed_at": None}


# --- writing -------------------------------------------------------------------------------


def _depth(org: Organisation, unit_id: str) -> int:
    return sum(1 for _ in org.ancestors(unit_id))


class TooLong(Invalid):
    """A text longer than its column: refused before the database sees it (PostgreSQL
    aborted the whole import with a traceback quoting the row), naming each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 10:,} more)" if len(problems) > 10 else ""
        super().__init__("; ".join(problems[:10]) + more + "; nothing was saved")


_KEYS = ("id", "unit_id", "task_id", "employee_id", "mailing_id")


def check_widths(table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Every text of `rows` within its column's width (String(n); Text has none)."""
    widths = {
        c.name: c.type.length
        for c in table.columns
        if isinstance(c.type, String) and c.type.length is not None
    }
    problems = []
    for row in rows:
        for name, width in widths.items():
            value = row.get(name)
            if isinstance(value, str) and len(value) > width:
                who = next((str(row[k])[:100] for k in _KEYS if row.get(k)), "?")
                problems.append(
                    f"{table.name}[{who}].{name}: at most {width} characters, got {len(value):,}"
                )
    if problems:
        raise TooLong(problems)


def _executemany(conn: Connection, stmt: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        check_widths(stmt.table, rows)
        conn.execute(stmt, list(rows))


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert new rows; update rows whose id exists (changed, or removed earlier and back)."""
    if not rows:
        return
    ids = [r["id"] for r in rows]
    existing: set[str] = set()
    for chunk in range(0, len(ids), 500):
        existing.update(
            conn.execute(
                select(table.c.id).where(table.c.id.in_(ids[chunk : chunk + 500]))
            ).scalars()
        )
    _executemany(conn, insert(table), [r for r in rows if r["id"] not in existing])
    check_widths(table, rows)
    updates = [
        {**{f"v_{k}": v for k, v in r.items()}, "k_id": r["id"]}
        for r in rows
        if r["id"] in existing
    ]
    if updates:
        cols = [c for c in rows[0] if c != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("k_id"))
            .values({c: bindparam(f"v_{c}") for c in cols})
        )
        conn.execute(stmt, updates)


def _delete_children(conn: Connection, table: Table, column: str, ids: Iterable[str]) -> None:
    ids = list(ids)
    for chunk in range(0, len(ids), 500):
        conn.execute(delete(table).where(table.c[column].in_(ids[chunk : chunk + 500])))


def _present(org: Organisation, entity: str, ids: Iterable[str]) -> list[Any]:
    by_entity: dict[str, Mapping[str, Any]] = {
        "unit": org.units,
        "task": org.tasks,
        "employee": org.employees,
        "mailing": org.mailings,
    }
    found = by_entity[entity]
    return [found[i] for i in ids if i in found]


def write_changes(
    conn: Connection, org: Organisation, changes: list[Change], now: datetime
) -> None:
    """Apply `changes` (computed against the database's organisation) so it equals `org`."""
    touched: dict[str, set[str]] = defaultdict(set)
    removed: dict[str, list[str]] = defaultdict(list)
    for c in changes:
        if c.action == "removed":
            removed[c.entity].append(c.id)
        touched[c.entity].add(c.id)

    # Children of every touched entity are replaced.
    for entity, cls, _, owner in ENTITIES:
        for d in children(cls):
            _delete_children(conn, child_table(d)[0], owner, touched[entity])
    _delete_children(conn, RULES, "task_id", touched["task"])
    for table in (NUMBERS, SECRETARIES, RESTRICTIONS):
        _delete_children(conn, table, "unit_id", touched["unit"])

    if "municipality" in touched:
        row = _state_row(org.municipality)
        check_widths(STATE, [row])
        if conn.execute(select(STATE.c.id).where(STATE.c.id == 1)).first() is None:
            conn.execute(insert(STATE).values(id=1, revision=0, last_import_revision=0, **row))
        else:
            conn.execute(update(STATE).where(STATE.c.id == 1).values(**row))

    # Parents before children: a unit's parent must exist when the unit is inserted.
    units = sorted(_present(org, "unit", touched["unit"]), key=lambda u: _depth(org, u.id))
    places = Places(org)
    for entity, _, table, _ in ENTITIES:
        present = units if entity == "unit" else _present(org, entity, touched[entity])
        _upsert(conn, table, [entity_row(x, places.position(entity, x.id)) for x in present])

    for entity, table in (
        ("mailing", MAILINGS),
        ("employee", EMPLOYEES),
        ("task", TASKS),
        ("unit", UNITS),
    ):
        ids = removed[entity]
        for chunk in range(0, len(ids), 500):
            conn.execute(
                update(table).where(table.c.id.in_(ids[chunk : chunk + 500])).values(removed_at=now)
            )
    _write_unit_children(conn, units)
    _write_task_rules(conn, _present(org, "task", touched["task"]))
    for entity, cls, _, owner in ENTITIES:
        for d in children(cls):
            _write_list(conn, d, owner, _present(org, entity, touched[entity]))


def _list_rows(d: Declared, owner: str, entities: list[Any]) -> list[dict[str, Any]]:
    """A declared list's rows, one per value, in order."""
    column = child_table(d)[1]
    return [
        {owner: x.id, "position": i, column: value}
        for x in entities
        for i, value in enumerate(getattr(x, d.name))
    ]


def _write_list(conn: Connection, d: Declared, owner: str, entities: list[Any]) -> None:
    table, column = child_table(d)
    rows = _list_rows(d, owner, entities)
    if table.c[column].primary_key:
        # A value that belongs to one owner only (a queue) may move: free it first.
        _delete_children(conn, table, column, [r[column] for r in rows])
    _executemany(conn, insert(table), rows)


def _write_unit_children(conn: Connection, units: list[Unit]) -> None:
    for table, rows in _unit_child_rows(units):
        _executemany(conn, insert(table), rows)


def _unit_child_rows(units: list[Unit]) -> list[tuple[Table, list[dict[str, Any]]]]:
    numbers: list[dict[str, Any]] = []
    secs: list[dict[str, Any]] = []
    restr: list[dict[str, Any]] = []
    for u in units:
        numbers += [
            {"unit_id": u.id, "position": i, "number": n.e164, "label": n.label}
            for i, n in enumerate(u.numbers)
        ]
        if u.secretary:
            secs.append(
                {
                    "unit_id": u.id,
                    "employee_id": u.secretary.employee,
                    "when_text": u.secretary.when,
                    "roles": list(u.secretary.roles),
                }
            )
        if u.transfer_only_to:
            restr.append(
                {
                    "unit_id": u.id,
                    "employee_id": u.transfer_only_to.employee,
                    "number": u.transfer_only_to.number,
                }
            )
    return [(NUMBERS, numbers), (SECRETARIES, secs), (RESTRICTIONS, restr)]


def _task_rule_rows(tasks: list[Task]) -> list[dict[str, Any]]:
    return [
        {
            "task_id": t.id,
            "position": i,
            "match": r.match,
            "employee_id": r.target.employee,
            "unit_id": r.target.unit,
        }
        for t in tasks
        if t.distribution
        for i, r in enumerate(t.distribution.rules)
    ]


def _write_task_rules(conn: Connection, tasks: list[Task]) -> None:
    _executemany(conn, insert(RULES), _task_rule_rows(tasks))


def check_organisation_widths(org: Organisation) -> None:
    """Every text of the whole organisation within its column, as an import would write it,
    without a database (`omstilling validate`): TooLong naming each one."""
    units = list(org.units.values())
    batches: list[tuple[Table, list[dict[str, Any]]]] = [(STATE, [_state_row(org.municipality)])]
    lists: dict[str, list[Any]] = {
        "unit": units,
        "task": list(org.tasks.values()),
        "employee": list(org.employees.values()),
        "mailing": list(org.mailings.values()),
    }
    for entity, cls, table, owner in ENTITIES:
        batches.append((table, [entity_row(x, i) for i, x in enumerate(lists[entity])]))
        batches += [(child_table(d)[0], _list_rows(d, owner, lists[entity])) for d in children(cls)]
    batches += _unit_child_rows(units)
    batches.append((RULES, _task_rule_rows(lists["task"])))
    problems: list[str] = []
    for table, rows in batches:
        try:
            check_widths(table, rows)
        except TooLong as exc:
            problems += exc.problems
    if problems:
        raise TooLong(problems)


def audit(
    conn: Connection,
    changes: list[Change],
    *,
    actor: str,
    source: str,
    revision: int,
    now: datetime,
) -> None:
    _executemany(
        conn,
        insert(AUDIT),
        [
            {
                "at": now,
                "actor": actor,
                "source": source,
                "revision": revision,
                "entity": c.entity,
                "entity_id": c.id,
                "action": c.action,
                "before": c.before,
                "after": c.after,
            }
            for c in changes
        ],
    )
