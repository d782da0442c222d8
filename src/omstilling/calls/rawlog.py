"""Appending new events to the raw log, from which `calls rebuild` recomputes everything.

queue_log lines go into compressed blocks (see `blocks`), compressed on a
thread while the chunk is folded; live and CDR events go a row each into
`call_events`.
"""

from __future__ import annotations

from sqlalchemy import Connection

from omstilling.calls import blocks
from omstilling.calls.legs import Ev
from omstilling.calls.sql import insert_many

_EVENT_COLUMNS = ("key", "source", "call_id", "queue", "at", "type", "agent", "caller", "data")


def store_raw(conn: Connection, fresh: list[Ev], only_log: bool) -> blocks.PendingBlocks | None:
    """Store the events; the queue_log blocks still being compressed, for the caller
    to finish once the chunk is folded."""
    if only_log:
        return blocks.start_write(fresh)
    rows = [e for e in fresh if e.source != "queue_log"]
    pending = None
    if len(rows) < len(fresh):
        pending = blocks.start_write([e for e in fresh if e.source == "queue_log"])
    if rows:
        insert_many(
            conn,
            "call_events",
            _EVENT_COLUMNS,
            [
                (e.key, e.source, e.call_id, e.queue, e.at, e.type, e.agent, e.caller, e.data)
                for e in rows
            ],
        )
    return pending
