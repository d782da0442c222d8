"""A NUL character anywhere in a request is refused 422, on both engines: PostgreSQL
refuses it in any text, and a live event, a message, a note or an id holding one made
the store raise (500) wherever it reached a query (issue 12, found by the bad-file tests
and confirmed on the live events)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from omstilling.calls.models import CallEvent
from tests.conftest import api_client
from tests.web.session import mini_app

EVENT = {"call_id": "1796111000.1", "type": "queued", "at": "2026-12-01T10:00:00+01:00"}


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    return mini_app(engine, db_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with api_client(app) as c:
        yield c


@pytest.mark.parametrize("field", ["id", "call_id", "queue", "caller", "agent", "target"])
def test_a_live_event_with_a_nul_is_refused_and_nothing_stored(
    client: TestClient, engine: Engine, field: str
) -> None:
    event = {**EVENT, "id": "e1", field: "a\u0000b"}
    r = client.post("/api/v1/calls/events", json={"events": [event]})
    assert r.status_code == 422 and "NUL" in r.text, r.text
    assert r.json()["detail"][0]["type"] == "invalid"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CallEvent)).scalar() == 0


def test_a_message_or_a_note_with_a_nul_is_refused(client: TestClient) -> None:
    message = {"employee": "mette-jobcenter", "caller_name": "A\u0000", "caller_phone": "89151234",
               "text": "Ring"}  # fmt: skip
    assert client.post("/api/v1/messages", json=message).status_code == 422
    absence = {"code": "meeting", "note": "x\u0000"}
    r = client.put("/api/v1/employees/mette-jobcenter/absence", json=absence)
    assert r.status_code == 422


def test_a_nul_in_the_query_or_the_path_is_refused(client: TestClient) -> None:
    assert client.get("/api/v1/messages", params={"employee": "a\u0000"}).status_code == 422
    r = client.get("/api/v1/employees/a%00b")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path"]


def test_a_nul_split_between_two_chunks_is_found(client: TestClient) -> None:
    body = b'{"events": [{"id": "e1", "call_id": "1", "type": "queued", "caller": "a\\u0000b"}]}'
    cut = body.index(b"\\u0000") + 3

    def chunks() -> Iterator[bytes]:
        yield body[:cut]
        yield body[cut:]

    r = client.post(
        "/api/v1/calls/events", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and "NUL" in r.text


def test_text_that_only_mentions_nul_passes(client: TestClient) -> None:
    """Not a NUL: the word, a percent sign, an escaped backslash before u0001."""
    event = {**EVENT, "id": "e2", "queue": "NUL 100% \\u0001"}
    assert client.post("/api/v1/calls/events", json={"events": [event]}).status_code == 200
