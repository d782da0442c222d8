"""From raw events to call records and aggregates: the one ingestion path.

queue_log lines, CDR rows and live events are all normalised to `Ev` tuples and
handed to `Ingestor.ingest`, which in one transaction

1. takes the ingestion lock and syncs the session's memory (`session`),
2. drops events that are already stored (`duplicates`) and appends the rest
   to the raw log (`rawlog`),
3. folds them into call records, one per call and queue (`folding`, `legs`),
4. detects calls that came back to the switchboard (R1.3, `returns`),
5. writes the records (`records`) and adds the difference each touched record
   makes to the aggregates (`contributions`, `aggregates`).

The folding is order-insensitive for outcomes (answered beats abandoned beats
incomplete); waits come from the PBX when it gives them (holdtime, waittime),
else from the timestamps. Events for one call that arrive in a very different
order across separate imports are rare; `omstilling calls rebuild` replays the
raw log in time order and fixes anything that came out differently.

Speed matters here (the benchmark asks for 150,000 queue_log lines a second on
SQLite), hence tuples instead of objects for events, times as float epochs
(no text to format), raw DBAPI `executemany` (100 rows a statement) for the
bulk inserts, queue_log kept in blocks rather than a row a line (compressed on a
thread while the chunk is folded), aggregates summed a column at a time, and
the session's in-memory map of recent calls. (The queue_log importer also
parses in a worker process, see `queue_log._Parser`.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter

from sqlalchemy import Connection, delete

from omstilling.calls import aggregates, blocks
from omstilling.calls.contributions import chunk_deltas, contributor
from omstilling.calls.duplicates import drop_stored, unique_in_chunk
from omstilling.calls.folding import fold_events
from omstilling.calls.legs import (
    K_CDR,
    K_ENTER,
    SESSION_HORIZON,
    Context,
    Ev,
    _Clock,
    load_context,
)
from omstilling.calls.models import (
    CallDirectStats,
    CallRecord,
    CallStatsHourly,
    CallTransferStats,
    CallWaitHistogram,
)
from omstilling.calls.rawlog import store_raw as store_raw_events
from omstilling.calls.records import write_records
from omstilling.calls.returns import load_transfers, mark_returns
from omstilling.calls.session import Session, take_lock
from omstilling.calls.settle import settle

_AT = attrgetter("at")
_SOURCE = attrgetter("source")
_KIND = attrgetter("kind")
_CALL_ID = attrgetter("call_id")


@dataclass
class ChunkResult:
    new_events: list[Ev] = field(default_factory=list)
    duplicates: int = 0
    calls_added: int = 0


class Ingestor:
    """One import session: a file, a request, or a rebuild. Not thread-safe; one per task."""

    def __init__(self, conn: Connection, context: Context | None = None) -> None:
        self.context = context or load_context(conn)
        self.clock = _Clock(self.context.tz)
        self.session = Session()
        self._contribution = contributor(self.clock, self.context.switchboard_queues)

    def ingest(
        self, conn: Connection, events: Iterable[Ev], *, store_raw: bool = True
    ) -> ChunkResult:
        """Store and fold one chunk inside the caller's transaction (commit is the caller's)."""
        self.session.sync(conn, take_lock(conn))
        result = ChunkResult()
        events = events if isinstance(events, list) else list(events)
        unique, result.duplicates = unique_in_chunk(events)
        if not unique:
            return result
        pending: blocks.PendingBlocks | None = None
        only_log = set(map(_SOURCE, unique.values())) == {"queue_log"}
        if store_raw:
            result.duplicates += drop_stored(conn, unique, only_log)
            fresh = sorted(unique.values(), key=_AT)
            pending = store_raw_events(conn, fresh, only_log)
        else:
            fresh = sorted(unique.values(), key=_AT)
        result.new_events = fresh
        if fresh:
            self._fold_chunk(conn, fresh, result)
        if pending is not None:
            pending.finish(conn)
        return result

    def _load_unknown(
        self, conn: Connection, queue_events: list[Ev], overlap: bool, lo: float
    ) -> None:
        """Bring into memory the stored records of the chunk's calls that may have one."""
        session = self.session
        # (set operations over C iterators: this runs for every event of a chunk)
        unknown = set(map(_CALL_ID, queue_events))
        unknown.difference_update(session.calls)
        if not overlap and unknown:
            # Only calls whose entry we have not seen in this session can live in the database.
            kinds = map(_KIND, queue_events)
            unknown.difference_update(
                compress(map(_CALL_ID, queue_events), map(K_ENTER.__eq__, kinds))
            )
        missing = sorted(unknown)
        if not missing:
            return
        for rec in session.load(conn, CallRecord.call_id.in_, missing):
            session.remember(rec)
            if rec.target is not None and rec.caller and not rec.returned:
                session.by_caller.setdefault(rec.caller, []).append(rec)
        for call_id in missing:
            if call_id not in session.calls:
                session.remember_absent(call_id, lo)

    def _fold_chunk(self, conn: Connection, events: list[Ev], result: ChunkResult) -> None:
        lo, hi = events[0].at, events[-1].at
        self.session.evict(lo - SESSION_HORIZON)
        overlap = self.session.overlaps(lo, hi)
        if K_CDR in set(map(_KIND, events)):
            queue_events = [e for e in events if e.kind != K_CDR]
            direct = [e for e in events if e.kind == K_CDR]
        else:
            queue_events, direct = events, []
        self._load_unknown(conn, queue_events, overlap, lo)
        sb = self.context.switchboard_queues
        touched, entries, added = fold_events(self.session, queue_events, sb, self._contribution)
        result.calls_added += added
        if entries:
            if overlap:
                load_transfers(conn, self.session, entries)
            mark_returns(self.session, entries, sb, touched, self._contribution)
        write_records(conn, touched)
        # Console transfers of these calls: answered or not, now that the PBX has said (R3.12).
        settle(conn, set(map(_CALL_ID, touched)), sb)
        removed = [r.old for r in touched if r.old is not None]
        added_contribs = [self._contribution(r) for r in touched]
        aggregates.merge(conn, chunk_deltas(added_contribs, removed, direct, self.clock))
        for rec in touched:
            rec.touched = False
            rec.old = None


DERIVED = (CallRecord, CallStatsHourly, CallWaitHistogram, CallTransferStats, CallDirectStats)


def clear_derived(conn: Connection) -> None:
    for model in DERIVED:
        conn.execute(delete(model))
