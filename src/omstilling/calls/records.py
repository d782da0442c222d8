"""Call records as rows of `call_records`: reading one into a `Rec`, writing the touched ones.

A record this session inserted has no id in memory (ids are not read back, to
keep the inserts in bulk); it is updated by its natural key (call, queue, the
entry time it was inserted under), which `fold` may have moved since.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from omstilling.calls.legs import Rec, to_epoch
from omstilling.calls.sql import insert_many, mark

COLUMNS = (
    "call_id",
    "queue",
    "entered_at",
    "caller",
    "agent",
    "outcome",
    "wait_seconds",
    "talk_seconds",
    "answered_at",
    "ended_at",
    "transferred_at",
    "transfer_target",
    "returned",
    "ring_no_answer",
    "has_enter",
    "source",
)
# What an update sets: the entry time and the caller, then what the fold decides
# (agent ... has_enter); the natural key and the source never change.
_FOLDED = COLUMNS[4:15]
_UPDATED = ("entered_at", "caller", *_FOLDED)


def rec_from_row(row: Any) -> Rec:
    rec = Rec(row.call_id, row.queue, to_epoch(row.entered_at) or 0.0, row.source)
    rec.id = row.id
    rec.caller, rec.agent, rec.outcome = row.caller, row.agent, row.outcome
    rec.wait, rec.talk = row.wait_seconds, row.talk_seconds
    rec.answered_at, rec.ended_at = to_epoch(row.answered_at), to_epoch(row.ended_at)
    rec.transferred_at = to_epoch(row.transferred_at)
    rec.target, rec.returned = row.transfer_target, bool(row.returned)
    rec.rna, rec.has_enter = row.ring_no_answer, bool(row.has_enter)
    return rec


def write_records(conn: Connection, touched: list[Rec]) -> None:
    inserts: list[tuple[Any, ...]] = []
    by_id: list[tuple[Any, ...]] = []
    by_key: list[tuple[Any, ...]] = []
    for r in touched:
        # In the order of _FOLDED.
        values = (
            r.agent,
            r.outcome,
            r.wait,
            r.talk,
            r.answered_at,
            r.ended_at,
            r.transferred_at,
            r.target,
            r.returned,
            r.rna,
            r.has_enter,
        )
        if r.id is None and not r.stored:
            r.stored = True
            r.key_entered = r.entered
            inserts.append((r.call_id, r.queue, r.entered, r.caller, *values, r.source))
        elif r.id is not None:
            by_id.append((r.entered, r.caller, *values, r.id))
        else:
            by_key.append((r.entered, r.caller, *values, r.call_id, r.queue, r.key_entered))
            r.key_entered = r.entered
    if inserts:
        insert_many(conn, "call_records", COLUMNS, inserts)
    ph = mark(conn)
    sets = ", ".join(f"{c} = {ph}" for c in _UPDATED)
    if by_id:
        conn.exec_driver_sql(f"UPDATE call_records SET {sets} WHERE id = {ph}", by_id)
    if by_key:
        where = f"call_id = {ph} AND queue = {ph} AND entered_at = {ph}"
        conn.exec_driver_sql(f"UPDATE call_records SET {sets} WHERE {where}", by_key)
