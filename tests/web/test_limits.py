"""Request bodies (issue 12 item 2): refused before they are read when nobody is signed in,
and bounded per route with a 413 that names the limit."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling.accounts import SCOPES, create_token
from omstilling.settings import Settings
from omstilling.web.app import create_app
from omstilling.web.limits import DEFAULT_LIMIT, LIMITS, limit_for
from tests.web.test_live import Server

EVENTS_LIMIT = limit_for("/api/v1/calls/events")


@pytest.fixture
def app_and_token(engine: Engine) -> tuple[object, str]:
    app = create_app(Settings(database_url=str(engine.url)), engine=engine)
    return app, create_token(engine, "pbx", list(SCOPES))


def raw_post(port: int, path: str, length: int, token: str | None = None) -> str:
    """Headers announcing `length` bytes and no body at all: a server that waits for the
    body before it answers times out here."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{auth}Content-Length: {length}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode())
        s.sendall(b'{"events": [')  # a first chunk, as a real sender would start
        return read_answer(s)


def read_answer(s: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    found = re.search(rb"content-length: (\d+)", head, re.I)
    length = int(found.group(1)) if found else 0
    while len(body) < length:
        body += s.recv(4096)
    return (head + b"\r\n\r\n" + body).decode("latin-1")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    from omstilling.store.db import ensure_schema, make_engine

    tmp: Path = tmp_path_factory.mktemp("limits")
    url = f"sqlite:///{tmp / 'limits.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    token = create_token(engine, "pbx", list(SCOPES))
    engine.dispose()
    srv = Server(url, tmp)
    try:
        yield srv, token
    finally:
        srv.stop()


def test_an_anonymous_175_mb_post_is_answered_401_without_reading_it(
    server: tuple[Server, str],
) -> None:
    srv, _token = server
    answer = raw_post(srv.port, "/api/v1/calls/events", 175_000_000)
    assert answer.startswith("HTTP/1.1 401"), answer[:200]
    assert "authentication required" in answer


def test_a_body_announced_past_the_limit_is_413_naming_it_before_it_is_read(
    server: tuple[Server, str],
) -> None:
    srv, token = server
    answer = raw_post(srv.port, "/api/v1/calls/events", EVENTS_LIMIT + 1, token)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert f"{EVENTS_LIMIT:,} bytes" in answer


def test_a_chunked_body_past_the_limit_is_413(app_and_token: tuple[object, str]) -> None:
    app, token = app_and_token

    def chunks() -> Iterator[bytes]:
        yield b'{"events": ['
        for _ in range(EVENTS_LIMIT // 65536 + 2):
            yield b" " * 65536
        yield b"]}"

    with TestClient(app, base_url="https://testserver") as client:  # type: ignore[arg-type]
        r = client.post(
            "/api/v1/calls/events",
            content=chunks(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    assert r.status_code == 413
    assert f"{EVENTS_LIMIT:,} bytes" in r.json()["detail"]


def test_forms_and_other_routes_take_the_default_limit(app_and_token: tuple[object, str]) -> None:
    app, _token = app_and_token
    with TestClient(app, base_url="https://testserver") as client:  # type: ignore[arg-type]
        r = client.post("/login", data={"username": "x" * (DEFAULT_LIMIT + 10), "password": "y"})
        assert r.status_code == 413
        ok = client.post("/login", data={"username": "nobody", "password": "wrong"})
        assert ok.status_code != 413


def test_the_limits_are_larger_than_the_default_only_where_named() -> None:
    assert limit_for("/api/v1/advice") == DEFAULT_LIMIT
    assert all(limit > DEFAULT_LIMIT for _prefix, limit in LIMITS)
