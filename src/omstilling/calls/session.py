"""One import session's lock and its memory of recent calls.

Every chunk takes the ingestion lock (an UPDATE of the single
`call_ingest_state` row), which serialises writers on both engines and tells
the session the lock's version. The session keeps an in-memory map of recent
calls that spares a database lookup for every call while the database holds
nothing around the period being imported. The map is only trusted while no
other session ingests: when another session has ingested since this one's
previous chunk, the map is dropped and calls are read again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, select, update

from omstilling.calls.legs import LOOKUP_BATCH, SESSION_HORIZON, Rec, to_epoch
from omstilling.calls.models import CallIngestState, CallRecord
from omstilling.calls.records import rec_from_row

Where = Callable[[list[str]], ColumnElement[bool]]


def ensure_state(conn: Connection) -> None:
    """The single ingestion-state row exists (created by the first ingestion)."""
    if conn.execute(select(CallIngestState.id).where(CallIngestState.id == 1)).first() is None:
        conn.execute(insert(CallIngestState).values(id=1, version=0, hash_key=None))


def take_lock(conn: Connection) -> int:
    """Take the ingestion lock for the caller's transaction; the lock's new version."""
    bump = (
        update(CallIngestState)
        .where(CallIngestState.id == 1)
        .values(version=CallIngestState.version + 1)
        .returning(CallIngestState.version)
    )
    version = conn.execute(bump).scalar_one_or_none()
    if version is None:  # the row is made by migration 0003; recreate it if it is gone
        ensure_state(conn)
        version = conn.execute(bump).scalar_one()
    return int(version)


class Session:
    """The calls one import session holds in memory, and what it knows is not there."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Rec]] = {}
        self.by_caller: dict[str, list[Rec]] = {}
        self._order: deque[tuple[float, str]] = deque()
        # What the database holds around this session's calls: chunks outside that
        # period need no lookups at all. Read after the ingestion lock is taken (a
        # read before it could not be followed by a write in SQLite if another
        # session committed in between), and again whenever another session has
        # ingested since this one's last chunk (`_version`).
        self._db_range: tuple[float, float] | None = None
        self._version: int | None = None
        # When the calls this session wrote and then forgot (see evict) entered.
        self._evicted: tuple[float, float] | None = None

    def sync(self, conn: Connection, version: int) -> None:
        """Called with the lock held: forget what another session may have changed."""
        if self._version is not None and version == self._version + 1:
            self._version = version
            return
        if self._version is not None:
            # Another session ingested between two of our chunks: the calls we hold
            # may be stale. Read them again from the database when they come up.
            self.calls.clear()
            self.by_caller.clear()
            self._order.clear()
            self._evicted = None  # the range read below covers what this session wrote
        self._version = version
        # Two subqueries, not min() and max() in one: SQLite answers a lone min() or
        # max() from the index, but scans the whole table for both together.
        first, last = conn.execute(
            select(
                select(func.min(CallRecord.entered_at)).scalar_subquery(),
                select(func.max(CallRecord.entered_at)).scalar_subquery(),
            )
        ).one()
        lo, hi = to_epoch(first), to_epoch(last)
        self._db_range = (lo, hi) if lo is not None and hi is not None else None

    def overlaps(self, lo: float, hi: float) -> bool:
        """Can records that are not in memory (stored before this session, or
        forgotten by it) take events between lo and hi?"""
        for span in (self._db_range, self._evicted):
            if span is not None and not (
                hi < span[0] - SESSION_HORIZON or lo - SESSION_HORIZON > span[1]
            ):
                return True
        return False

    def remember(self, rec: Rec) -> None:
        self.calls.setdefault(rec.call_id, []).append(rec)
        self._order.append((rec.entered, rec.call_id))

    def remember_absent(self, call_id: str, at: float) -> None:
        """A call known to have no record yet; forgotten with the chunk's calls."""
        self.calls[call_id] = []
        self._order.append((at, call_id))

    def evict(self, before: float) -> None:
        """Forget calls that entered before `before`, remembering when they entered:
        a later chunk of an earlier period (files out of order) must look them up."""
        lo, hi = self._evicted or (float("inf"), float("-inf"))
        while self._order and self._order[0][0] < before:
            _, call_id = self._order.popleft()
            legs = self.calls.get(call_id)
            if legs is not None and all(r.entered < before for r in legs):
                del self.calls[call_id]
                for r in legs:
                    lo, hi = min(lo, r.entered), max(hi, r.entered)
        for caller in [c for c, recs in self.by_caller.items() if recs[-1].entered < before]:
            for r in self.by_caller.pop(caller):
                lo, hi = min(lo, r.entered), max(hi, r.entered)
        if lo <= hi:
            self._evicted = (lo, hi)

    def load(self, conn: Connection, where: Where, values: list[str]) -> list[Rec]:
        """Records from the database that this session does not already hold in memory."""
        out: list[Rec] = []
        # By natural key: records this session inserted have no id in memory.
        known = {(r.call_id, r.queue, r.entered) for legs in self.calls.values() for r in legs}
        for recs in self.by_caller.values():
            known.update((r.call_id, r.queue, r.entered) for r in recs)
        for i in range(0, len(values), LOOKUP_BATCH):
            rows: Any = conn.execute(select(CallRecord).where(where(values[i : i + LOOKUP_BATCH])))
            for row in rows:
                rec = rec_from_row(row)
                ident = (rec.call_id, rec.queue, rec.entered)
                if ident not in known:
                    known.add(ident)
                    out.append(rec)
        return out
