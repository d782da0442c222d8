"""Two ingestion sessions writing the same calls: an import and live events.

An import keeps the calls of its recent chunks in memory. When another session
(live events, another import) has written in between two of its chunks, what it
holds may be stale: it must read the calls again rather than overwrite the other
session's work, and the aggregates must come out as a rebuild from the raw log
computes them.
"""

from __future__ import annotations

from sqlalchemy import Engine, select, text

from omstilling.calls.ingest import Ingestor
from omstilling.calls.legs import Ev
from omstilling.calls.models import CallRecord
from omstilling.calls.queue_log import parse_line
from omstilling.calls.rebuild import rebuild
from omstilling.calls.session import ensure_state


def _ev(line: str) -> Ev:
    ev = parse_line(line)
    assert ev is not None
    return ev


def _live(line: str) -> Ev:
    """The same event as a live event (its own source and key), as the API stores it."""
    ev = _ev(line)
    return ev._replace(source="api", key="api:" + line)


def _aggregates(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(text("SELECT * FROM call_stats_hourly ORDER BY queue, day, hour"))
        ]


def test_an_import_reads_again_what_live_events_changed_between_its_chunks(
    org_engine: Engine,
) -> None:
    with org_engine.begin() as conn:
        ensure_state(conn)
        importer = Ingestor(conn)
    # Chunk 1 of the import: the call enters the queue.
    with org_engine.begin() as conn:
        importer.ingest(conn, [_ev("1796112000|c1|jobcenter|NONE|ENTERQUEUE||+4520000001|1")])
    # Live events, another session: the call is answered.
    with org_engine.begin() as conn:
        Ingestor(conn).ingest(conn, [_live("1796112010|c1|jobcenter|PJSIP/2201|CONNECT|10||2")])
    # Chunk 2 of the import: the call ends.
    with org_engine.begin() as conn:
        importer.ingest(conn, [_ev("1796112130|c1|jobcenter|PJSIP/2201|COMPLETECALLER|10|120|1")])
    with org_engine.connect() as conn:
        rows = conn.execute(select(CallRecord)).all()
    assert len(rows) == 1
    (rec,) = rows
    assert rec.outcome == "answered" and rec.wait_seconds == 10 and rec.talk_seconds == 120
    assert rec.answered_at is not None  # the live session's CONNECT was not overwritten
    incremental = _aggregates(org_engine)
    rebuild(org_engine)
    assert incremental == _aggregates(org_engine)
