"""The console's action log (R1.2, R3.12): one writer, the app's clock, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from omstilling.clock import utc
from omstilling.store.account_models import ConsoleAction
from omstilling.store.console_log import ERRAND_MAX, LOGGED, LOGGED_AS, log_action
from tests.web.session import browser, csrf, mini_app, post_login

# A moment far from the wall clock, so a row stamped with datetime.now() cannot pass.
FROZEN = datetime(2026, 3, 2, 9, 41, 7, tzinfo=ZoneInfo("Europe/Copenhagen"))


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    return mini_app(engine, db_url, ("op", "operator"), clock=FROZEN)


@pytest.fixture
def operator(app: FastAPI) -> Iterator[TestClient]:
    with browser(app) as client:
        assert post_login(client, "op").status_code == 303
        yield client


def _rows(engine: Engine) -> list[ConsoleAction]:
    with engine.connect() as conn:
        return list(conn.execute(select(ConsoleAction).order_by(ConsoleAction.id)).all())


def test_r1_2_an_action_from_the_advice_is_logged_at_the_apps_frozen_time(
    operator: TestClient, engine: Engine
) -> None:
    r = operator.post(
        "/console/actions",
        data={"action": "refer", "kind": "task", "id": "kontanthjaelp", "number": "+4589151500"},
        headers={"X-CSRF-Token": csrf(operator)},
    )
    assert r.status_code == 200
    [row] = _rows(engine)
    assert utc(row.at) == FROZEN.astimezone(UTC)
    assert (row.action, row.task_id, row.errand, row.number) == (
        "give_number",
        "kontanthjaelp",
        "kontanthjaelp",
        "+4589151500",
    )


def test_r1_6_a_message_taken_is_logged_at_the_apps_frozen_time(
    operator: TestClient, engine: Engine
) -> None:
    r = operator.post(
        "/console/besked/gem",
        data={
            "employee": "mette-jobcenter",
            "caller_name": "Karen Jensen",
            "caller_phone": "20 30 40 50",
            "text": "Spørger til sin ansøgning",
        },
        headers={"X-CSRF-Token": csrf(operator)},
    )
    assert r.status_code == 200
    [row] = _rows(engine)
    # Stored in UTC: the municipality's local time must not be taken for UTC (SQLite
    # keeps no offset, so a local time written as is would read back an hour off).
    assert utc(row.at) == FROZEN.astimezone(UTC)
    assert (row.action, row.employee_id, row.rules) == (
        "take_message",
        "mette-jobcenter",
        ["R1.6", "R3.6"],
    )


def test_an_unknown_action_is_refused_and_nothing_is_logged(
    operator: TestClient, engine: Engine
) -> None:
    r = operator.post(
        "/console/actions", data={"action": "hang_up"}, headers={"X-CSRF-Token": csrf(operator)}
    )
    assert r.status_code == 422
    assert _rows(engine) == []


@pytest.mark.parametrize(("action", "logged"), sorted(LOGGED_AS.items()))
def test_each_console_action_is_logged_as_what_the_statistics_count(
    engine: Engine, action: str, logged: str
) -> None:
    at = datetime(2026, 12, 1, 14, 5, tzinfo=ZoneInfo("Europe/Copenhagen"))
    ident = log_action(engine, LOGGED_AS[action], at=at, user_id=None, errand="x" * 900)
    [row] = _rows(engine)
    assert row.id == ident and row.action == logged in LOGGED
    assert utc(row.at) == at.astimezone(UTC) == datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
    assert len(row.errand) == ERRAND_MAX and row.rules == []
    assert (row.unit_id, row.employee_id, row.task_id, row.number, row.call_id) == (None,) * 5


def test_the_log_takes_only_logged_kinds_and_aware_times(engine: Engine) -> None:
    with pytest.raises(ValueError, match="not a logged"):
        log_action(engine, "handle_here", at=datetime.now(UTC), user_id=None)
    with pytest.raises(ValueError, match="aware"):
        log_action(engine, "answered", at=datetime(2026, 12, 1, 14, 5), user_id=None)
    assert _rows(engine) == []


def test_a_log_time_keeps_its_order_across_a_change_of_offset(engine: Engine) -> None:
    # 2026-10-25 02:30 happens twice in Copenhagen; stored in UTC the two stay in order.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    for minutes in (0, 60):
        moment = (first + timedelta(minutes=minutes)).astimezone(ZoneInfo("Europe/Copenhagen"))
        log_action(engine, "answered", at=moment, user_id=None)
    assert [utc(r.at) for r in _rows(engine)] == [first, first + timedelta(hours=1)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", "<img src=x onerror=alert(1)>"),
        ("number", "031185-1506"),
        ("number", "ring til Anne"),
        ("call_id", "<script>alert(1)</script>"),
        ("call_id", "031185 1506 og mere"),
    ],
)
def test_a_number_or_call_id_that_is_not_one_is_refused_unrepeated_and_unstored(
    operator: TestClient, engine: Engine, field: str, value: str
) -> None:
    # Issue 12 item 8: the markup came back raw in the answer and was stored.
    data = {"action": "refer", "kind": "task", "id": "kontanthjaelp", "number": "+4589151500"}
    r = operator.post(
        "/console/actions", data={**data, field: value}, headers={"X-CSRF-Token": csrf(operator)}
    )
    assert r.status_code == 422
    assert value not in r.text and "<img" not in r.text
    assert _rows(engine) == []


def test_a_number_is_stored_as_e164_and_shown_the_danish_way(
    operator: TestClient, engine: Engine
) -> None:
    r = operator.post(
        "/console/actions",
        data={"action": "refer", "kind": "task", "id": "kontanthjaelp", "number": "89 15 15 00"},
        headers={"X-CSRF-Token": csrf(operator)},
    )
    assert r.status_code == 200 and "89 15 15 00" in r.text
    [row] = _rows(engine)
    assert row.number == "+4589151500"
