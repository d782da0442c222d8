"""Aggregates kept current at ingestion: add a chunk's differences to the stored rows.

Each merge reads the rows of the days a chunk touched (a handful), adds the
differences in Python and writes back what changed: portable SQL (no
engine-specific upsert), and cheap because a chunk touches few days.
"""

from __future__ import annotations

import sys
from array import array
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from omstilling.calls.contributions import DIRECT_COUNTERS, TRANSFER_COUNTERS, Deltas
from omstilling.calls.models import (
    CallDirectStats,
    CallStatsHourly,
    CallTransferStats,
    CallWaitHistogram,
)
from omstilling.calls.sql import insert_sql
from omstilling.domain.kpi import HISTOGRAM_BUCKETS, HOURLY_COUNTERS

HOURLY = (*HOURLY_COUNTERS, "max_wait")
"""The counter columns of `call_stats_hourly`: the counters, then the hour's max wait."""
_WIDTH = len(HOURLY_COUNTERS)


def merge(conn: Connection, deltas: Deltas) -> None:
    """Add a chunk's differences to the stored aggregates."""
    merge_hourly(conn, deltas.hourly)
    merge_hist(conn, deltas.histograms)
    merge_counts(conn, CallTransferStats, ("day", "target"), TRANSFER_COUNTERS, deltas.transfers)
    merge_counts(conn, CallDirectStats, ("day", "dst"), DIRECT_COUNTERS, deltas.directs)


def merge_hourly(conn: Connection, deltas: dict[tuple[str, date, int], list[int]]) -> None:
    if not deltas:
        return
    t = CallStatsHourly
    days = sorted({k[1] for k in deltas})
    existing = {
        (row.queue, row.day, row.hour): row
        for row in conn.execute(select(t).where(t.day.in_(days)))
    }
    new: list[tuple[Any, ...]] = []
    changed = []
    for key, d in deltas.items():
        row = existing.get(key)
        if row is None:
            new.append((key[0], _day(conn, key[1]), key[2], *d))
            continue
        if not any(d[:_WIDTH]) and d[_WIDTH] <= row.max_wait:
            continue
        values = {c: getattr(row, c) + v for c, v in zip(HOURLY_COUNTERS, d[:_WIDTH], strict=True)}
        values["max_wait"] = max(row.max_wait, d[_WIDTH])
        changed.append({"k_queue": key[0], "k_day": key[1], "k_hour": key[2], **values})
    if new:
        # Many new rows per chunk when calls are sparse: the driver's executemany
        # with tuples, not Core with a dict a row.
        columns = ("queue", "day", "hour", *HOURLY)
        conn.exec_driver_sql(insert_sql(conn, t.__tablename__, columns), new)
    if changed:
        conn.execute(
            update(t)
            .where(
                t.queue == bindparam("k_queue"),
                t.day == bindparam("k_day"),
                t.hour == bindparam("k_hour"),
            )
            .values({c: bindparam(c) for c in HOURLY}),
            changed,
        )


def _day(conn: Connection, day: date) -> Any:
    """A date as the driver takes it (SQLAlchemy keeps SQLite's dates as ISO text)."""
    return day.isoformat() if conn.dialect.name == "sqlite" else day


def merge_hist(conn: Connection, deltas: dict[tuple[str, date], dict[int, int]]) -> None:
    if not deltas:
        return
    t = CallWaitHistogram
    days = sorted({k[1] for k in deltas})
    existing = {
        (row.queue, row.day): row.answered_waits
        for row in conn.execute(select(t.queue, t.day, t.answered_waits).where(t.day.in_(days)))
    }
    new, changed = [], []
    for key, d in deltas.items():
        blob = existing.get(key)
        counts = unpack_histogram(blob)
        for bucket, n in d.items():
            counts[bucket] += n
        packed = pack_histogram(counts)
        if blob is None:
            new.append({"queue": key[0], "day": key[1], "answered_waits": packed})
        else:
            changed.append({"k_queue": key[0], "k_day": key[1], "answered_waits": packed})
    if new:
        conn.execute(insert(t), new)
    if changed:
        conn.execute(
            update(t)
            .where(t.queue == bindparam("k_queue"), t.day == bindparam("k_day"))
            .values(answered_waits=bindparam("answered_waits")),
            changed,
        )


def merge_counts(
    conn: Connection,
    table: Any,
    keys: tuple[str, str],
    counters: tuple[str, ...],
    deltas: dict[tuple[date, str], list[int]],
) -> None:
    deltas = {k: d for k, d in deltas.items() if any(d)}
    if not deltas:
        return
    days = sorted({k[0] for k in deltas})
    k0, k1 = (getattr(table, k) for k in keys)
    existing = {
        (getattr(row, keys[0]), getattr(row, keys[1])): row
        for row in conn.execute(select(table).where(k0.in_(days)))
    }
    new, changed = [], []
    for key, d in deltas.items():
        row = existing.get(key)
        if row is None:
            new.append({keys[0]: key[0], keys[1]: key[1], **dict(zip(counters, d, strict=True))})
        else:
            values = {c: getattr(row, c) + v for c, v in zip(counters, d, strict=True)}
            changed.append({"k0": key[0], "k1": key[1], **values})
    if new:
        conn.execute(insert(table), new)
    if changed:
        conn.execute(
            update(table)
            .where(k0 == bindparam("k0"), k1 == bindparam("k1"))
            .values({c: bindparam(c) for c in counters}),
            changed,
        )


def unpack_histogram(blob: bytes | None) -> array[int]:
    counts = array("I")
    if blob is None:
        counts.extend([0] * HISTOGRAM_BUCKETS)
        return counts
    counts.frombytes(blob)
    if sys.byteorder == "big":
        counts.byteswap()
    return counts


def pack_histogram(counts: array[int]) -> bytes:
    if sys.byteorder == "big":
        counts = array("I", counts)
        counts.byteswap()
    return counts.tobytes()
