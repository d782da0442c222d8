"""Absence codes and unit-wide absences in the database (R3.9, R3.11).

Times are stored in UTC. An employee has at most one active code: a new code
ends the one active at its start. The history of the codes sick and private is
health and private data and is purged after a configurable time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update

from omstilling.clock import NEVER, utc
from omstilling.domain.citizen import free_text
from omstilling.domain.presence import (
    CALENDAR,
    SOURCES,
    Absence,
    Presence,
    UnitAway,
    validate_absence,
)
from omstilling.domain.presence import validate_unit_away as _validate_away
from omstilling.errors import NotFound
from omstilling.store import notify
from omstilling.store.models import (
    AbsenceRow,
    EmployeeRow,
    PresenceChange,
    PresenceState,
    UnitAwayRow,
    UnitRow,
)

PRIVATE_CODES = ("sick", "private")
log = logging.getLogger(__name__)


KEEP_CHANGES = 2000  # versions of the change log kept; a cache further behind loads all
MOST_CHANGED = 2000  # employees whose codes a cache reloads one by one; more: all of them


def moved_on(conn: Connection, *, employees: Iterable[str] = (), units: Iterable[str] = ()) -> int:
    """Presence changed in this transaction, for `employees` (their codes) and `units`
    (their unit-wide absences): move the version on (other processes reload what changed)
    and log what it touched; the new version. The caller tells this process's caches
    (`notify.written`) after the commit."""
    conn.execute(
        update(PresenceState).where(PresenceState.id == 1).values(version=PresenceState.version + 1)
    )
    version = presence_version(conn)
    rows: list[dict[str, Any]] = [{"employee_id": e, "unit_id": None} for e in set(employees)]
    rows += [{"employee_id": None, "unit_id": u} for u in set(units)]
    conn.execute(
        insert(PresenceChange).values(version=version),
        rows or [{"employee_id": None, "unit_id": None}],
    )
    if version % 100 == 0:
        conn.execute(delete(PresenceChange).where(PresenceChange.version <= version - KEEP_CHANGES))
    return version


@dataclass
class PresenceWrite:
    """A presence write's transaction, and whose codes and unit-wide absences it touched
    (the writer adds to them as it finds out)."""

    conn: Connection
    employees: set[str]
    units: set[str]


@contextmanager
def writing(
    engine: Engine, *, employees: Iterable[str] = (), units: Iterable[str] = ()
) -> Iterator[PresenceWrite]:
    """A presence write: when it touched anyone, its transaction moves the presence version
    on and logs whom before it commits (other processes read theirs again), then this
    process's caches hear of it."""
    with engine.begin() as conn:
        write = PresenceWrite(conn, set(employees), set(units))
        yield write
        touched = bool(write.employees or write.units)
        if touched:
            moved_on(conn, employees=write.employees, units=write.units)
    if touched:
        notify.written("presence", engine)


def presence_version(conn: Connection) -> int:
    return int(
        conn.execute(select(PresenceState.version).where(PresenceState.id == 1)).scalar() or 0
    )


def _exists(conn: Connection, model: type[EmployeeRow] | type[UnitRow], ident: str) -> None:
    found = conn.execute(
        select(model.id).where(model.id == ident, model.removed_at.is_(None))
    ).first()
    if found is None:
        raise NotFound("employee" if model is EmployeeRow else "unit", ident)


@dataclass(frozen=True)
class StoredAbsence:
    id: int
    absence: Absence
    created_by: str


