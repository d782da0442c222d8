"""The directory sync's state in the database: its runs, its flags, the people who left.

Every function takes the connection of the sync's one transaction (`sync.apply`), so a
run is written whole or not at all, except `record_run` of a run that changed nothing
(an error, a refusal, a dry run), which has a transaction of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.sql.schema import Table

from omstilling.clock import utc
from omstilling.domain.callbacks import OPEN_STATUSES
from omstilling.domain.organisation import Employee
from omstilling.store.message_models import MessageEvent, MessageRow
from omstilling.store.org_write import EMP_TASKS, EMPLOYEES
from omstilling.store.organisation import _declared
from omstilling.store.sync_models import SyncFlagRow, SyncRunRow

RUNS = cast(Table, SyncRunRow.__table__)
FLAGS = cast(Table, SyncFlagRow.__table__)
MESSAGES = cast(Table, MessageRow.__table__)
EVENTS = cast(Table, MessageEvent.__table__)


def departed(conn: Connection, source: str) -> dict[str, Employee]:
    """This source's people who left earlier (removed rows), by external id, so one who
    comes back gets her id, and so her history, again."""
    rows = conn.execute(
        select(EMPLOYEES).where(
            EMPLOYEES.c.removed_at.is_not(None),
            EMPLOYEES.c.source == source,
            EMPLOYEES.c.external_id.is_not(None),
        )
    ).all()
    tasks: dict[str, list[str]] = defaultdict(list)
    ids = [r.id for r in rows]
    for chunk in range(0, len(ids), 500):
        q = select(EMP_TASKS.c.employee_id, EMP_TASKS.c.task_id).where(
            EMP_TASKS.c.employee_id.in_(ids[chunk : chunk + 500])
        )
        for eid, tid in conn.execute(q.order_by(EMP_TASKS.c.position)):
            tasks[eid].append(tid)
    return {
        r.external_id: Employee(**_declared(Employee, r), tasks=tuple(tasks.get(r.id, ())))
        for r in rows
    }


def taken_ids(conn: Connection) -> set[str]:
    """Every employee id ever stored (a removed one too): a new person never reuses one."""
    return set(conn.execute(select(EMPLOYEES.c.id)).scalars())


def messages_to_units(conn: Connection, left: dict[str, str], *, actor: str, now: datetime) -> int:
    """R3.6: the open messages of people who left go to their unit (anyone there answers);
    the message's history says so. Returns how many moved."""
    moved = 0
    for employee_id, unit_id in left.items():
        ids = list(
            conn.execute(
                select(MESSAGES.c.id).where(
                    MESSAGES.c.employee_id == employee_id, MESSAGES.c.status.in_(OPEN_STATUSES)
                )
            ).scalars()
        )
        if not ids:
            continue
        conn.execute(
            update(MESSAGES)
            .where(MESSAGES.c.id.in_(ids))
            .values(employee_id=None, unit_id=unit_id, updated_at=utc(now))
        )
        conn.execute(
            insert(EVENTS),
            [
                {
                    "message_id": i,
                    "at": utc(now),
                    "actor": actor,
                    "action": "to_unit",
                    "detail": f"{employee_id} er fratrådt; beskeden går til enheden {unit_id}",
                }
                for i in ids
            ],
        )
        moved += len(ids)
    return moved


def add_flags(conn: Connection, flags: Iterable[Any], *, sync: str, now: datetime) -> None:
    rows = [
        {
            "unit_id": f.unit_id,
            "employee_id": f.employee_id,
            "what": f.what,
            "sync": sync,
            "created_at": utc(now),
        }
        for f in flags
    ]
    if rows:
        conn.execute(insert(FLAGS), rows)


def open_flags(engine: Engine, unit_ids: Iterable[str] | None = None) -> list[Any]:
    """Rules rewritten after someone left, not yet decided on (oldest first)."""
    q = select(FLAGS).where(FLAGS.c.cleared_at.is_(None)).order_by(FLAGS.c.id)
    if unit_ids is not None:
        q = q.where(FLAGS.c.unit_id.in_(list(unit_ids)))
    with engine.connect() as conn:
        return list(conn.execute(q).all())


def clear_flag(engine: Engine, flag_id: int, unit_id: str, *, actor: str, now: datetime) -> bool:
    """Someone decided: the flag is cleared (kept for history). False when no open flag."""
    with engine.begin() as conn:
        done = conn.execute(
            update(FLAGS)
            .where(FLAGS.c.id == flag_id, FLAGS.c.unit_id == unit_id, FLAGS.c.cleared_at.is_(None))
            .values(cleared_at=utc(now), cleared_by=actor)
        )
        return bool(done.rowcount)


def record_run(conn: Connection, row: dict[str, Any]) -> int:
    """One run as the admin page shows it; returns its id."""
    key = conn.execute(insert(RUNS).values(**row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def last_runs(engine: Engine, limit: int = 20) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(RUNS).order_by(RUNS.c.id.desc()).limit(limit)).all())


def get_run(engine: Engine, run_id: int) -> Any | None:
    with engine.connect() as conn:
        return conn.execute(select(RUNS).where(RUNS.c.id == run_id)).first()
