"""Writes in this process, told to whoever keeps a copy in memory (the organisation and
the presence codes the server answers from).

A listener is a bound method held weakly, so an app that is gone is forgotten. Another
process learns of a write from the version it reads (a revision, a presence version)
within its `max_age`; on PostgreSQL a write also sends a NOTIFY, and a server process's
`Relay` (LISTEN) calls its listeners at once, as a write through that process would
(issue 13 item 7: several processes see a change within 2 s of its commit).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import weakref
from collections.abc import Callable
from typing import Literal, get_args

from sqlalchemy import URL, Engine, text
from sqlalchemy.exc import SQLAlchemyError

Topic = Literal["organisation", "presence"]
TOPICS: tuple[Topic, ...] = get_args(Topic)
CHANNEL = "omstilling_changes"
log = logging.getLogger(__name__)

_listeners: list[tuple[Topic, URL, weakref.WeakMethod[Callable[[], None]]]] = []
_lock = threading.Lock()


def listen(topic: Topic, engine: Engine, callback: Callable[[], None]) -> None:
    """Call the bound method `callback` after each write of `topic` through this process to
    the database of `engine` (after its commit)."""
    with _lock:
        _listeners.append((topic, engine.url, weakref.WeakMethod(callback)))


def written(topic: Topic, engine: Engine) -> None:
    """A write of `topic` has committed: call the listeners on the same database, and on
    PostgreSQL tell the other processes (their `Relay`)."""
    _call(topic, engine.url)
    if engine.dialect.name == "postgresql":
        _announce(topic, engine)


_relaying = threading.local()


def relayed() -> bool:
    """Is the listener being called for another process's write (by a `Relay`)? Such a
    listener has no writer in this process waiting to see its change: it should only
    ask for the work, never wait for it (the relay's thread serves every notice)."""
    return bool(getattr(_relaying, "active", False))


def _call(topic: Topic, url: URL) -> None:
    with _lock:
        _listeners[:] = [entry for entry in _listeners if entry[2]() is not None]
        called = [ref() for t, url_, ref in _listeners if t == topic and url_ == url]
    for callback in called:
        if callback is not None:
            callback()


def _origin() -> str:
    """This process, as its own notices name it (read each time: a fork is another)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _announce(topic: Topic, engine: Engine) -> None:
    payload = json.dumps({"topic": topic, "origin": _origin()})
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": payload})
    except SQLAlchemyError:  # the others still see it by their version check, a moment later
        log.warning("could not tell the other processes of a %s write", topic, exc_info=True)


class Relay:
    """Other processes' writes, told to this process's listeners (PostgreSQL LISTEN).

    One thread listens; one more per topic calls the listeners, so a slow listener (the
    organisation's builder) holds up neither the other topic nor the listening, and
    notices that arrive meanwhile are served by one call."""

    def __init__(self, engine: Engine, *, ready_timeout: float = 10.0) -> None:
        self.url = engine.url
        self.received = 0
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._pending = {topic: threading.Event() for topic in TOPICS}
        self._threads = [threading.Thread(target=self._listen, name="omstilling-changes")]
        self._threads += [
            threading.Thread(target=self._dispatch, args=(topic,), name=f"omstilling-{topic}")
            for topic in TOPICS
        ]
        for thread in self._threads:
            thread.daemon = True
            thread.start()
        self._ready.wait(timeout=ready_timeout)

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if self._ready.is_set():  # a reconnection: a notice may have been missed
                        self._wake(*TOPICS)
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._received(note.payload)
            except Exception:  # the database went away: retry; versions cover the gap
                log.exception("change listener lost its connection; retrying")
                self._ready.set()
                self._stop.wait(2)

    def _received(self, payload: str) -> None:
        try:
            notice = json.loads(payload)
        except ValueError:
            return
        if notice.get("origin") != _origin() and notice.get("topic") in TOPICS:
            self.received += 1
            self._wake(notice["topic"])

    def _wake(self, *topics: Topic) -> None:
        for topic in topics:
            self._pending[topic].set()

    def _dispatch(self, topic: Topic) -> None:
        pending = self._pending[topic]
        while True:
            pending.wait()
            if self._stop.is_set():
                return
            pending.clear()
            _relaying.active = True
            try:
                _call(topic, self.url)
            except Exception:
                log.exception("a listener of %s writes failed", topic)
            finally:
                _relaying.active = False

    def close(self) -> None:
        """Stop calling listeners now; the listening thread ends by itself within half a
        second (not waited for: an app's shutdown already waits for the live bus's)."""
        self._stop.set()
        self._wake(*TOPICS)
        for thread in self._threads[1:]:  # a listener may be waiting for a build: not long
            thread.join(timeout=1)


def relay(engine: Engine) -> Relay | None:
    """A server process's relay of other processes' writes: on PostgreSQL; None on SQLite,
    where the server is one process and every write reaches its listeners directly."""
    if engine.dialect.name == "postgresql":
        return Relay(engine)
    return None
