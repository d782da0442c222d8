"""Every number the console shows links to the settings' URI (issue 16 item 3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import accounts, orgfile
from omstilling.domain.dial import Dialler
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from omstilling.web.dial_links import caller_link
from tests.conftest import mini_text
from tests.web.session import MONDAY_10, PASSWORD, browser, csrf, mini_app, post_login

TZ = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    doc = yaml.safe_load(mini_text())
    for unit in doc["units"]:
        for e in unit.get("employees", []):
            if e["id"] == "mette-jobcenter":
                e["extension"] = "3101"
    return mini_app(
        engine,
        db_url,
        ("op", "operator", {"display_name": "Olga Operatør"}),
        doc=doc,
        dial_uri="sip:{extension}@pbx.example",
    )


@pytest.fixture
def operator(app: FastAPI) -> Iterator[TestClient]:
    with browser(app) as client:
        assert post_login(client, "op").status_code == 303
        yield client


def _advice(client: TestClient, kind: str, ident: str) -> str:
    token = csrf(client)
    r = client.post(
        "/console/advice", data={"kind": kind, "id": ident}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 200
    return r.text


def _dial_links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="dial" href="([^"]+)"[^>]*>([^<]*)</a>', html)


def test_a_transfer_to_an_employee_dials_the_extension(operator: TestClient) -> None:
    html = _advice(operator, "employee", "mette-jobcenter")
    assert _dial_links(html) == [("sip:3101@pbx.example", "89 15 22 11")]
    assert 'data-dial="primary" aria-keyshortcuts="Alt+R"' in html
    assert "<kbd>Alt+R</kbd> ringer op" in html


def test_a_number_without_an_extension_falls_back_to_tel(operator: TestClient) -> None:
    html = _advice(operator, "unit", "jobcenter")
    links = _dial_links(html)
    assert len(links) == 1 and links[0][0].startswith("tel:+45")
    assert links[0][0] == "tel:+45" + links[0][1].replace(" ", "")


def test_r3_8_a_withheld_number_is_never_a_link(app: FastAPI, operator: TestClient) -> None:
    # S05: Anne's direct number is withheld (sensitive unit); the unit's number is given.
    app.state.clock = lambda: datetime(2026, 12, 1, 15, 30, tzinfo=TZ)
    html = _advice(operator, "employee", "anne-familie")
    assert "Direkte nummer gives ikke ud" in html
    assert _dial_links(html) == [("tel:+4589153000", "89 15 30 00")]
    assert "4589153101" not in html and "89 15 31 01" not in html


def test_the_callers_number_on_a_message_is_a_link(operator: TestClient) -> None:
    token = csrf(operator)
    r = operator.post(
        "/console/besked/gem",
        data={
            "employee": "mette-jobcenter",
            "caller_name": "Karen Jensen",
            "caller_phone": "20 30 40 50",
            "text": "Spørger til sin ansøgning",
        },
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200
    page = operator.get("/beskeder").text
    assert ("tel:+4520304050", "20 30 40 50") in _dial_links(page)
    link = re.search(r'href="/beskeder/(\d+)"', page)
    assert link
    assert ("tel:+4520304050", "20 30 40 50") in _dial_links(
        operator.get(f"/beskeder/{link.group(1)}").text
    )


def test_a_click_to_dial_page_opens_in_a_new_tab(engine: Engine, db_url: str) -> None:
    import_organisation(
        engine,
        orgfile.parse_data(yaml.safe_load(mini_text())).organisation,
        file_revision=None,
        actor="test",
    )
    accounts.add_user(engine, "op", "operator", PASSWORD)
    settings = Settings(database_url=db_url, dial_uri="https://pbx.example/dial?to={e164}")
    application = create_app(settings, engine=engine)
    application.state.clock = lambda: MONDAY_10
    with browser(application) as client:
        post_login(client, "op")
        html = _advice(client, "employee", "mette-jobcenter")
    assert (
        '<a class="dial" href="https://pbx.example/dial?to=%2B4589152211" target="_blank" '
        'rel="noopener noreferrer" data-dial="primary"' in html
    )


def test_a_live_calls_payload_carries_its_callers_link_and_not_the_bare_number() -> None:
    d = Dialler.from_texts("sip:{extension}@pbx.example", "callto:{e164}")
    queued = {"call_id": "1", "type": "queued", "caller_e164": "+4512345678"}
    assert caller_link(d, queued) == {
        "call_id": "1",
        "type": "queued",
        "caller_uri": "callto:+4512345678",
        "caller_opens_page": False,
    }
    hidden = {"call_id": "2", "type": "queued", "caller_e164": None}
    assert caller_link(d, hidden)["caller_uri"] is None
    assert caller_link(d, {"call_id": "3", "type": "answered"}) == {
        "call_id": "3",
        "type": "answered",
    }


def test_serve_refuses_a_bad_template_naming_the_setting_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from omstilling.cli import app, serve  # noqa: F401  (registers the command)

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("OMSTILLING_DIAL_URI", "sip:{lokal}@pbx.example")
    r = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert r.exit_code == 2
    assert "error: OMSTILLING_DIAL_URI: unknown placeholder {lokal}" in r.output
    assert "Traceback" not in r.output
