"""Codes from calendars in the absences table (issue 15): what a poll writes, and what not.

A code from a calendar is an absence row with `source = "calendar"` and `event` = the key
of its occurrence. Each successful poll makes the employee's calendar codes in its window
agree with the feed: a new occurrence is inserted, a moved or changed one updated, a
gone one deleted (not begun yet) or ended now (running). It never touches a code a person
set (the domain lets those win for their period), and a calendar code that a person
ended (`cleared_at`: "I am back early", or a code of her own set over it) stays ended: its
occurrence is not brought back by the next poll. A feed that fails writes nothing, so
its last known codes stay until they end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update
from sqlalchemy.sql.schema import Table

from omstilling.clock import utc
from omstilling.domain.calendar_rules import CalendarCode
from omstilling.domain.presence import CALENDAR
from omstilling.store.models import AbsenceRow
from omstilling.store.presence import moved_on, writing

ABSENCES = cast(Table, AbsenceRow.__table__)
ACTOR = "kalender"


def sync_codes(
    conn: Connection,
    employee_id: str,
    codes: Sequence[CalendarCode],
    *,
    window: tuple[datetime, datetime],
    now: datetime,
) -> int:
    """Make the employee's calendar codes within `window` (the poll's: from, until) equal
    `codes`; how many rows changed. The caller commits (and moves presence on)."""
    since, horizon = utc(window[0]), utc(window[1])
    now = utc(now)
    rows = conn.execute(
        select(ABSENCES).where(
            AbsenceRow.employee_id == employee_id,
            AbsenceRow.source == CALENDAR,
            or_(AbsenceRow.until.is_(None), AbsenceRow.until > since),
        )
    ).all()
    dismissed = {r.event for r in rows if r.cleared_at is not None}
    live = {r.event: r for r in rows if r.cleared_at is None}
    wanted = {c.key: c for c in codes}
    changed = 0
    for key, row in live.items():
        start, until = utc(row.starts_at), utc(row.until) if row.until else None
        code = wanted.get(key)
        if code is None:
            if start >= horizon:
                continue  # beyond this poll's window: not its to judge
            if start > now:
                conn.execute(delete(ABSENCES).where(AbsenceRow.id == row.id))
            elif until is None or until > now:
                conn.execute(update(ABSENCES).where(AbsenceRow.id == row.id).values(until=now))
            else:
                continue  # history
            changed += 1
        elif (row.code, start, until) != (code.code, utc(code.start), utc(code.until)):
            conn.execute(
                update(ABSENCES)
                .where(AbsenceRow.id == row.id)
                .values(code=code.code, starts_at=utc(code.start), until=utc(code.until))
            )
            changed += 1
    new = [
        {
            "employee_id": employee_id,
            "code": c.code,
            "starts_at": utc(c.start),
            "until": utc(c.until),
            "note": "",
            "created_at": now,
            "created_by": ACTOR,
            "source": CALENDAR,
            "event": key,
        }
        for key, c in wanted.items()
        if key not in live and key not in dismissed and utc(c.until) > now
    ]
    if new:
        conn.execute(insert(ABSENCES), new)
    return changed + len(new)


def end_calendar_codes(conn: Connection, employee_ids: Iterable[str], *, now: datetime) -> int:
    """A feed removed or given a new address: its codes end now (later ones go); how many
    codes. The caller commits and then tells this process (`notify.written`)."""
    ids = list(employee_ids)
    if not ids:
        return 0
    now = utc(now)
    mine = (AbsenceRow.employee_id.in_(ids), AbsenceRow.source == CALENDAR)
    gone = conn.execute(delete(ABSENCES).where(*mine, AbsenceRow.starts_at > now)).rowcount
    ended = conn.execute(
        update(ABSENCES)
        .where(
            *mine,
            AbsenceRow.starts_at <= now,
            AbsenceRow.cleared_at.is_(None),
            or_(AbsenceRow.until.is_(None), AbsenceRow.until > now),
        )
        .values(until=now)
    ).rowcount
    n = int(gone or 0) + int(ended or 0)
    if n:
        moved_on(conn, employees=ids)  # the caller tells this process after its commit
    return n


def store_codes(
    engine: Engine,
    employee_id: str,
    codes: Sequence[CalendarCode],
    *,
    window: tuple[datetime, datetime],
    now: datetime,
    state: dict[str, Any] | None = None,
) -> int:
    """One feed's codes after a successful read, and its poll state (`state`, with the
    address it was read from as `url`), in one transaction; how many codes changed."""
    return store_many(engine, [(employee_id, codes, state)], window=window, now=now)


def store_many(
    engine: Engine,
    feeds: Sequence[tuple[str, Sequence[CalendarCode], dict[str, Any] | None]],
    *,
    window: tuple[datetime, datetime],
    now: datetime,
) -> int:
    """Several feeds' codes and poll states (as `store_codes`) in one transaction, with one
    move of presence for them all; how many codes changed."""
    from omstilling.store.calendar_feeds import record

    changed = 0
    with writing(engine) as w:
        for employee_id, codes, state in feeds:
            n = sync_codes(w.conn, employee_id, codes, window=window, now=now)
            if n:
                w.employees.add(employee_id)
                changed += n
            if state:
                values = dict(state)
                record(w.conn, employee_id, values.pop("url"), **values)
    return changed
