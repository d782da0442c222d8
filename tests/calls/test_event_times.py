"""Call times only from the years call data can come from (issue 12 item 3): an event dated
in 999, 9999 or 1970 is refused on the way in, and a stored one cannot break the report
pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from omstilling import accounts
from omstilling.calls.cdr import BadRow, parse_row
from omstilling.calls.models import CallStatsHourly
from omstilling.calls.queue_log import Malformed, import_files, parse_line
from omstilling.reports.publish import quarters_with_calls
from omstilling.settings import Settings
from omstilling.web.app import create_app
from tests.calls.conftest import HANDCOUNT
from tests.conftest import api_client
from tests.web.session import PASSWORD, sign_in

NOW = datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Europe/Copenhagen"))


def event(at: object) -> dict[str, object]:
    return {"id": "e1", "call_id": "c1", "type": "queued", "at": at, "queue": "borgerservice"}


@pytest.fixture
def client(org_engine: Engine, db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url), engine=org_engine)
    app.state.clock = lambda: NOW
    with api_client(app) as c:
        yield c


@pytest.mark.parametrize(
    "at",
    [0, "0999-12-01T10:00:00+01:00", "9999-12-01T10:00:00+01:00", "1970-01-01T00:00:00Z"],
)
def test_a_live_event_outside_the_years_of_call_data_is_422(client: TestClient, at: object) -> None:
    r = client.post("/api/v1/calls/events", json={"events": [event(at)]})
    assert r.status_code == 422, r.text


def test_a_live_event_more_than_a_day_ahead_of_the_clock_is_422(client: TestClient) -> None:
    late = client.post("/api/v1/calls/events", json={"events": [event("2026-12-04T10:00:00Z")]})
    assert late.status_code == 422
    [error] = late.json()["detail"]
    assert error["loc"] == ["body", "events", 0, "at"] and "events[0].at" in error["msg"]
    ok = client.post("/api/v1/calls/events", json={"events": [event("2026-12-02T09:00:00Z")]})
    assert ok.status_code == 200 and ok.json()["stored"] == 1


@pytest.mark.parametrize("stamp", ["0", "999", "253402300799", "4102444800"])
def test_a_queue_log_line_outside_the_years_is_malformed(stamp: str) -> None:
    with pytest.raises(Malformed, match="outside the years 2000-2099"):
        parse_line(f"{stamp}|1.1|borgerservice|NONE|ENTERQUEUE||20304050|1")


def test_a_cdr_row_outside_the_years_is_malformed() -> None:
    row = [
        "",
        "20304050",
        "89151500",
        "ctx",
        "",
        "SIP/1",
        "SIP/2",
        "Dial",
        "",
        "0999-01-01 10:00:00",
    ]
    row += ["0999-01-01 10:00:05", "0999-01-01 10:01:00", "60", "55", "ANSWERED", "3"]
    with pytest.raises(BadRow, match="outside the years 2000-2099"):
        parse_row(row, ZoneInfo("Europe/Copenhagen"))


def test_stored_rows_from_odd_years_do_not_break_the_statistics_page(
    org_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    import_files(org_engine, [HANDCOUNT])
    with org_engine.begin() as conn:  # as an older version could have stored them
        for day in (date(999, 1, 1), date(9999, 12, 31)):
            conn.execute(insert(CallStatsHourly).values(day=day, hour=10, queue="borgerservice"))
    assert quarters_with_calls(org_engine) == ["2026Q4"]
    accounts.add_user(org_engine, "chef", "manager", PASSWORD)
    app = create_app(Settings(database_url=db_url), engine=org_engine)
    app.state.clock = lambda: NOW
    page = sign_in(app, "chef").get("/statistik")
    assert page.status_code == 200 and len(page.text) < 400_000
