"""Numbers on letters over the API (R3.7, R3.8, R3.2): GET by employee, POST by task with
the citizen's facts in the body, never echoed; on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import orgfile
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.conftest import api_client, mini_text
from tests.web.session import MONDAY_10

OFFICIAL = "mandag 9.00-18.00, tirsdag-torsdag 9.00-16.00, fredag 9.00-14.00"


@pytest.fixture
def client(engine: Engine, db_url: str) -> Iterator[TestClient]:
    doc = yaml.safe_load(mini_text())
    for unit in doc["units"]:
        for person in unit.get("employees", []):
            if person["id"] == "lone-teknik":
                person["public"] = False
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="t")
    app = create_app(Settings(database_url=db_url), engine=engine)
    app.state.clock = lambda: MONDAY_10
    with api_client(app, scopes=("advice:read",)) as c:
        yield c


def test_r3_7_the_employees_direct_number_for_a_letter(client: TestClient) -> None:
    r = client.get("/api/v1/contact", params={"employee": "mette-jobcenter"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "Mette Dahl" and body["unit"] == "Jobcenter"
    assert body["number"] == {"e164": "+4589152211", "display": "89 15 22 11"}
    assert body["hours"] == OFFICIAL  # R3.2: the official hours, not Jobcenter's own
    assert body["text"] == f"Mette Dahl\nJobcenter\nTelefon 89 15 22 11\nÅbningstid: {OFFICIAL}"


@pytest.mark.parametrize(
    ("employee", "number"),
    [("anne-familie", "+4589153000"), ("lone-teknik", "+4589155000")],
)
def test_r3_8_sensitive_unit_or_not_public_gives_the_units_number(
    client: TestClient, employee: str, number: str
) -> None:
    body = client.get("/api/v1/contact", params={"employee": employee}).json()
    assert body["number"]["e164"] == number and "R3.8" in body["rules"]


def test_r3_7_by_task_the_distribution_picks_the_caseworker(client: TestClient) -> None:
    r = client.post("/api/v1/contact", json={"task": "kontanthjaelp", "birth_day": 20})
    assert r.status_code == 200 and r.json()["name"] == "Niels Bak"
    r = client.post("/api/v1/contact", json={"task": "underretning", "surname": "Andersen"})
    assert r.json()["name"] == "Anne Andersen" and r.json()["number"]["display"] == "89 15 30 00"
    r = client.post("/api/v1/contact", json={"task": "kontanthjaelp"})
    assert r.json()["name"] == "Jobcenter" and r.json()["needs"] == ["birth_day"]


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": {"employee": "ingen"}}),
        ("POST", {"json": {"task": "ingen"}}),
    ],
)
def test_r3_7_someone_unknown_or_gone_is_404(
    client: TestClient, method: str, kwargs: dict[str, Any]
) -> None:
    assert client.request(method, "/api/v1/contact", **kwargs).status_code == 404


@pytest.mark.parametrize("cpr", ["0311851234", "031185-1234", "03 11 85 1234"])
def test_r3_7_a_whole_cpr_number_as_birth_day_is_422_never_echoed_nor_logged(
    client: TestClient, cpr: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        r = client.post("/api/v1/contact", json={"task": "kontanthjaelp", "birth_day": cpr})
    assert r.status_code == 422
    [item] = r.json()["detail"]
    assert item["loc"] == ["body", "birth_day"] and item["type"] == "invalid"
    assert cpr not in r.text and "0311" not in r.text
    assert cpr not in caplog.text and "0311" not in caplog.text


def test_the_contact_needs_advice_read(client: TestClient) -> None:
    with api_client(client.app, scopes=("messages:write",)) as other:
        r = other.get("/api/v1/contact", params={"employee": "mette-jobcenter"})
    assert r.status_code == 403
