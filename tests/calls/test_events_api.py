"""POST /api/v1/calls/events: live events, idempotent, acknowledged after commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from omstilling.calls.models import CallEvent
from omstilling.calls.rebuild import rebuild
from omstilling.reports.build import Period, build_report
from omstilling.settings import Settings
from omstilling.web.app import create_app
from tests.conftest import api_client

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))


@pytest.fixture
def client(org_engine: Engine, db_url: str) -> Iterator[TestClient]:
    with api_client(create_app(Settings(database_url=db_url), engine=org_engine)) as c:
        yield c


def ev(i: str, call: str, type_: str, at: str, **kw: Any) -> dict[str, Any]:
    return {"id": i, "call_id": call, "type": type_, "at": at, "queue": "borgerservice", **kw}


CALLS = [
    ev("e1", "a", "queued", "2026-12-01T10:00:00+01:00", caller="+4520000001"),
    ev("e2", "a", "answered", "2026-12-01T10:00:12+01:00", agent="1501"),
    ev("e3", "a", "transferred", "2026-12-01T10:01:12+01:00", target="89152201"),
    ev("e4", "b", "queued", "2026-12-01T10:03:00+01:00", caller="+4520000001"),
    ev("e5", "b", "abandoned", "2026-12-01T10:03:40+01:00"),
    ev("e6", "c", "queued", "2026-12-01T09:00:00Z", caller="+4520000003", queue="jobcenter"),
    ev("e7", "c", "timeout", "2026-12-01T09:05:00Z", queue="jobcenter"),
    ev("e8", "d", "queued", "2026-12-01T11:00:00+01:00"),
    ev("e9", "d", "answered", "2026-12-01T11:00:40+01:00"),
    ev("e10", "d", "ended", "2026-12-01T11:02:40+01:00"),
]


def test_r1_3_live_events_make_the_same_figures(client: TestClient, org_engine: Engine) -> None:
    r = client.post("/api/v1/calls/events", json={"events": CALLS})
    assert r.status_code == 200, r.text
    assert r.json() == {"stored": 10, "duplicates": 0}
    t = build_report(org_engine, DECEMBER)["total"]
    assert (t["offered"], t["answered"], t["abandoned"], t["timed_out"]) == (4, 2, 1, 1)
    assert t["asa_seconds"] == pytest.approx((12 + 40) / 2)  # waits from the timestamps
    assert t["avg_talk_seconds"] == pytest.approx((60 + 120) / 2)
    assert t["max_wait_seconds"] == 300
    assert t["returned_to_switchboard"] == 1  # b: same caller 108 s after a's transfer
    assert build_report(org_engine, DECEMBER)["hard_to_reach"][0]["employee"] == "jens-jobcenter"


def test_the_same_events_twice_are_stored_once(client: TestClient, org_engine: Engine) -> None:
    client.post("/api/v1/calls/events", json={"events": CALLS[:5]})
    before = build_report(org_engine, DECEMBER)
    r = client.post("/api/v1/calls/events", json={"events": CALLS[:5] + CALLS[:1]})
    assert r.json() == {"stored": 0, "duplicates": 6}
    assert build_report(org_engine, DECEMBER) == before
    with org_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CallEvent)).scalar() == 5


def test_events_in_separate_requests_join_their_call(
    client: TestClient, org_engine: Engine
) -> None:
    for e in CALLS:
        assert client.post("/api/v1/calls/events", json={"events": [e]}).status_code == 200
    t = build_report(org_engine, DECEMBER)["total"]
    assert (t["offered"], t["answered"], t["returned_to_switchboard"]) == (4, 2, 1)


def test_an_entry_that_arrives_after_the_answer_joins_its_call(
    client: TestClient, org_engine: Engine
) -> None:
    """A PBX integration may post in parallel or retry: here every call's second
    event arrives before its entry, each in a request of its own."""
    order = [1, 0, 2, 4, 3, 6, 5, 8, 7, 9]
    for i in order:
        r = client.post("/api/v1/calls/events", json={"events": [CALLS[i]]})
        assert r.status_code == 200
    t = build_report(org_engine, DECEMBER)["total"]
    assert (t["offered"], t["answered"], t["abandoned"], t["timed_out"]) == (4, 2, 1, 1)
    assert t["asa_seconds"] == pytest.approx((12 + 40) / 2)  # waits once the entry came
    assert t["avg_talk_seconds"] == pytest.approx((60 + 120) / 2)
    assert t["max_wait_seconds"] == 300
    assert t["returned_to_switchboard"] == 1
    rebuild(org_engine)  # replays in time order: the same figures
    assert build_report(org_engine, DECEMBER)["total"] == t


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"events": []}, "at least 1"),
        ({"events": [CALLS[0]] * 501}, "at most 500"),
        ({"events": [{**CALLS[0], "type": "ringing"}]}, "'queued'"),
        ({"events": [{**CALLS[0], "at": "2026-12-01T10:00:00"}]}, "without a zone"),
        ({"events": [{**CALLS[0], "at": "tomorrow"}]}, "datetime"),
        ({"events": [{k: v for k, v in CALLS[0].items() if k != "id"}]}, "Field required"),
    ],
)
def test_bad_events_get_422_with_the_reason(
    client: TestClient, org_engine: Engine, body: dict[str, Any], reason: str
) -> None:
    r = client.post("/api/v1/calls/events", json=body)
    assert r.status_code == 422
    assert reason in r.text
    assert "+4520000001" not in r.text  # the caller's number is never echoed
    with org_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CallEvent)).scalar() == 0


def test_listeners_hear_new_events_after_commit(client: TestClient, org_engine: Engine) -> None:
    heard: list[list[str]] = []

    def listener(events: list[Any]) -> None:
        with org_engine.connect() as conn:  # committed: another connection sees them
            n = conn.execute(select(func.count()).select_from(CallEvent)).scalar()
        heard.append([e.id for e in events] + [f"n={n}"])

    def broken(_events: list[Any]) -> None:
        raise RuntimeError("a listener's failure must not fail the PBX")

    client.app.state.call_event_listeners.extend([broken, listener])  # type: ignore[attr-defined]
    assert client.post("/api/v1/calls/events", json={"events": CALLS[:2]}).status_code == 200
    client.post("/api/v1/calls/events", json={"events": CALLS[:2]})  # duplicates: no call
    assert heard == [["e1", "e2", "n=2"]]


def test_events_need_the_calls_write_scope(org_engine: Engine, db_url: str) -> None:
    app = create_app(Settings(database_url=db_url), engine=org_engine)
    with api_client(app, scopes=("advice:read",)) as c:
        assert c.post("/api/v1/calls/events", json={"events": CALLS[:1]}).status_code == 403


def test_report_downloads_in_every_format(client: TestClient) -> None:
    client.post("/api/v1/calls/events", json={"events": CALLS})
    r = client.get("/api/v1/calls/report", params={"from": "2026-12-01", "to": "2026-12-31"})
    assert r.status_code == 200 and r.json()["total"]["offered"] == 4
    for fmt, kind in (("csv", "text/csv"), ("xlsx", "spreadsheet"), ("html", "text/html")):
        r = client.get("/api/v1/calls/report", params={"quarter": "2026Q4", "format": fmt})
        assert r.status_code == 200 and kind in r.headers["content-type"]
        assert "attachment" in r.headers["content-disposition"]
    assert client.get("/api/v1/calls/report", params={"quarter": "2026Q5"}).status_code == 422
    assert client.get("/api/v1/calls/report").status_code == 422
