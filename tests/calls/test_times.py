"""Call times: stored as epoch seconds, read as aware datetimes, grouped in local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from omstilling.calls import blocks
from omstilling.calls.legs import _Clock
from omstilling.calls.models import CallEvent, CallLogBlock, CallRecord
from omstilling.calls.queue_log import import_lines
from omstilling.store.db import alembic_config, ensure_schema, make_engine

TZ = ZoneInfo("Europe/Copenhagen")
CLOCK = _Clock(TZ)


@given(st.floats(min_value=946_684_800, max_value=4_102_444_800, allow_nan=False))
def test_local_day_and_hour_equal_zoneinfo_across_dst(epoch: float) -> None:
    moment = datetime.fromtimestamp(int(epoch), TZ)  # a moment belongs to its whole second
    assert CLOCK.local(epoch) == (moment.date(), moment.hour)


def test_epoch_time_round_trips_aware_naive_and_other_zones(db_url: str) -> None:
    engine = make_engine(db_url)
    ensure_schema(engine)
    aware = datetime(2026, 10, 25, 1, 30, 15, 123456, tzinfo=UTC)  # the night DST ends
    naive = datetime(2026, 3, 29, 1, 59, 59, 999999)  # naive means UTC
    other = datetime(2026, 12, 1, 10, 15, 3, tzinfo=timezone(timedelta(hours=1)))
    with engine.begin() as conn:
        for i, at in enumerate((aware, naive, other)):
            conn.execute(
                CallEvent.__table__.insert().values(
                    key=f"k{i}", source="api", call_id="c", at=at, type="queued", data=""
                )
            )
        rows = conn.execute(select(CallEvent.key, CallEvent.at).order_by(CallEvent.key)).all()
        stored = conn.execute(text("SELECT at FROM call_events ORDER BY key")).scalars().all()
        later = (
            conn.execute(
                select(CallEvent.key).where(CallEvent.at >= datetime(2026, 11, 1, tzinfo=UTC))
            )
            .scalars()
            .all()
        )
    assert [r.at for r in rows] == [aware, naive.replace(tzinfo=UTC), other]
    assert all(r.at.tzinfo is not None for r in rows)
    assert stored[0] == aware.timestamp()  # a plain double in the database
    assert later == ["k2"]
    engine.dispose()


def test_migration_0006_converts_stored_times_exactly(db_url: str) -> None:
    """A database at revision 0005 keeps every moment, to the microsecond, after 0006."""
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0005")
    zone = "" if engine.dialect.name == "sqlite" else "+00"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO call_events (key, source, call_id, queue, at, type, data)"
            f" VALUES ('q1', 'queue_log', 'c1', 'q', '2026-10-01 07:00:00.250000{zone}',"
            f" 'ENTERQUEUE', ''), ('q2', 'queue_log', 'c1', 'q', '2026-10-01 07:00:05{zone}',"
            " 'CONNECT', '5')"
        )
        conn.exec_driver_sql(
            "INSERT INTO call_records (call_id, queue, entered_at, outcome, answered_at,"
            " ended_at, transferred_at, returned, ring_no_answer, has_enter, source)"
            f" VALUES ('c1', 'q', '2026-10-01 07:00:00.250000{zone}', 'answered',"
            f" '2026-10-01 07:00:05.000000{zone}', '2026-12-31 23:59:59.999999{zone}', NULL,"
            " false, 0, true, 'queue_log')"
        )
    command.upgrade(alembic_config(engine), "0006")
    start = datetime(2026, 10, 1, 7, tzinfo=UTC)
    with engine.connect() as conn:
        events = conn.execute(select(CallEvent.key, CallEvent.at).order_by(CallEvent.key)).all()
        rec = conn.execute(select(CallRecord)).one()
    assert [e.at for e in events] == [start + timedelta(seconds=0.25), start + timedelta(seconds=5)]
    assert rec.entered_at == start + timedelta(seconds=0.25)
    assert rec.answered_at == start + timedelta(seconds=5)
    assert rec.ended_at == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert rec.transferred_at is None
    # ...and back: the downgrade restores SQLAlchemy's text.
    command.downgrade(alembic_config(engine), "0005")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT at FROM call_events ORDER BY key")).scalars().all()
    if engine.dialect.name == "sqlite":
        assert back == ["2026-10-01 07:00:00.250000", "2026-10-01 07:00:05.000000"]
    else:
        assert back == [e.at for e in events]
    engine.dispose()


def test_migration_0007_moves_stored_queue_log_rows_into_blocks(db_url: str) -> None:
    """Lines stored as rows before 0007 are found again by a re-import of their file."""
    lines = [
        "1790000000|1790000000.1|borgerservice|NONE|ENTERQUEUE||+4520000001|1",
        "1790000012|1790000000.1|borgerservice|PJSIP/1001|CONNECT|12|1790000000.2|3",
        "1790000100|1790000000.1|borgerservice|PJSIP/1001|COMPLETECALLER|12|88|1",
    ]
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0006")
    with engine.begin() as conn:  # what 0006's importer stored for these lines
        for i, (at, type_, agent, caller, data) in enumerate(
            (
                (1790000000.0, "ENTERQUEUE", None, "+4520000001", "||1"),
                (1790000012.0, "CONNECT", "PJSIP/1001", None, "12|1790000000.2|3"),
                (1790000100.0, "COMPLETECALLER", "PJSIP/1001", None, "12|88|1"),
            )
        ):
            conn.execute(
                text(
                    "INSERT INTO call_events (key, source, call_id, queue, at, type, agent,"
                    " caller, data) VALUES (:k, 'queue_log', '1790000000.1', 'borgerservice',"
                    " :at, :t, :a, :c, :d)"
                ),
                {"k": f"q{i}", "at": at, "t": type_, "a": agent, "c": caller, "d": data},
            )
    ensure_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(select(CallEvent.id)).all() == []
        stored = [
            line
            for body in conn.execute(select(CallLogBlock.body)).scalars()
            for line in blocks.unpack(body)
        ]
    assert stored == lines
    summary = import_lines(engine, [("again", lines)])
    assert summary.events == 0 and summary.duplicates == 3
    engine.dispose()
