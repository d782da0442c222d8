"""Writes in another process reach this process's listeners (PostgreSQL NOTIFY/LISTEN,
issue 13 item 7); a write here is told here once, not again through the relay."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from omstilling.store import notify
from omstilling.store.db import ensure_schema, make_engine

WRITE = """
import sys
from omstilling.store import notify
from omstilling.store.db import make_engine
notify.written(sys.argv[2], make_engine(sys.argv[1]))
"""


class Heard:
    def __init__(self) -> None:
        self.presence = threading.Event()
        self.organisation = threading.Event()
        self.relayed: list[bool] = []

    def on_presence(self) -> None:
        self.relayed.append(notify.relayed())
        self.presence.set()

    def on_organisation(self) -> None:
        self.organisation.set()


@pytest.mark.postgres
def test_a_write_in_another_process_reaches_the_listeners_of_its_topic(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    ensure_schema(engine)
    heard = Heard()
    notify.listen("presence", engine, heard.on_presence)
    notify.listen("organisation", engine, heard.on_organisation)
    relay = notify.relay(engine)
    assert relay is not None
    try:
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", WRITE, postgres_url, "presence"], check=True)
        assert heard.presence.wait(5)
        print(f"heard {time.monotonic() - started:.3f} s after the writer started")
        # Told by the relay: the listener knows no writer here waits (it must not block).
        assert heard.relayed == [True]
        assert not heard.organisation.is_set()
        subprocess.run([sys.executable, "-c", WRITE, postgres_url, "organisation"], check=True)
        assert heard.organisation.wait(5)
        # A write in this process calls its listeners directly; its own notice is ignored.
        received = relay.received
        heard.presence.clear()
        notify.written("presence", engine)
        assert heard.presence.is_set()
        assert heard.relayed == [True, False]  # a write here: its writer may wait
        time.sleep(0.5)
        assert relay.received == received
    finally:
        relay.close()
        engine.dispose()


def test_on_sqlite_there_is_one_process_and_no_relay(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    assert notify.relay(engine) is None
    engine.dispose()
