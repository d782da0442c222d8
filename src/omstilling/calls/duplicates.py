"""Duplicate detection: each raw event is stored and folded once (idempotency).

An event's `key` names it: for queue_log lines their content (compared with
the stored blocks that overlap the chunk in time, see `blocks`), for live and
CDR events the PBX's id (unique in `call_events`).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from sqlalchemy import Connection, select

from omstilling.calls import blocks
from omstilling.calls.legs import LOOKUP_BATCH, Ev
from omstilling.calls.models import CallEvent

_AT = attrgetter("at")


def unique_in_chunk(events: Sequence[Ev]) -> tuple[dict[str, Ev], int]:
    """The chunk's events by key, and how many repeated a key within the chunk."""
    unique = {e.key: e for e in events}
    if len(unique) == len(events):
        return unique, 0
    # The same line twice in a chunk: the first one read is kept.
    unique = {}
    for e in events:
        unique.setdefault(e.key, e)
    return unique, len(events) - len(unique)


def drop_stored(conn: Connection, unique: dict[str, Ev], only_log: bool) -> int:
    """Leave out of `unique` the events that are stored already; how many they were."""
    if only_log:
        logged, keys = list(unique.values()), []
    else:
        logged = [e for e in unique.values() if e.source == "queue_log"]
        keys = [k for k, e in unique.items() if e.source != "queue_log"]
    existing: set[str] = set()
    if logged:
        lo = min(map(_AT, logged))
        hi = max(map(_AT, logged))
        stored = blocks.stored_identities(conn, lo, hi)
        if stored:
            existing.update(e.key for e in logged if e.key in stored)
    for i in range(0, len(keys), LOOKUP_BATCH):
        batch = keys[i : i + LOOKUP_BATCH]
        existing.update(
            conn.execute(select(CallEvent.key).where(CallEvent.key.in_(batch))).scalars()
        )
    for k in existing:
        del unique[k]
    return len(existing)
