"""`omstilling calls rebuild`: recompute records and aggregates from the raw events.

Used when a definition changes (or the organisation's switchboard moves): the
raw log is replayed in time order through the same ingestion path, inside one
transaction, so a failed rebuild leaves the old figures in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select

from omstilling.calls import blocks
from omstilling.calls.ingest import Ingestor, clear_derived
from omstilling.calls.legs import K_CDR, Ev, to_epoch
from omstilling.calls.models import CallEvent, CallLogBlock
from omstilling.calls.queue_log import Malformed, parse_line
from omstilling.calls.session import ensure_state

API_KINDS: dict[str, int] = {}


def _api_kinds() -> dict[str, int]:
    from omstilling.calls.events import TYPE_KINDS

    return TYPE_KINDS


@dataclass
class RebuildSummary:
    events: int = 0
    records: int = 0
    unreadable: int = 0


def event_from_row(row: object) -> Ev | None:
    """A stored event, normalised again (None when it cannot be read any more)."""
    r: object = row
    source, type_, data = r.source, r.type, r.data  # type: ignore[attr-defined]
    at = to_epoch(r.at) or 0.0  # type: ignore[attr-defined]
    target: str | None = None
    n1 = n2 = None
    try:
        if source == "api":
            kind = _api_kinds()[type_]
            target = (json.loads(data) if data else {}).get("target")
        elif source == "cdr":
            kind = K_CDR
            fields = json.loads(data)
            target = fields.get("dst", "")
            n1 = 1 if fields.get("answered") else 0
        else:
            return None
    except (Malformed, KeyError, ValueError, IndexError):
        return None
    return Ev(
        r.key,  # type: ignore[attr-defined]
        source,
        r.call_id,  # type: ignore[attr-defined]
        r.queue,  # type: ignore[attr-defined]
        at,
        type_,
        r.agent,  # type: ignore[attr-defined]
        r.caller,  # type: ignore[attr-defined]
        data,
        kind,
        n1,
        n2,
        target,
    )


WINDOW = 86_400  # seconds of events replayed together


def _span(conn: Connection) -> tuple[float, float] | None:
    e, b = CallEvent, CallLogBlock
    lo_e, hi_e = conn.execute(select(func.min(e.at), func.max(e.at))).one()
    lo_b, hi_b = conn.execute(select(func.min(b.first_at), func.max(b.last_at))).one()
    los = [x for x in (to_epoch(lo_e), lo_b) if x is not None]
    his = [x for x in (to_epoch(hi_e), hi_b) if x is not None]
    return (min(los), max(his)) if los else None


def _next_start(conn: Connection, after: float) -> float | None:
    """The earliest moment at or after `after` that any stored event has."""
    e, b = CallEvent, CallLogBlock
    nxt_e = to_epoch(conn.execute(select(func.min(e.at)).where(e.at >= after)).scalar())
    overlapping = conn.execute(
        select(b.id)
        .where(b.first_at < after, b.first_at >= after - blocks.MAX_SPAN)
        .where(b.last_at >= after)
        .limit(1)
    ).first()
    if overlapping is not None:
        return after
    nxt_b = conn.execute(select(func.min(b.first_at)).where(b.first_at >= after)).scalar()
    found = [x for x in (nxt_e, nxt_b) if x is not None]
    return min(found) if found else None


def _window(conn: Connection, lo: float, hi: float, summary: RebuildSummary) -> list[Ev]:
    """Every stored event from lo (inclusive) to hi (exclusive), in time order."""
    events: list[Ev] = []
    rows = conn.execute(
        select(CallEvent)
        .where(CallEvent.at >= lo, CallEvent.at < hi)
        .order_by(CallEvent.at, CallEvent.id)
    ).all()
    for row in rows:
        ev = event_from_row(row)
        if ev is None:
            summary.unreadable += 1
        else:
            events.append(ev)
    for line in blocks.lines_between(conn, lo, hi):
        try:
            ev = parse_line(line)
        except (Malformed, IndexError):
            ev = None
            summary.unreadable += 1
        if ev is not None and lo <= ev.at < hi:
            events.append(ev)
    events.sort(key=lambda e: e.at)  # stable: a block's lines keep their order
    return events


def rebuild(
    engine: Engine, *, progress: Callable[[int], None] | None = None, chunk_size: int = 50_000
) -> RebuildSummary:
    summary = RebuildSummary()
    with engine.begin() as conn:
        ensure_state(conn)
        clear_derived(conn)
        ingestor = Ingestor(conn)
        span = _span(conn)
        start = span[0] if span else None
        while start is not None and span is not None and start <= span[1]:
            end = start + WINDOW
            events = _window(conn, start, end, summary)
            for i in range(0, len(events), chunk_size):
                part = events[i : i + chunk_size]
                result = ingestor.ingest(conn, part, store_raw=False)
                summary.events += len(part)
                summary.records += result.calls_added
                if progress is not None:
                    progress(len(part))
            start = _next_start(conn, end)
    return summary


def count_events(engine: Engine) -> int:
    """Raw events stored: rows of live and CDR events and queue_log lines in blocks."""
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(CallEvent)).scalar_one()
        lines = conn.execute(select(func.coalesce(func.sum(CallLogBlock.lines), 0))).scalar_one()
        return int(rows) + int(lines)
