"""Call data tables: raw PBX events (append-only), call records and aggregates.

Three layers, each derived from the one before:

* The raw log: every queue_log line, CDR row and live event we accepted,
  exactly once. queue_log lines are kept as the PBX wrote them in compressed
  blocks (`call_log_blocks`); live and CDR events a row each in `call_events`
  (unique `key`). Both are only ever appended to (and, for personal data, their
  caller numbers hashed), so `omstilling calls rebuild` can recompute
  everything below them when a definition changes.
* `call_records` holds one row per call and queue (a "leg"): when it entered,
  how it ended, how long the caller waited and talked, where it was transferred.
* The aggregates (`call_stats_hourly`, `call_wait_histograms`,
  `call_transfer_stats`, `call_direct_stats`) are kept current at ingestion, so
  a report reads a few thousand rows whatever the number of calls.

Aggregates are keyed by the PBX's own names (queue, transfer target, dialled
number), not by unit: the organisation file maps them to units when a report is
made, so a reorganisation never needs a rebuild. Days and hours are local time
(the municipality's time zone) because that is how the report groups them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Dialect,
    Double,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from omstilling.store.models import Base

__all__ = [
    "Base",
    "CallDirectStats",
    "CallEvent",
    "CallIngestState",
    "CallLogBlock",
    "CallRecord",
    "CallStatsHourly",
    "CallTransferStats",
    "CallWaitHistogram",
]

NAME = String(100)


class EpochTime(TypeDecorator[datetime]):
    """A moment stored as seconds since the epoch (UTC) in a double.

    The importer binds its float epochs as they are (formatting SQLite's
    DateTime text cost more than parsing the line); Python code that goes
    through SQLAlchemy still binds and reads aware UTC datetimes (a naive
    datetime is taken as UTC, as SQLite's DateTime did)."""

    impl = Double
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value.timestamp()
        return float(value)  # an epoch already

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromtimestamp(float(value), UTC)


class CallEvent(Base):
    """One raw live or CDR event as the PBX reported it (append-only).

    `key` makes ingestion idempotent: for live events the PBX's event id, for
    CDR the uniqueid. `caller` is kept apart from `data` so that retention can
    hash it. (queue_log lines are in `CallLogBlock`.)"""

    __tablename__ = "call_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(10))  # queue_log | cdr | api
    call_id: Mapped[str] = mapped_column(NAME)
    queue: Mapped[str | None] = mapped_column(NAME)
    at: Mapped[datetime] = mapped_column(EpochTime(), index=True)
    type: Mapped[str] = mapped_column(String(30))
    agent: Mapped[str | None] = mapped_column(NAME)
    caller: Mapped[str | None] = mapped_column(NAME)
    data: Mapped[str] = mapped_column(Text, default="")


class CallRecord(Base):
    """One call in one queue, with the figures of spec/call-data.md.

    `outcome` is answered | abandoned | timed_out | incomplete. A switchboard
    call that was transferred carries `transfer_target`; `returned` says the
    call came back to the switchboard afterwards (R1.3)."""

    __tablename__ = "call_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(NAME)
    queue: Mapped[str] = mapped_column(NAME)
    entered_at: Mapped[datetime] = mapped_column(EpochTime(), index=True)
    # No index of its own: every lookup by caller is also by time (entered_at's index),
    # and a fourth index cost the importer a fifth of its record writes.
    caller: Mapped[str | None] = mapped_column(NAME)
    agent: Mapped[str | None] = mapped_column(NAME)
    outcome: Mapped[str] = mapped_column(String(10))
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None] = mapped_column(EpochTime())
    ended_at: Mapped[datetime | None] = mapped_column(EpochTime())
    transferred_at: Mapped[datetime | None] = mapped_column(EpochTime())
    transfer_target: Mapped[str | None] = mapped_column(NAME)
    returned: Mapped[bool] = mapped_column(Boolean, default=False)
    ring_no_answer: Mapped[int] = mapped_column(Integer, default=0)
    has_enter: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        UniqueConstraint("call_id", "queue", "entered_at", name="uq_call_records_leg"),
    )


class CallStatsHourly(Base):
    """Counts per queue and local hour; sums so that means can be formed later."""

    __tablename__ = "call_stats_hourly"
    queue: Mapped[str] = mapped_column(NAME, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    timed_out: Mapped[int] = mapped_column(Integer, default=0)
    incomplete: Mapped[int] = mapped_column(Integer, default=0)
    short_abandons: Mapped[int] = mapped_column(Integer, default=0)
    wait_answered_sum: Mapped[int] = mapped_column(Integer, default=0)
    talk_sum: Mapped[int] = mapped_column(Integer, default=0)
    talk_count: Mapped[int] = mapped_column(Integer, default=0)
    max_wait: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_call_stats_hourly_day", "day"),)


class CallWaitHistogram(Base):
    """Answered calls per second of waiting (0..600 and one bucket beyond), per queue and day.

    A packed array of 602 little-endian uint32: a service level for any threshold
    is a sum over a prefix, without reading single calls. Kept per day, not per
    hour, because no figure needs a service level per hour and it keeps the
    report's read small."""

    __tablename__ = "call_wait_histograms"
    queue: Mapped[str] = mapped_column(NAME, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    answered_waits: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_call_wait_histograms_day", "day"),)


class CallTransferStats(Base):
    """Switchboard transfers per target (as the PBX named it) and local day (R1.3, R3.12)."""

    __tablename__ = "call_transfer_stats"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    target: Mapped[str] = mapped_column(NAME, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)


class CallDirectStats(Base):
    """Calls to direct numbers from the CDR, per dialled number and local day."""

    __tablename__ = "call_direct_stats"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dst: Mapped[str] = mapped_column(NAME, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)


class CallIngestState(Base):
    """One row. Every ingestion updates it first, which serialises writers on both
    engines (SQLite's write lock, PostgreSQL's row lock) so two imports never
    fold the same call at once. It also keeps the fallback key for hashing
    caller numbers when the settings give none."""

    __tablename__ = "call_ingest_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    hash_key: Mapped[str | None] = mapped_column(Text)


class CallLogBlock(Base):
    """queue_log lines as the PBX wrote them, in compressed blocks (the raw log).

    One row per block of up to `blocks.MAX_LINES` lines spanning at most
    `blocks.MAX_SPAN` seconds, lines in time order, zlib-compressed. A row per
    line with a unique key cost more than everything else the importer does;
    a block costs one row. Idempotency comes from comparing a chunk's lines
    with the blocks that overlap it in time (`blocks.stored_identities`).
    `hashed`: the callers' numbers in it are keyed hashes (retention)."""

    __tablename__ = "call_log_blocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    first_at: Mapped[float] = mapped_column(Double, index=True)
    last_at: Mapped[float] = mapped_column(Double)
    lines: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    hashed: Mapped[bool] = mapped_column(Boolean, default=False)
