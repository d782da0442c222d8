"""Live calls in the console over Server-Sent Events, with real servers.

With PostgreSQL, two app instances share the live events through LISTEN/NOTIFY:
a console on one sees a call posted to the other.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from omstilling import accounts, orgfile
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.organisation import import_organisation
from tests.conftest import free_port, mini_text

PASSWORD = "korrekt-hest-batteri"


class Server:
    def __init__(self, url: str, cwd: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "OMSTILLING_COOKIE_SECURE": "false"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "omstilling", "serve", "--port", str(self.port), "--db", url],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> bool:
        """SIGTERM, then SIGKILL after 10 s; True when the server stopped by itself."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
            return True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return False


def prepare(url: str) -> str:
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="test")
    accounts.add_user(engine, "op", "operator", PASSWORD)
    token = accounts.create_token(engine, "pbx", ["calls:write"])
    engine.dispose()
    return token


def operator_session(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    r = client.post(
        "/login", data={"username": "op", "password": PASSWORD, "csrf_token": csrf.group(1)}
    )
    assert r.status_code == 303, r.text
    return client


def listen(
    client: httpx.Client, out: queue.Queue[dict[str, object]], stop: threading.Event
) -> None:
    try:
        with client.stream("GET", "/console/events", timeout=None) as r:
            event = None
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "call":
                    out.put(json.loads(line[6:]))
    except httpx.HTTPError:  # the server stopped at the end of the test
        return


def post_queued(base: str, token: str, call_id: str) -> None:
    r = httpx.post(
        base + "/api/v1/calls/events",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "events": [
                {
                    "id": f"evt-{call_id}",
                    "call_id": call_id,
                    "type": "queued",
                    "at": "2026-12-01T10:15:03+01:00",
                    "queue": "borgerservice",
                    "caller": "+4512345678",
                }
            ]
        },
        timeout=10,
    )
    assert r.status_code == 200, r.text


@pytest.fixture
def servers(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Server, Server | None, str]]:
    kind = request.param
    url = request.getfixturevalue("postgres_url" if kind == "postgres" else "sqlite_url")
    token = prepare(url)
    first = Server(url, tmp_path)
    second = Server(url, tmp_path) if kind == "postgres" else None
    try:
        yield first, second, token
    finally:
        first.stop()
        if second:
            second.stop()


def watch(server: Server) -> tuple[queue.Queue[dict[str, object]], threading.Event]:
    events: queue.Queue[dict[str, object]] = queue.Queue()
    stop = threading.Event()
    client = operator_session(server.base)
    threading.Thread(target=listen, args=(client, events, stop), daemon=True).start()
    time.sleep(0.5)  # let the stream subscribe before the call arrives
    return events, stop


@pytest.mark.parametrize("servers", ["sqlite"], indirect=True)
def test_a_queued_call_appears_in_the_console(servers: tuple[Server, Server | None, str]) -> None:
    server, _, token = servers
    events, stop = watch(server)
    post_queued(server.base, token, "1701423000.1")
    got = events.get(timeout=10)
    stop.set()
    assert got["call_id"] == "1701423000.1" and got["type"] == "queued"
    assert got["caller_display"] == "12 34 56 78"
    assert got["open_messages"] == 0


@pytest.mark.parametrize("servers", ["sqlite"], indirect=True)
def test_the_server_stops_on_sigterm_while_a_console_listens(
    servers: tuple[Server, Server | None, str],
) -> None:
    """A console's live stream never ends by itself: a restart must not wait for it."""
    server, _, _ = servers
    _, stop = watch(server)
    started = time.monotonic()
    assert server.stop()  # by itself, not killed
    assert time.monotonic() - started < 6
    stop.set()


@pytest.mark.postgres
@pytest.mark.parametrize("servers", ["postgres"], indirect=True)
def test_two_instances_share_live_events_through_listen_notify(
    servers: tuple[Server, Server | None, str],
) -> None:
    first, second, token = servers
    assert second is not None
    events, stop = watch(first)
    post_queued(second.base, token, "1701423000.2")  # the PBX posts to the other instance
    got = events.get(timeout=10)
    stop.set()
    assert got["call_id"] == "1701423000.2"


@pytest.mark.parametrize("servers", ["sqlite"], indirect=True)
def test_the_event_stream_needs_an_operator(servers: tuple[Server, Server | None, str]) -> None:
    server, _, _ = servers
    r = httpx.get(server.base + "/console/events", follow_redirects=False, timeout=5)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
