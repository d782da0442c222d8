"""Signing requests in while other connections commit (live PBX events, many a second).

On SQLite a transaction that has read cannot go on to write once another
connection has committed in between: SQLite refuses at once with "database is
locked" (it does not wait). The live-events benchmark hit this on its first
requests: four clients' token lookups each updated `last_used` after reading.
Here another connection commits right after the lookups' read, every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from omstilling import accounts
from omstilling.store.db import ensure_schema, make_engine


@pytest.fixture
def engines(sqlite_url: str) -> Iterator[tuple[Engine, Engine]]:
    main, other = make_engine(sqlite_url), make_engine(sqlite_url)
    ensure_schema(main)
    yield main, other
    main.dispose()
    other.dispose()


def _commit_elsewhere_after(engine: Engine, other: Engine, prefix: str) -> list[str]:
    """Another connection commits right after each statement that starts with prefix."""
    fired: list[str] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(prefix):
            fired.append(statement)
            with other.begin() as c:
                c.execute(text("UPDATE call_ingest_state SET version = version + 1"))

    event.listen(engine, "after_cursor_execute", after)
    return fired


def test_a_token_lookup_survives_a_commit_between_its_read_and_its_write(
    engines: tuple[Engine, Engine],
) -> None:
    engine, other = engines
    token = accounts.create_token(engine, "pbx", ["calls:write"])
    fired = _commit_elsewhere_after(engine, other, "SELECT api_tokens.id")
    principal = accounts.token_principal(engine, token)
    assert principal is not None and principal.has("calls:write")
    assert fired
    with engine.connect() as conn:
        assert conn.execute(text("SELECT last_used FROM api_tokens")).scalar() is not None


def test_a_session_lookup_survives_a_commit_between_its_read_and_its_write(
    engines: tuple[Engine, Engine],
) -> None:
    engine, other = engines
    user = accounts.add_user(engine, "op", "operator", "korrekt-hest-batteri")
    start = datetime(2026, 11, 30, 8, tzinfo=UTC)
    session = accounts.create_session(engine, user, now=start)
    policy = accounts.SessionPolicy(idle=timedelta(hours=2), absolute=timedelta(hours=12))
    fired = _commit_elsewhere_after(engine, other, "SELECT sessions.csrf_token")
    later = start + timedelta(minutes=5)
    assert accounts.session_principal(engine, session, policy, now=later) is not None
    assert fired
    fired.clear()
    # Timed out: the session is deleted, also with a commit in between.
    gone = start + timedelta(hours=13)
    assert accounts.session_principal(engine, session, policy, now=gone) is None
    assert fired
