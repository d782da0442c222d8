"""Caller numbers expire into keyed hashes (spec: personal data)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, select

from omstilling.calls import blocks
from omstilling.calls.models import CallEvent, CallLogBlock, CallRecord
from omstilling.calls.queue_log import import_files
from omstilling.calls.retention import hash_caller, purge_caller_numbers
from omstilling.reports.build import Period, build_report
from tests.calls.conftest import HANDCOUNT

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))


def callers(engine: Engine) -> set[str | None]:
    """Every caller number stored: records, rows of events, and the raw queue_log lines."""
    with engine.connect() as conn:
        found = set(conn.execute(select(CallRecord.caller)).scalars()) | set(
            conn.execute(select(CallEvent.caller)).scalars()
        )
        for body in conn.execute(select(CallLogBlock.body)).scalars():
            for line in blocks.unpack(body):
                parts = line.split("|")
                if parts[4] == "ENTERQUEUE" and len(parts) > 6:
                    found.add(parts[6] or None)
    return found


def test_caller_numbers_older_than_the_retention_become_hashes(org_engine: Engine) -> None:
    import_files(org_engine, [HANDCOUNT])
    before = build_report(org_engine, DECEMBER)
    # 1 December + 89 days: nothing is old enough yet.
    assert (
        purge_caller_numbers(org_engine, datetime(2027, 2, 28, tzinfo=UTC), 90, key="k" * 32) == 0
    )
    n = purge_caller_numbers(org_engine, datetime(2027, 3, 10, tzinfo=UTC), 90, key="k" * 32)
    assert n == 17 + 17  # every record and every ENTERQUEUE event had a number
    numbers = callers(org_engine) - {None}
    assert all(c.startswith("h:") for c in numbers)
    assert hash_caller(b"k" * 32, "+4520000010") in numbers  # same number, same hash
    assert not any("2000000" in c for c in numbers)
    assert (
        purge_caller_numbers(org_engine, datetime(2027, 3, 10, tzinfo=UTC), 90, key="k" * 32) == 0
    )
    assert build_report(org_engine, DECEMBER) == before  # counts still work


def test_without_a_configured_key_one_is_kept_in_the_database(org_engine: Engine) -> None:
    import_files(org_engine, [HANDCOUNT])
    later = datetime(2027, 6, 1, tzinfo=UTC)
    assert purge_caller_numbers(org_engine, later, 90, key=None) == 34
    hashed = callers(org_engine) - {None}
    import_files(org_engine, [HANDCOUNT])  # nothing new; the same key is used again
    assert callers(org_engine) - {None} == hashed
