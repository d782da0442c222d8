"""The JSON API basics over a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import orgfile
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.conftest import api_client, mini_text


@pytest.fixture
def client(engine: Engine, db_url: str) -> Iterator[TestClient]:
    org = orgfile.parse_text(mini_text())
    import_organisation(engine, org, file_revision=None, actor="test")
    app = create_app(Settings(database_url=db_url), engine=engine)
    with api_client(app) as c:
        yield c


def test_health(client: TestClient) -> None:
    """Liveness never waits for the organisation: once it is loaded, health names it."""
    assert client.app.state.directory.published.wait_for(1, timeout=30)  # type: ignore[attr-defined]
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "database": "ok",
        "ready": True,
        "revision": 1,
        "municipality": "Randers Kommune",
    }


def test_units_list_and_detail(client: TestClient) -> None:
    units = client.get("/api/v1/units").json()
    assert [u["id"] for u in units][:2] == ["kultur-og-borgerservice", "borgerservice"]
    familie = client.get("/api/v1/units/familie").json()
    assert familie["sensitive"] is True
    assert familie["main_number"]["display"] == "89 15 30 00"
    assert familie["path"] == ["social-og-arbejdsmarked", "familie"]
    assert familie["hours"]["phone"].startswith("Mo 09:00-17:00")


def test_r3_8_employee_in_a_sensitive_unit_is_marked_withheld(client: TestClient) -> None:
    anne = client.get("/api/v1/employees/anne-familie").json()
    assert anne["number_withheld"] is True
    mette = client.get("/api/v1/employees/mette-jobcenter").json()
    assert mette["number_withheld"] is False
    assert mette["phone"]["display"] == "89 15 22 11"


def test_unknown_ids_are_404_naming_them(client: TestClient) -> None:
    r = client.get("/api/v1/units/nowhere")
    assert r.status_code == 404 and r.json()["detail"] == "unknown unit 'nowhere'"
    r = client.get("/api/v1/employees/ghost")
    assert r.status_code == 404 and "ghost" in r.json()["detail"]


def test_openapi_is_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/units/{unit_id}" in paths


def test_empty_database_answers_503_not_500(sqlite_url: str) -> None:
    with api_client(create_app(Settings(database_url=sqlite_url))) as c:
        assert c.get("/api/v1/units").status_code == 503
        assert c.get("/api/v1/health").json()["revision"] is None
