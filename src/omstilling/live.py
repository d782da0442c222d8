"""Live events to open consoles: calls queued on the switchboard, pushed as they happen.

Every app instance keeps the consoles connected to it in a `LiveHub`. Events
reach the hubs through a bus: in one process (SQLite) the bus hands them over
directly; with PostgreSQL the bus is LISTEN/NOTIFY, so that several instances
behind one address share the live events and a console sees every call,
whichever instance the PBX posted it to.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, text

from omstilling.domain.danish import format_phone
from omstilling.domain.organisation import Organisation
from omstilling.domain.queues import organisation_switchboard_queues

if TYPE_CHECKING:
    from omstilling.calls.caller import Returning

log = logging.getLogger("omstilling.live")
CHANNEL = "omstilling_live"


class LiveHub:
    """The consoles connected to this instance; thread-safe delivery into their loops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[
            tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]
        ] = []

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=200)
        with self._lock:
            self._subscribers.append((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._subscribers = [(lp, q) for lp, q in self._subscribers if q is not queue]

    @property
    def count(self) -> int:
        return len(self._subscribers)

    def deliver(self, payload: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers)
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(_put, queue, payload)
            except RuntimeError:  # the loop has closed: the console went away
                self.unsubscribe(queue)


def _put(queue: asyncio.Queue[dict[str, Any]], payload: dict[str, Any]) -> None:
    if queue.full():  # a console that does not read loses the oldest, never blocks others
        queue.get_nowait()
    queue.put_nowait(payload)


class Bus(Protocol):
    def publish(self, payload: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


class LocalBus:
    def __init__(self, hub: LiveHub) -> None:
        self.hub = hub

    def publish(self, payload: dict[str, Any]) -> None:
        self.hub.deliver(payload)

    def close(self) -> None:
        return None


class PostgresBus:
    """NOTIFY to publish; one LISTEN connection per instance delivers to its hub."""

    def __init__(self, hub: LiveHub, engine: Engine) -> None:
        self.hub = hub
        self.engine = engine
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="omstilling-listen", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)

    def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self.hub.deliver(json.loads(note.payload))
            except Exception:  # the database went away: retry, the consoles keep waiting
                log.exception("live listener lost its connection; retrying")
                self._ready.set()
                self._stop.wait(2)

    def publish(self, payload: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text("SELECT pg_notify(:c, :p)"),
                {"c": CHANNEL, "p": json.dumps(payload, ensure_ascii=False)},
            )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def make_bus(hub: LiveHub, engine: Engine) -> Bus:
    if engine.dialect.name == "postgresql":
        return PostgresBus(hub, engine)
    return LocalBus(hub)


def caller_display(caller: str | None) -> str | None:
    if not caller:
        return None
    return format_phone(caller) if caller.startswith("+") else caller


def call_payloads(
    engine: Engine, org: Organisation, events: Sequence[Any], now: datetime
) -> list[dict[str, Any]]:
    """What the consoles show of newly stored events on the switchboard's queues."""
    from omstilling.calls.caller import returning
    from omstilling.calls.models import CallRecord
    from omstilling.store.message_models import MessageRow

    queues = organisation_switchboard_queues(org)
    out: list[dict[str, Any]] = []
    relevant = [e for e in events if e.queue in queues]
    if not relevant:
        return out
    tz = ZoneInfo(org.municipality.timezone)
    midnight = datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz).astimezone(UTC)
    with engine.connect() as conn:
        for e in relevant:
            payload: dict[str, Any] = {"call_id": e.call_id, "type": e.type, "queue": e.queue}
            if e.type == "queued":
                calls_today = open_messages = 0
                if e.caller:
                    calls_today = int(
                        conn.execute(
                            select(func.count(func.distinct(CallRecord.call_id))).where(
                                CallRecord.caller == e.caller,
                                CallRecord.entered_at >= midnight,
                                CallRecord.call_id != e.call_id,
                            )
                        ).scalar()
                        or 0
                    )
                    open_messages = int(
                        conn.execute(
                            select(func.count())
                            .select_from(MessageRow)
                            .where(
                                MessageRow.caller_phone == e.caller, MessageRow.status != "closed"
                            )
                        ).scalar()
                        or 0
                    )
                back = returning(
                    conn, org, queues, e.caller, call_id=e.call_id, at=e.at.astimezone(UTC)
                )
                payload.update(
                    returning=returning_text(back, tz) if back else None,
                    caller_display=caller_display(e.caller),
                    # The web adds the dial link from it (omstilling.web.dial_links).
                    caller_e164=e.caller if e.caller and e.caller.startswith("+") else None,
                    calls_today=calls_today,
                    open_messages=open_messages,
                    at=e.at.isoformat(),
                )
            elif e.type == "answered" and e.agent:
                # The console of the operator on this agent takes the call as being served.
                payload["agent"] = e.agent
            out.append(payload)
    return out


def returning_text(back: Returning, tz: ZoneInfo) -> str:
    """The strip's flag for a caller back within 10 minutes (R1.3), in Danish."""
    words = f"Ringer igen: stillet om til {back.target} kl. {back.at.astimezone(tz):%H.%M}"
    if back.answered is True:
        return words + ", besvaret"
    if back.answered is False:
        return words + ", ikke besvaret"
    return words


class LivePublisher:
    """Turns stored call events into console payloads off the request's thread.

    The PBX's request must not wait for the consoles: `submit` only queues."""

    def __init__(self, engine: Engine, bus: Bus, organisation: Any, clock: Any) -> None:
        import queue

        self.engine = engine
        self.bus = bus
        self._organisation = organisation  # callable -> Organisation | None
        self._clock = clock
        self._queue: queue.Queue[Sequence[Any] | None] = queue.Queue(maxsize=10_000)
        self._thread = threading.Thread(target=self._run, name="omstilling-live", daemon=True)
        self._thread.start()

    def submit(self, events: Sequence[Any]) -> None:
        import queue

        if isinstance(self.bus, LocalBus) and self.bus.hub.count == 0:
            return  # nobody is watching, here or anywhere (one process): no work at all
        try:
            self._queue.put_nowait(list(events))
        except queue.Full:  # consoles are a convenience; ingestion must never block on them
            log.warning("live queue full; %d events not pushed to consoles", len(events))

    def _run(self) -> None:
        while True:
            events = self._queue.get()
            if events is None:
                return
            try:
                org = self._organisation()
                if org is None:
                    continue
                for payload in call_payloads(self.engine, org, events, self._clock()):
                    self.bus.publish(payload)
            except Exception:
                log.exception("live push failed")

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
        self.bus.close()
