"""Caller numbers are personal data: after the retention they become keyed hashes.

A number older than the retention (default 90 days) is replaced, in the call
records and in the raw events (rows of live events, and the queue_log blocks
once the whole block is older), by `h:` and an HMAC-SHA256 of the number. The
same number always gives the same hash, so "calls from the same number" still
count (returns to the switchboard, repeat callers), but the number cannot be
read back. The key comes from the settings (OMSTILLING_CALLER_HASH_KEY) and
should be kept outside the database: with the key in the database, anyone with
the database could hash every possible number and find the one that matches.
Without a configured key a random key is created and kept in the database,
which still stops casual reading.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, select, update

from omstilling.calls import blocks
from omstilling.calls.models import CallEvent, CallIngestState, CallRecord
from omstilling.calls.session import ensure_state

HASH_PREFIX = "h:"
BATCH = 5_000


def _key(engine: Engine, configured: str | None) -> bytes:
    if configured:
        return configured.encode()
    with engine.begin() as conn:
        ensure_state(conn)
        stored = conn.execute(
            select(CallIngestState.hash_key).where(CallIngestState.id == 1)
        ).scalar_one_or_none()
        if stored:
            return stored.encode()
        key = secrets.token_hex(32)
        conn.execute(update(CallIngestState).where(CallIngestState.id == 1).values(hash_key=key))
        return key.encode()


def hash_caller(key: bytes, number: str) -> str:
    return HASH_PREFIX + hmac.new(key, number.encode(), hashlib.sha256).hexdigest()[:32]


def purge_caller_numbers(
    engine: Engine, now: datetime, days: int = 90, *, key: str | None = None
) -> int:
    """Hash caller numbers older than `days`; how many records and events were changed."""
    if days < 1:
        raise ValueError("the retention must be at least 1 day")
    if key is None:
        from omstilling.settings import Settings

        key = Settings().caller_hash_key
    secret = _key(engine, key)
    cutoff = now - timedelta(days=days)
    changed = 0
    for model, at in ((CallRecord, CallRecord.entered_at), (CallEvent, CallEvent.at)):
        while True:
            with engine.begin() as conn:
                rows = conn.execute(
                    select(model.id, model.caller)
                    .where(
                        at < cutoff,
                        model.caller.is_not(None),
                        model.caller.not_like(HASH_PREFIX + "%"),
                    )
                    .limit(BATCH)
                ).all()
                if not rows:
                    break
                conn.execute(
                    update(model)
                    .where(model.id == bindparam("k_id"))
                    .values(caller=bindparam("k_caller")),
                    [{"k_id": i, "k_caller": hash_caller(secret, str(c))} for i, c in rows],
                )
                changed += len(rows)
    while True:
        with engine.begin() as conn:
            rewritten, numbers = blocks.hash_callers(
                conn,
                cutoff.timestamp(),
                lambda number: hash_caller(secret, number),
                HASH_PREFIX,
                limit=50,
            )
        changed += numbers
        if not rewritten:
            break
    return changed
