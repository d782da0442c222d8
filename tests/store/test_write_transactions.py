"""`engine.begin()` on SQLite takes the write lock as it begins.

A deferred transaction that reads, then writes, fails at once ("database is
locked") when another connection committed in between; with the lock taken at
BEGIN the other writer waits instead, and both writes count.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, text

from omstilling.store.db import ensure_schema, make_engine


def _version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT version FROM call_ingest_state")).scalar_one())


def test_a_read_then_write_transaction_is_not_overtaken_by_another_writer(
    sqlite_url: str,
) -> None:
    first, second = make_engine(sqlite_url), make_engine(sqlite_url)
    ensure_schema(first)
    start = _version(first)
    read = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        read.wait()
        try:
            with second.begin() as conn:  # waits for the first transaction's lock
                conn.execute(text("UPDATE call_ingest_state SET version = version + 1"))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=other_writer)
    thread.start()
    with first.begin() as conn:
        seen = conn.execute(text("SELECT version FROM call_ingest_state")).scalar_one()
        read.set()
        time.sleep(0.3)  # the other writer tries to commit now
        conn.execute(text("UPDATE call_ingest_state SET version = :v"), {"v": seen + 1})
    thread.join()
    assert errors == []
    assert _version(first) == start + 2  # neither increment was lost
    first.dispose()
    second.dispose()


def test_reads_do_not_wait_for_a_writer(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE call_ingest_state SET version = version + 1"))
        # A reader on another connection, while this transaction holds the lock.
        t = time.perf_counter()
        assert _version(engine) >= 0
        assert time.perf_counter() - t < 1
    engine.dispose()
