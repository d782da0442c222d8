"""Writing the organisation: rows from domain objects, changes applied, the audit trail.

Every entity that changed gets its row updated (or inserted, or marked removed)
and its child rows (numbers, keywords, rules, task links) replaced, in an order
the foreign keys accept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.sql.schema import Table

from omstilling.domain.organisation import Employee, Mailing, Municipality, Organisation, Task, Unit
from omstilling.orgfile.diff import Change
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


def _state_row(mu: Municipality) -> dict[str, Any]:
    return {
        "name": mu.name,
        "timezone": mu.timezone,
        "country": mu.country,
        "main_number": mu.main_number,
        "website": mu.website,
        "switchboard": mu.switchboard,
        "official_hours": mu.hours.official,
        "opening_hours": mu.hours.opening,
        "phone_hours": mu.hours.phone,
        "closed": mu.closed,
    }


def _unit_row(u: Unit, pos: int) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "kind": u.kind,
        "parent_id": u.parent,
        "description": u.description,
        "address": u.address,
        "opening_hours": u.hours.opening,
        "phone_hours": u.hours.phone,
        "sensitive": u.sensitive,
        "owner_id": u.owner,
        "reviewed": u.reviewed,
        "external_id": u.external_id,
        "position": pos,
        "removed_at": None,
    }


def _task_row(t: Task, pos: int) -> dict[str, Any]:
    d = t.distribution
    return {
        "id": t.id,
        "unit_id": t.unit,
        "name": t.name,
        "kle": t.kle,
        "handled_by_switchboard": t.handled_by_switchboard,
        "answer": t.answer,
        "refer_name": t.refer_to.name if t.refer_to else None,
        "refer_number": t.refer_to.number if t.refer_to else None,
        "distribution_by": d.by if d else None,
        "default_employee_id": d.default.employee if d and d.default else None,
        "default_unit_id": d.default.unit if d and d.default else None,
        "position": pos,
        "removed_at": None,
    }


def _employee_row(e: Employee, pos: int) -> dict[str, Any]:
    return {
        "id": e.id,
        "unit_id": e.unit,
        "name": e.name,
        "title": e.title,
        "role": e.role,
        "phone": e.phone,
        "public": e.public,
        "extension": e.extension,
        "mobile": e.mobile,
        "email": e.email,
        "login": e.login,
        "external_id": e.external_id,
        "works": e.works,
        "main_tasks": e.main_tasks,
        "position": pos,
        "removed_at": None,
    }


def _mailing_row(x: Mailing, pos: int) -> dict[str, Any]:
    return {
        "id": x.id,
        "unit_id": x.unit,
        "title": x.title,
        "sent": x.sent,
        "calls_expected_until": x.calls_expected_until,
        "expected_calls": x.expected_calls,
        "answer": x.answer,
        "staffed": x.staffed,
        "position": pos,
        "removed_at": None,
    }


# --- writing -------------------------------------------------------------------------------


def _depth(org: Organisation, unit_id: str) -> int:
    return sum(1 for _ in org.ancestors(unit_id))


def _executemany(conn: Connection, stmt: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
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
    _delete_children(conn, EMP_TASKS, "employee_id", touched["employee"])
    _delete_children(conn, MAIL_TASKS, "mailing_id", touched["mailing"])
    _delete_children(conn, KEYWORDS, "task_id", touched["task"])
    _delete_children(conn, RULES, "task_id", touched["task"])
    for table in (NUMBERS, QUEUES, SECRETARIES, RESTRICTIONS):
        _delete_children(conn, table, "unit_id", touched["unit"])

    if "municipality" in touched:
        row = _state_row(org.municipality)
        if conn.execute(select(STATE.c.id).where(STATE.c.id == 1)).first() is None:
            conn.execute(insert(STATE).values(id=1, revision=0, last_import_revision=0, **row))
        else:
            conn.execute(update(STATE).where(STATE.c.id == 1).values(**row))

    positions = {uid: i for i, uid in enumerate(org.units)}
    unit_ids = sorted(
        (i for i in touched["unit"] if i in org.units), key=lambda uid: _depth(org, uid)
    )
    _upsert(conn, UNITS, [_unit_row(org.units[uid], positions[uid]) for uid in unit_ids])
    task_pos = {t: i for u in org.units.values() for i, t in enumerate(u.tasks)}
    _upsert(
        conn,
        TASKS,
        [_task_row(org.tasks[t], task_pos[t]) for t in touched["task"] if t in org.tasks],
    )
    emp_pos = {e: i for u in org.units.values() for i, e in enumerate(u.employees)}
    _upsert(
        conn,
        EMPLOYEES,
        [
            _employee_row(org.employees[e], emp_pos[e])
            for e in touched["employee"]
            if e in org.employees
        ],
    )
    mail_pos = {x: i for i, x in enumerate(org.mailings)}
    _upsert(
        conn,
        MAILINGS,
        [
            _mailing_row(org.mailings[x], mail_pos[x])
            for x in touched["mailing"]
            if x in org.mailings
        ],
    )

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

    numbers: list[dict[str, Any]] = []
    queues: list[dict[str, Any]] = []
    secs: list[dict[str, Any]] = []
    restr: list[dict[str, Any]] = []
    for uid in unit_ids:
        u = org.units[uid]
        numbers += [
            {"unit_id": uid, "position": i, "number": n.e164, "label": n.label}
            for i, n in enumerate(u.numbers)
        ]
        queues += [{"unit_id": uid, "position": i, "queue": q} for i, q in enumerate(u.queues)]
        if u.secretary:
            secs.append(
                {
                    "unit_id": uid,
                    "employee_id": u.secretary.employee,
                    "when_text": u.secretary.when,
                    "roles": list(u.secretary.roles),
                }
            )
        if u.transfer_only_to:
            restr.append(
                {
                    "unit_id": uid,
                    "employee_id": u.transfer_only_to.employee,
                    "number": u.transfer_only_to.number,
                }
            )
    # A queue may move from one unit to another: free it first.
    _delete_children(conn, QUEUES, "queue", [q["queue"] for q in queues])
    for table, rows in (
        (NUMBERS, numbers),
        (QUEUES, queues),
        (SECRETARIES, secs),
        (RESTRICTIONS, restr),
    ):
        _executemany(conn, insert(table), rows)

    kws, rules = [], []
    for tid in touched["task"]:
        t = org.tasks.get(tid)
        if t is None:
            continue
        kws += [{"task_id": tid, "position": i, "keyword": k} for i, k in enumerate(t.keywords)]
        if t.distribution:
            rules += [
                {
                    "task_id": tid,
                    "position": i,
                    "match": r.match,
                    "employee_id": r.target.employee,
                    "unit_id": r.target.unit,
                }
                for i, r in enumerate(t.distribution.rules)
            ]
    _executemany(conn, insert(KEYWORDS), kws)
    _executemany(conn, insert(RULES), rules)
    _executemany(
        conn,
        insert(EMP_TASKS),
        [
            {"employee_id": e, "position": i, "task_id": t}
            for e in touched["employee"]
            if e in org.employees
            for i, t in enumerate(org.employees[e].tasks)
        ],
    )
    _executemany(
        conn,
        insert(MAIL_TASKS),
        [
            {"mailing_id": x, "position": i, "task_id": t}
            for x in touched["mailing"]
            if x in org.mailings
            for i, t in enumerate(org.mailings[x].tasks)
        ],
    )


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
