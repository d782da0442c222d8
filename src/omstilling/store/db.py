"""Engines and schema: SQLite (WAL, foreign keys on) by default, PostgreSQL via psycopg 3.

Any command that opens a database brings it to the latest schema first
(`ensure_schema`), so `omstilling import` into an empty database just works.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import MethodType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"
_lock = threading.Lock()


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# A connection's execution option: its transaction will write (see _write_transaction).
_WRITE = "omstilling_write"


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[Connection]:
    """`engine.begin()` on SQLite: a transaction that takes the write lock as it begins.

    SQLite's default (deferred) transaction takes a snapshot at its first read and
    the write lock at its first write; if another connection commits in between,
    the write fails at once with "database is locked", without waiting for
    busy_timeout. With live PBX events committing many times a second, every
    read-then-write (presence, messages, the editor, sign-in) would fail now and
    then. BEGIN IMMEDIATE waits for the lock first (up to busy_timeout) and then
    reads what is current. Reads go through `engine.connect()` and stay deferred,
    so they never wait for a writer (WAL)."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            write = conn.get_execution_options().get(_WRITE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        engine.begin = MethodType(_write_transaction, engine)  # type: ignore[method-assign]
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> None:
    """Bring the database to the latest schema (idempotent)."""
    with _lock:
        command.upgrade(alembic_config(engine), "head")


def ensure_schema(engine: Engine) -> None:
    if current_revision(engine) != head_revision(engine):
        upgrade(engine)


def check(engine: Engine) -> None:
    """Raise when the models and the migrations disagree (alembic check)."""
    ensure_schema(engine)
    command.check(alembic_config(engine))
