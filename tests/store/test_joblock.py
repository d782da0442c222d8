"""The job lock: one process at a time runs a background job (issue 13 item 7).

Each lock object has its own connection (PostgreSQL) or its own holder name (SQLite),
so two objects in one test stand for two processes; a real second process shows that a
holder which dies lets go."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from omstilling.store.joblock import AdvisoryLock, LeaseLock, PeriodicJob, job_lock


def test_one_holder_at_a_time_and_the_next_takes_over_after_a_release(engine: Engine) -> None:
    first, second = job_lock(engine, "delivery"), job_lock(engine, "delivery")
    other = job_lock(engine, "calendar-poll")
    try:
        assert first.acquire() and first.held
        assert not second.acquire() and not second.held
        assert first.acquire()  # kept (a lease renewed) by its holder
        assert other.acquire()  # another job's lock is another lock
        first.release()
        assert not first.held
        assert second.acquire()
        assert not first.acquire()
    finally:
        for lock in (first, second, other):
            lock.release()


def test_the_lock_fits_the_engine(engine: Engine) -> None:
    lock = job_lock(engine, "delivery")
    expected = AdvisoryLock if engine.dialect.name == "postgresql" else LeaseLock
    assert isinstance(lock, expected)


def test_a_lease_that_runs_out_is_taken_over(engine: Engine) -> None:
    """SQLite's lease (also on PostgreSQL, where nothing uses it): a holder that stops
    renewing, as one that died, gives way once its lease has run out, not before."""
    dead = LeaseLock(engine, "delivery", lease=0.5)
    alive = LeaseLock(engine, "delivery", lease=0.5)
    assert dead.acquire()
    assert not alive.acquire()
    time.sleep(0.6)
    assert alive.acquire()
    assert not dead.acquire()


HOLD = """
import sys, time
from omstilling.store.db import make_engine
from omstilling.store.joblock import job_lock
lock = job_lock(make_engine(sys.argv[1]), "delivery")
print("held" if lock.acquire() else "refused", flush=True)
time.sleep(60)
"""


@pytest.mark.postgres
def test_on_postgresql_a_holder_that_dies_lets_go_at_once(postgres_url: str) -> None:
    from omstilling.store.db import ensure_schema, make_engine

    engine = make_engine(postgres_url)
    ensure_schema(engine)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, postgres_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        waiting = job_lock(engine, "delivery")
        assert not waiting.acquire()
        holder.kill()  # no release: the process is gone, and with it its connection
        holder.wait()
        deadline = time.monotonic() + 5
        while not waiting.acquire():
            assert time.monotonic() < deadline, "the dead holder's lock was never let go"
            time.sleep(0.05)
        waiting.release()
    finally:
        holder.kill()
        holder.wait()
        engine.dispose()


def test_of_two_processes_running_a_job_one_runs_it_and_the_other_takes_over(
    engine: Engine,
) -> None:
    running = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with guard:
            running -= 1

    jobs = [PeriodicJob(engine, "delivery", work, interval=0.05) for _ in range(2)]
    try:
        for job in jobs:
            job.start()
        time.sleep(1.0)
        holder, idle = sorted(jobs, key=lambda job: -job.rounds)
        assert holder.rounds >= 5 and idle.rounds == 0 and most == 1
        holder.stop()  # a stop lets go: the other runs the next rounds
        deadline = time.monotonic() + 5
        while idle.rounds < 3:
            assert time.monotonic() < deadline, "the other process never took over"
            time.sleep(0.05)
    finally:
        for job in jobs:
            job.stop()
    assert most == 1


def test_the_job_lock_table_is_in_the_schema(tmp_path: Path) -> None:
    from sqlalchemy import inspect

    from omstilling.store.db import ensure_schema, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    ensure_schema(engine)
    assert {"name", "holder", "expires_at"} <= {
        c["name"] for c in inspect(engine).get_columns("job_locks")
    }
    engine.dispose()
