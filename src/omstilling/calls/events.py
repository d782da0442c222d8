"""Live call events from the PBX (POST /api/v1/calls/events), independent of HTTP.

`store_events` is the whole behaviour; the web handler is a thin shell around
it, so that authentication (the `calls:write` scope) and the console's live
push can be added around it without touching ingestion.

Guarantees:

* An event is stored once per `id`: a PBX may retry a whole request freely.
* `store_events` returns only after the transaction is committed; the handler
  acknowledges (2xx) only then. On SQLite (WAL, synchronous=NORMAL) a commit
  survives the process being killed (the test kills the server with SIGKILL);
  only an operating-system crash or power loss can lose the last commits.
  Set synchronous=FULL, or use PostgreSQL, where a commit is fsynced, for that.
* Listeners (`app.state.call_event_listeners`, see web/api_calls.py) are called
  after the commit with the events that were new, never with duplicates.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine

from omstilling.calls.ingest import Ingestor
from omstilling.calls.legs import (
    K_ABANDON,
    K_COMPLETE,
    K_CONNECT,
    K_ENTER,
    K_TIMEOUT,
    K_TRANSFER,
    Context,
    Ev,
    load_context,
)
from omstilling.domain.kpi import CALL_YEARS, EARLIEST_CALL, LATEST_CALL

EventType = Literal["queued", "answered", "abandoned", "timeout", "transferred", "ended"]
TYPE_KINDS: dict[str, int] = {
    "queued": K_ENTER,
    "answered": K_CONNECT,
    "abandoned": K_ABANDON,
    "timeout": K_TIMEOUT,
    "transferred": K_TRANSFER,
    "ended": K_COMPLETE,
}
MAX_EVENTS = 500


class CallEventIn(BaseModel):
    """One live event, as in spec/call-data.md section 3."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=150)
    call_id: str = Field(min_length=1, max_length=100)
    type: EventType
    at: datetime = Field(
        description="ISO 8601 with a zone offset, e.g. 2026-12-01T10:15:03+01:00; "
        "in the years 2000-2099, at most a day ahead of the server's clock",
        json_schema_extra={"pattern": "^20[0-9]{2}-"},
    )
    queue: str | None = Field(None, max_length=100)
    caller: str | None = Field(None, max_length=100)
    agent: str | None = Field(None, max_length=100)
    target: str | None = Field(None, max_length=100)

    @field_validator("at")
    @classmethod
    def _zoned(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("time without a zone; give an offset such as +01:00 or Z")
        if not EARLIEST_CALL <= value < LATEST_CALL:
            raise ValueError(f"time outside {CALL_YEARS}")
        return value


class CallEventsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[CallEventIn] = Field(min_length=1, max_length=MAX_EVENTS)


CallEvent = CallEventIn
Listener = Callable[[list[CallEventIn]], None]


@dataclass
class StoreResult:
    stored: list[CallEventIn]
    duplicates: int


def to_ev(e: CallEventIn) -> Ev:
    data = json.dumps(
        {k: v for k, v in (("agent", e.agent), ("target", e.target)) if v is not None},
        separators=(",", ":"),
    )
    return Ev(
        "api:" + e.id,
        "api",
        e.call_id,
        e.queue,
        e.at.timestamp(),
        e.type,
        e.agent,
        e.caller,
        data,
        TYPE_KINDS[e.type],
        None,
        None,
        e.target,
    )


class EventStore:
    """Stores live events; keeps the organisation context between requests.

    A lock serialises this process's requests (they would wait for each other
    on the database's write lock anyway, and SQLite handles a queue of writers
    in one process better than a thundering herd)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._context: Context | None = None
        self._context_at = 0.0

    def context(self) -> Context:
        import time

        now = time.monotonic()
        if self._context is None or now - self._context_at > 60:
            with self.engine.connect() as conn:
                self._context = load_context(conn)
            self._context_at = now
        return self._context

    def store(self, events: Sequence[CallEventIn]) -> StoreResult:
        context = self.context()
        evs = [to_ev(e) for e in events]
        with self._lock, self.engine.begin() as conn:
            result = Ingestor(conn, context).ingest(conn, evs)
        new_keys = {e.key for e in result.new_events}
        stored: list[CallEventIn] = []
        for e in events:
            k = "api:" + e.id
            if k in new_keys:
                stored.append(e)
                new_keys.discard(k)
        return StoreResult(stored=stored, duplicates=len(events) - len(stored))


def store_events(engine: Engine, events: Sequence[CallEventIn]) -> StoreResult:
    """Store events durably (committed when this returns); duplicates by id are skipped."""
    return EventStore(engine).store(events)
