"""The messages API with a real SMTP server, on both engines (R1.6, R3.5, R3.6)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from omstilling.store.message_models import MessageRow
from omstilling.web.app import create_app
from tests.conftest import api_client
from tests.messages.conftest import SmtpServer, settings_for

MESSAGE = {
    "employee": "mette-jobcenter",
    "caller_name": "Karen Jensen",
    "caller_phone": "+45 20 30 40 50",
    "text": "Ringer om sin ansøgning.",
}


@pytest.fixture
def client(org_engine: Engine, db_url: str, smtp: SmtpServer) -> Iterator[TestClient]:
    app = create_app(settings_for(db_url, smtp.url), engine=org_engine)
    with api_client(app) as c:
        yield c


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(MessageRow)).scalar_one())


def test_r3_5_a_message_taken_reaches_the_employee_by_mail_within_seconds(
    client: TestClient, smtp: SmtpServer
) -> None:
    started = time.monotonic()
    r = client.post("/api/v1/messages", json={**MESSAGE, "task": "kontanthjaelp"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "new" and isinstance(body["id"], int) and body["callback_due"]
    assert body["caller_phone"] == "+4520304050" and body["about"] == "Kontanthjælp"
    assert body["say"].startswith("Mette Dahl ringer dig op senest ")
    [mail] = smtp.inbox.wait_for(1, timeout=5)
    assert time.monotonic() - started < 5
    assert mail.to == ["mette.dahl@example.dk"] and "Karen Jensen" in mail.body
    got = client.get(f"/api/v1/messages/{body['id']}").json()
    assert got["delivery"] == "sent"


def test_r1_6_an_own_due_time_and_the_list_with_counts(client: TestClient) -> None:
    r = client.post("/api/v1/messages", json={**MESSAGE, "callback_due": "2099-01-05T12:00"})
    assert r.status_code == 201 and r.json()["callback_due"] == "2099-01-05T12:00:00+01:00"
    client.post("/api/v1/messages", json={**MESSAGE, "employee": None, "unit": "familie"})
    listed = client.get("/api/v1/messages", params={"unit": "social-og-arbejdsmarked"}).json()
    assert listed["counts"]["new"] == 2 and listed["counts"]["open"] == 2
    assert {m["unit"] for m in listed["messages"]} == {"jobcenter", "familie"}
    mine = client.get("/api/v1/messages", params={"employee": "mette-jobcenter"}).json()
    assert [m["employee"] for m in mine["messages"]] == ["mette-jobcenter"]
    assert client.get("/api/v1/messages", params={"status": "closed"}).json()["messages"] == []


def test_r3_6_patch_takes_over_records_the_outcome_and_closes(client: TestClient) -> None:
    ident = client.post("/api/v1/messages", json=MESSAGE).json()["id"]
    url = f"/api/v1/messages/{ident}"
    r = client.patch(url, json={"employee": "niels-jobcenter"})
    assert r.status_code == 200 and r.json()["employee"] == "niels-jobcenter"
    assert client.patch(url, json={"status": "seen"}).json()["status"] == "seen"
    r = client.patch(url, json={"status": "called_back", "outcome": "not_reached"})
    assert r.json()["outcome"] == "not_reached" and r.json()["called_back_at"] is None
    r = client.patch(url, json={"status": "called_back", "outcome": "resolved"})
    assert r.json()["called_back_at"] is not None
    assert client.patch(url, json={"status": "closed"}).json()["status"] == "closed"
    r = client.patch(url, json={"status": "seen"})
    assert r.status_code == 409 and "closed" in r.text
    r = client.patch(
        f"/api/v1/messages/{client.post('/api/v1/messages', json=MESSAGE).json()['id']}",
        json={"employee": "pia-misbrug"},
    )
    assert r.status_code == 409 and "cannot take over" in r.text
    assert client.patch("/api/v1/messages/999999", json={"status": "seen"}).status_code == 404
    r = client.patch(url, json={"status": "called_back"})
    assert r.status_code == 409


@pytest.mark.parametrize("phone", ["12", "hello", "+45 1234"])
def test_a_phone_that_is_not_one_is_422_naming_the_field(
    client: TestClient, org_engine: Engine, phone: str
) -> None:
    r = client.post("/api/v1/messages", json={**MESSAGE, "caller_phone": phone})
    assert r.status_code == 422 and "caller_phone" in r.text
    assert count(org_engine) == 0


def test_an_unknown_employee_is_404(client: TestClient, org_engine: Engine) -> None:
    r = client.post("/api/v1/messages", json={**MESSAGE, "employee": "ghost"})
    assert r.status_code == 404 and "ghost" in r.text
    assert client.get("/api/v1/messages", params={"unit": "nowhere"}).status_code == 404
    assert count(org_engine) == 0


@pytest.mark.parametrize(
    "ident", ["2147483648", "9223372036854775808", "99999999999999999999999", "0", "-1"]
)
def test_an_id_past_64_bits_or_below_one_is_422_never_500(client: TestClient, ident: str) -> None:
    # Issue 12 item 10: ids are 32-bit integers in the database; a larger one names nothing.
    assert client.get(f"/api/v1/messages/{ident}").status_code == 422
    assert client.patch(f"/api/v1/messages/{ident}", json={"status": "seen"}).status_code == 422


def test_an_id_that_names_no_message_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/messages/2147483647").status_code == 404
    r = client.patch("/api/v1/messages/424242", json={"status": "seen"})
    assert r.status_code == 404


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_text_is_refused(client: TestClient, text: str) -> None:
    r = client.post("/api/v1/messages", json={**MESSAGE, "text": text})
    assert r.status_code == 422 and "text" in r.text


def test_employee_and_unit_together_or_neither_are_refused(client: TestClient) -> None:
    r = client.post("/api/v1/messages", json={**MESSAGE, "unit": "jobcenter"})
    assert r.status_code == 422
    r = client.post("/api/v1/messages", json={**MESSAGE, "employee": None})
    assert r.status_code == 422


@pytest.mark.parametrize(
    "spelling", ["03.11.85-1506", "031185\u20131506", "03 11 85 1502", "03/11/85-1506"]
)
def test_every_spelling_of_a_cpr_number_is_refused_by_the_one_guard(
    client: TestClient, org_engine: Engine, spelling: str
) -> None:
    r = client.post("/api/v1/messages", json={**MESSAGE, "text": f"Hendes nummer er {spelling}"})
    assert r.status_code == 422 and "CPR" in r.text and spelling not in r.text
    assert count(org_engine) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "Hendes CPR-nummer er 031185-1234"),
        ("caller_name", "Karen 0311851234"),
        ("about", "sag 031185 1234"),
        ("caller_phone", "031185-1234"),
    ],
)
def test_a_cpr_number_in_any_field_is_422_and_never_echoed(
    client: TestClient, org_engine: Engine, field: str, value: str
) -> None:
    r = client.post("/api/v1/messages", json={**MESSAGE, field: value})
    assert r.status_code == 422 and field in r.text and "CPR" in r.text
    assert "031185" not in r.text and "1234" not in r.text
    assert count(org_engine) == 0


def test_a_due_time_in_the_past_or_unreadable_is_refused(client: TestClient) -> None:
    r = client.post("/api/v1/messages", json={**MESSAGE, "callback_due": "2001-01-01T10:00"})
    assert r.status_code == 422 and "callback_due" in r.text
    r = client.post("/api/v1/messages", json={**MESSAGE, "callback_due": "tomorrow"})
    assert r.status_code == 422 and "YYYY-MM-DDTHH:MM" in r.text


def test_r3_6_without_the_scope_only_ones_own_unit(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    from omstilling import accounts

    app = create_app(settings_for(db_url, smtp.url), engine=org_engine)
    with api_client(app) as operator:
        created = operator.post("/api/v1/messages", json=MESSAGE).json()
    with api_client(app, scopes=("advice:read",)) as reader:
        assert reader.post("/api/v1/messages", json=MESSAGE).status_code == 403
        assert reader.get(f"/api/v1/messages/{created['id']}").status_code == 403
    with TestClient(app) as anonymous:
        assert anonymous.get("/api/v1/messages").status_code == 401
    assert accounts.ROLE_SCOPES["operator"] >= {"messages:write"}
