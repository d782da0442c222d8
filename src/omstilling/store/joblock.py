"""One process at a time for a background job: a lock in the database (issue 13 item 7).

Every server process (`omstilling serve --workers N`, or instances behind one address)
starts the same background jobs: message delivery now, a calendar poll or a scheduled
sync later. Each job runs a round only while its process holds the job's lock, so one
process runs it; when that process stops or dies, another takes the lock at its next
round and goes on.

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection of the
lock's own, outside the pool. The server holds it while that connection lives, so a
process that dies, or loses its connection, lets go at once, and no clock is involved.

SQLite: a lease, a row in `job_locks` naming its holder and when it runs out, renewed at
each round. A holder that stops renewing (it died) gives way after `lease` seconds. On
SQLite the server runs one process, so this only matters beside another process on the
same file (`omstilling messages deliver --watch`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine, Float, String, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from omstilling.store.models import Base

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0


class JobLockRow(Base):
    """A job's lease on SQLite: who holds it and until when (epoch seconds)."""

    __tablename__ = "job_locks"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[float] = mapped_column(Float)


class JobLock(Protocol):
    name: str

    @property
    def held(self) -> bool: ...

    def acquire(self) -> bool:
        """Take the lock, or keep it (renewing a lease); whether this object holds it now.
        Never waits for another holder."""
        ...

    def release(self) -> None:
        """Let go (another process may take it at once); nothing when not held."""
        ...


def job_lock(engine: Engine, name: str, *, lease: float = LEASE_SECONDS) -> JobLock:
    """The lock named `name` on the database of `engine`: advisory on PostgreSQL, a lease
    on SQLite. Two objects for the same name exclude each other, also in one process."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, name)
    return LeaseLock(engine, name, lease=lease)


def _int32(text: str) -> int:
    value = zlib.crc32(text.encode())
    return value - 2**32 if value >= 2**31 else value


NAMESPACE = _int32("omstilling")  # the first key of the two: ours, not another program's


class AdvisoryLock:
    """`pg_try_advisory_lock(namespace, crc32(name))` on a dedicated connection."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.name = name
        self.key = _int32(name)
        self._url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: Any = None  # psycopg.Connection, opened at the first acquire
        self._held = False
        self._mutex = threading.Lock()

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self) -> bool:
        import psycopg

        with self._mutex:
            try:
                if self._conn is None or self._conn.closed:
                    self._held = False
                    self._conn = psycopg.connect(
                        self._url,
                        autocommit=True,
                        connect_timeout=10,
                        application_name=f"omstilling job {self.name}"[:63],
                    )
                if self._held:  # held as long as the connection lives: is it alive?
                    self._conn.execute("SELECT 1")
                    return True
                row = self._conn.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (NAMESPACE, self.key)
                ).fetchone()
                self._held = bool(row and row[0])
            except psycopg.Error:
                log.warning("job lock %s: the database connection failed", self.name)
                self._close()
            return self._held

    def release(self) -> None:
        with self._mutex:
            self._close()  # closing the session lets go of its advisory locks

    def _close(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            try:
                conn.close()
            except Exception:  # already gone
                log.debug("job lock %s: closing failed", self.name, exc_info=True)


class LeaseLock:
    """A row in `job_locks`; renewed by each acquire, taken over once it has run out."""

    def __init__(self, engine: Engine, name: str, *, lease: float = LEASE_SECONDS) -> None:
        self.engine = engine
        self.name = name
        self.lease = lease
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self) -> bool:
        now = time.time()
        row = JobLockRow
        try:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    update(row)
                    .where(row.name == self.name)
                    .where(or_(row.holder == self.holder, row.expires_at < now))
                    .values(holder=self.holder, expires_at=now + self.lease)
                ).rowcount
                if not taken:  # held by another, or never taken: then the row is new
                    known = conn.execute(select(row.name).where(row.name == self.name)).first()
                    if known is None:
                        conn.execute(
                            insert(row).values(
                                name=self.name, holder=self.holder, expires_at=now + self.lease
                            )
                        )
                        taken = 1
        except (IntegrityError, OperationalError):  # another took it first; the file is busy
            log.debug("job lock %s: not taken this time", self.name, exc_info=True)
            taken = 0
        self._held = bool(taken)
        return self._held

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        row = JobLockRow
        with self.engine.begin() as conn:
            conn.execute(
                update(row)
                .where(row.name == self.name, row.holder == self.holder)
                .values(expires_at=0.0)
            )


class PeriodicJob:
    """A background thread that runs `work` every `interval` seconds, each round only
    while this process holds the job's lock: every process starts it, one runs it.

    `rounds` counts the rounds run here (none in a process that never held the lock)."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        work: Callable[[], object],
        interval: float,
        *,
        lease: float = LEASE_SECONDS,
    ) -> None:
        self.name = name
        self.interval = interval
        self.lock = job_lock(engine, name, lease=max(lease, interval * 3))
        self.rounds = 0
        self._work = work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        was_held = False
        try:
            while not self._stop.is_set():
                held = self.lock.acquire()
                if held != was_held:
                    log.info(
                        "%s: %s", self.name, "runs in this process" if held else "runs elsewhere"
                    )
                    was_held = held
                if held:
                    try:
                        self._work()
                        self.rounds += 1
                    except Exception:  # the job must outlive a database hiccup
                        log.exception("%s: a round failed", self.name)
                self._stop.wait(self.interval)
        finally:
            try:
                self.lock.release()
            except Exception:
                log.exception("%s: releasing its lock failed", self.name)
