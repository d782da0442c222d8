"""Storing and reading test calls (R1.7): all of a batch or none of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select

from omstilling.clock import utc
from omstilling.domain.quality import CRITERIA, TestCall
from omstilling.store.quality_models import TestCallRow

__all__ = ["add_test_calls", "measured_between"]


def add_test_calls(engine: Engine, calls: Sequence[TestCall], *, actor: str, now: datetime) -> int:
    """Store the test calls in one transaction; returns how many."""
    if not calls:
        return 0
    rows = [
        {
            "at": utc(c.at),
            "unit_id": c.unit,
            "answered": c.answered,
            "wait_seconds": c.wait_seconds,
            "served": c.served,
            "named": c.named,
            "offered_service": c.offered_service,
            **{name: c.score(name) for name in CRITERIA},
            "apology": c.apology,
            "measured_by": c.by,
            "note": c.note,
            "recorded_by": actor,
            "recorded_at": utc(now),
        }
        for c in calls
    ]
    with engine.begin() as conn:
        conn.execute(insert(TestCallRow), rows)
    return len(rows)


def measured_between(engine: Engine, start: date, end: date, tz: ZoneInfo) -> list[TestCall]:
    """The test calls made from `start` to `end`, both days included, local time."""
    lo = datetime.combine(start, time(), tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC)
    t = TestCallRow
    with engine.connect() as conn:
        rows = conn.execute(select(t).where(t.at >= lo, t.at < hi).order_by(t.at, t.id)).all()
        return [
            TestCall(
                at=utc(r.at),
                unit=r.unit_id,
                answered=r.answered,
                wait_seconds=r.wait_seconds,
                served=r.served,
                named=r.named,
                offered_service=r.offered_service,
                kindness=r.kindness,
                calm=r.calm,
                clarity=r.clarity,
                honesty=r.honesty,
                apology=r.apology,
                by=r.measured_by,
                note=r.note,
            )
            for r in rows
        ]