def set_absence(
    engine: Engine,
    employee_id: str,
    code: str,
    start: datetime,
    until: datetime | None,
    note: str = "",
    *,
    actor: str,
    now: datetime,
    source: str = "person",
) -> int:
    """Record a code; the code active at `start` (if any) ends there, one from her
    calendar too (and the next poll does not bring that one back, issue 15). `source`
    says who set it (domain.presence.SOURCES)."""
    validate_absence(code, start, until)
    if source not in SOURCES or source == CALENDAR:
        raise ValueError(f"source: {source!r} is not a source a person sets codes from")
    note = free_text("note", note)
    start, until = utc(start), utc(until) if until else None
    with writing(engine, employees=[employee_id]) as w:
        conn = w.conn
        _exists(conn, EmployeeRow, employee_id)
        ends = func.coalesce(AbsenceRow.cleared_at, AbsenceRow.until)
        conn.execute(
            update(AbsenceRow)
            .where(
                AbsenceRow.employee_id == employee_id,
                AbsenceRow.starts_at <= start,
                or_(ends.is_(None), ends > start),
            )
            .values(cleared_at=start)
        )
        result = conn.execute(
            insert(AbsenceRow).values(
                employee_id=employee_id,
                code=code,
                starts_at=start,
                until=until,
                note=note,
                created_at=utc(now),
                created_by=actor,
                source=source,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def clear_absence(engine: Engine, employee_id: str, *, now: datetime) -> int:
    """End the codes active now and drop those planned for later; how many were touched.
    Her calendar's later codes stay (its next poll would bring them back): "I am back
    early" ends the calendar's code of now, which the poll then leaves ended."""
    now = utc(now)
    with writing(engine, employees=[employee_id]) as w:
        conn = w.conn
        _exists(conn, EmployeeRow, employee_id)
        ends = func.coalesce(AbsenceRow.cleared_at, AbsenceRow.until)
        active = conn.execute(
            update(AbsenceRow)
            .where(
                AbsenceRow.employee_id == employee_id,
                AbsenceRow.starts_at <= now,
                or_(ends.is_(None), ends > now),
            )
            .values(cleared_at=now)
        ).rowcount
        planned = conn.execute(
            delete(AbsenceRow).where(
                AbsenceRow.employee_id == employee_id,
                AbsenceRow.starts_at > now,
                AbsenceRow.cleared_at.is_(None),
                or_(AbsenceRow.source.is_(None), AbsenceRow.source != CALENDAR),
            )
        ).rowcount
        return int(active or 0) + int(planned or 0)


def unit_away(
    engine: Engine,
    unit_id: str,
    start: datetime,
    until: datetime,
    note: str = "",
    *,
    actor: str,
    now: datetime,
) -> int:
    _validate_away(start, until, None)
    note = free_text("note", note)
    with writing(engine, units=[unit_id]) as w:
        conn = w.conn
        _exists(conn, UnitRow, unit_id)
        result = conn.execute(
            insert(UnitAwayRow).values(
                unit_id=unit_id,
                starts_at=utc(start),
                until=utc(until),
                note=note,
                created_at=utc(now),
                created_by=actor,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def unit_back(engine: Engine, unit_id: str, at: datetime) -> int:
    """Report the unit back at `at`: every unit-wide absence running then ends there."""
    at = utc(at)
    with writing(engine, units=[unit_id]) as w:
        conn = w.conn
        _exists(conn, UnitRow, unit_id)
        ends = func.coalesce(UnitAwayRow.back_at, UnitAwayRow.until)
        return int(
            conn.execute(
                update(UnitAwayRow)
                .where(UnitAwayRow.unit_id == unit_id, UnitAwayRow.starts_at <= at, ends > at)
                .values(back_at=at)
            ).rowcount
            or 0
        )


def _absence(row: Any) -> Absence:
    start = utc(row.starts_at)
    end = utc(row.until) if row.until is not None else None
    if row.cleared_at is not None:
        cleared = utc(row.cleared_at)
        if end is None or cleared < end:
            end = cleared
    if end is not None and end <= start:  # cleared at the moment it began
        end = start + timedelta(microseconds=1)
    return Absence(row.employee_id, row.code, start, end, row.note, row.source or "person")


# What a code in memory is made of (not who set it when, nor its calendar event's key).
_READ = (
    AbsenceRow.employee_id,
    AbsenceRow.code,
    AbsenceRow.starts_at,
    AbsenceRow.until,
    AbsenceRow.cleared_at,
    AbsenceRow.note,
    AbsenceRow.source,
)


HORIZON = timedelta(days=1)


def load_presence(conn: Connection, at: datetime, *, horizon: timedelta = HORIZON) -> Presence:
    """Every code and unit-wide absence that may matter around `at` (from `at`-horizon on)."""
    since = utc(at) - horizon
    return Presence(_absences_since(conn, since), _aways_since(conn, since))


def _absences_since(
    conn: Connection, since: datetime, employees: list[str] | None = None
) -> list[Absence]:
    """The codes not ended by `since` (of `employees` only, when given), as recorded."""
    ends = func.coalesce(AbsenceRow.cleared_at, AbsenceRow.until)
    q = select(*_READ).where(or_(ends.is_(None), ends > since))
    if employees is None:
        return [_absence(a) for a in conn.execute(q.order_by(AbsenceRow.id))]
    found: list[Absence] = []
    for n in range(0, len(employees), 500):
        chunk = q.where(AbsenceRow.employee_id.in_(employees[n : n + 500]))
        found += [_absence(a) for a in conn.execute(chunk.order_by(AbsenceRow.id))]
    return found


def _aways_since(conn: Connection, since: datetime) -> list[UnitAway]:
    away_ends = func.coalesce(UnitAwayRow.back_at, UnitAwayRow.until)
    aways = conn.execute(
        select(UnitAwayRow.__table__).where(away_ends > since).order_by(UnitAwayRow.id)
    )
    return [
        UnitAway(
            w.unit_id, utc(w.starts_at), utc(w.until), w.note, utc(w.back_at) if w.back_at else None
        )
        for w in aways
    ]


def list_absences(
    conn: Connection, at: datetime, unit_id: str | None = None
) -> list[tuple[Absence, str]]:
    """Codes active at `at` with the employee's name, optionally for one unit, by name."""
    at = utc(at)
    ends = func.coalesce(AbsenceRow.cleared_at, AbsenceRow.until)
    q = (
        select(AbsenceRow.__table__, EmployeeRow.name.label("employee_name"))
        .join(EmployeeRow, EmployeeRow.id == AbsenceRow.employee_id)
        .where(AbsenceRow.starts_at <= at, or_(ends.is_(None), ends > at))
        .order_by(EmployeeRow.name)
    )
    if unit_id:
        q = q.where(EmployeeRow.unit_id == unit_id)
    return [(_absence(row), row.employee_name) for row in conn.execute(q).all()]


def purge_sensitive_absences(engine: Engine, *, now: datetime, days: int) -> int:
    """Delete ended sick and private codes older than `days` (health and private data)."""
    cutoff = utc(now) - timedelta(days=days)
    ends = func.coalesce(AbsenceRow.cleared_at, AbsenceRow.until)
    old = (AbsenceRow.code.in_(PRIVATE_CODES), ends.is_not(None), ends < cutoff)
    with writing(engine) as w:
        whose = w.conn.execute(select(AbsenceRow.employee_id).where(*old).distinct())
        w.employees.update(whose.scalars())
        return int(w.conn.execute(delete(AbsenceRow).where(*old)).rowcount or 0)


class PresenceCache:
    """The codes and unit-wide absences around now, in memory (issue 13 item 4).

    Loaded for a moment `at0` (every code that may matter from `at0` on, as
    `load_presence` reads them), reused for any moment in [at0, at0 + window) while the
    presence version stays where it was. So an advice costs a dict lookup whatever the
    number of codes, not a query over all of them. When the version has moved, only the
    codes of the employees (and the unit-wide absences of the units) that the change log
    names since the loaded version are read again (issue 15: a calendar poll writes a
    batch of feeds every moment, and reading all 180,000 codes again stalled advice for
    seconds); a cache further behind than the log reads all. A moment before `at0`
    (advice for the past) is read from the database and not kept.

    A write through this process is seen at once (its notice makes the next question
    read what changed). Another process's write: with `max_age` 0 the next question reads
    the version and what changed; with `max_age` > 0 (the server) the version is read at
    most every `max_age` seconds, off the question's path, on a thread of its own that
    swaps in the codes brought up to date, while the questions meanwhile are answered from
    the codes as they were (a calendar poll's batch costs a read of about 0.1 s, which in
    a question's path held up the questions behind it)."""

    def __init__(
        self, engine: Engine, max_age: float = 0.5, window: timedelta = timedelta(hours=1)
    ) -> None:
        self.engine = engine
        self.max_age = max_age
        self.window = window
        self.loads = 0  # whole loads
        self.updates = 0  # loads of what changed
        self._loaded: tuple[int, datetime, Presence] | None = None
        self._checked_at = NEVER
        self._own_write = False  # a write through this process not yet read
        self._lock = threading.Lock()
        self._behind = threading.Lock()  # held while a thread brings the codes up to date
        notify.listen("presence", engine, self._written)

    def _written(self) -> None:
        if not notify.relayed():  # written here: its writer asks next and must see it
            self._own_write = True
        self._checked_at = NEVER

    def at(self, at: datetime) -> Presence:
        at = utc(at)
        loaded = self._loaded
        if loaded is not None and at < loaded[1]:
            with self.engine.connect() as conn:
                return load_presence(conn, at)
        if loaded is not None and not self._own_write:
            in_window = at < loaded[1] + self.window
            if in_window and time.monotonic() - self._checked_at < self.max_age:
                return loaded[2]
            if self.max_age > 0:
                # Off the question's path: what changed, or (past the window) all codes
                # for the new moment. Meanwhile the codes as loaded answer: those for a
                # moment hold every code that matters at any later one.
                self._checked_at = time.monotonic()
                if self._behind.acquire(blocking=False):
                    moment = loaded[1] if in_window else at
                    threading.Thread(
                        target=self._catch_up, args=(moment,), name="presence", daemon=True
                    ).start()
                return loaded[2]
        return self._bring_up_to_date(at)

    def _catch_up(self, at: datetime) -> None:
        try:
            self._bring_up_to_date(at)
        except Exception:  # the next look tries again; the questions keep their answers
            log.warning("presence: the codes could not be brought up to date", exc_info=True)
        finally:
            self._behind.release()

    def _bring_up_to_date(self, at: datetime) -> Presence:
        """The codes for `at`: those loaded, brought up to the version read now (only what
        changed), or all loaded again for `at`."""
        with self._lock:
            loaded = self._loaded
            # Marked checked before the version is read: a write told during the read
            # marks it unchecked again, and the next question looks once more.
            self._own_write = False
            self._checked_at = time.monotonic()
            with self.engine.connect() as conn:
                version = presence_version(conn)
                if loaded is not None and loaded[1] <= at < loaded[1] + self.window:
                    if version == loaded[0]:
                        return loaded[2]
                    updated = self._changed(conn, loaded, version)
                    if updated is not None:
                        self._loaded = updated
                        self.updates += 1
                        return updated[2]
                # A write committed during the load is at most loaded early, and the
                # version read before it makes the next look load its change again.
                presence = load_presence(conn, at)
            self._loaded = (version, at, presence)
            self.loads += 1
            return presence

    def _changed(
        self, conn: Connection, loaded: tuple[int, datetime, Presence], version: int
    ) -> tuple[int, datetime, Presence] | None:
        """`loaded` brought up to `version` (or later) by reading only what the change log
        names; None when the log does not reach back to it, or names too many."""
        since_version, at0, presence = loaded
        changes = conn.execute(
            select(PresenceChange.version, PresenceChange.employee_id, PresenceChange.unit_id)
            .where(PresenceChange.version > since_version)
            .order_by(PresenceChange.version)
        ).all()
        versions = {c.version for c in changes}
        newest = max(versions, default=since_version)
        if newest < version or versions != set(range(since_version + 1, newest + 1)):
            return None  # pruned, or written by something that does not log: read all
        employees = sorted({c.employee_id for c in changes if c.employee_id is not None})
        if len(employees) > MOST_CHANGED:
            return None
        since = at0 - HORIZON
        aways = _aways_since(conn, since) if any(c.unit_id for c in changes) else None
        absences = _absences_since(conn, since, employees) if employees else []
        return newest, at0, presence.with_changes(employees, absences, aways)
