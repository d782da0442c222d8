"""An employee's own pages (issue 16 items 4 and 5): their block for letters (R3.7, R3.8,
R3.2), and messages taken for a colleague or their unit (R3.5, R3.6) with the console's
form and rules; a real database and HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from omstilling.store.account_models import ConsoleAction
from tests.web.session import browser, csrf, mini_app, post_login

OFFICIAL = "mandag 9.00-18.00, tirsdag-torsdag 9.00-16.00, fredag 9.00-14.00"
CALL = {"caller_name": "Karen Jensen", "caller_phone": "20 30 40 50", "text": "Om sin sag"}


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    return mini_app(
        engine,
        db_url,
        ("mette", "employee", {"employee_id": "mette-jobcenter"}),
        ("anne", "employee", {"employee_id": "anne-familie"}),
    )


@pytest.fixture
def mette(app: FastAPI) -> Iterator[TestClient]:
    with browser(app) as client:
        assert post_login(client, "mette").status_code == 303
        yield client


def test_r3_7_the_employee_sees_their_own_block_for_letters(mette: TestClient) -> None:
    page = mette.get("/mig").text
    assert "Til dine breve" in page
    assert f"Mette Dahl\nJobcenter\nTelefon 89 15 22 11\nÅbningstid: {OFFICIAL}" in page


def test_r3_8_in_a_sensitive_unit_the_block_carries_the_units_number(app: FastAPI) -> None:
    with browser(app) as anne:
        post_login(anne, "anne")
        page = anne.get("/mig").text
    assert "Telefon 89 15 30 00" in page and "89 15 31 01" not in page
    assert "Dit direkte nummer gives ikke ud" in page


def test_r3_5_r3_6_an_employee_takes_a_message_for_a_colleague(
    app: FastAPI, mette: TestClient, engine: Engine
) -> None:
    token = csrf(mette, "/mig")
    page = mette.get("/mig").text
    assert "Tag besked" in page and "Niels Bak" in page  # a colleague in Jobcenter
    form = mette.post(
        "/mig/besked", data={"employee": "niels-jobcenter"}, headers={"X-CSRF-Token": token}
    )
    assert form.status_code == 200 and "Tag besked til Niels Bak" in form.text
    assert 'hx-post="/mig/besked/gem"' in form.text  # the console's own form
    saved = mette.post(
        "/mig/besked/gem",
        data={**CALL, "employee": "niels-jobcenter"},
        headers={"X-CSRF-Token": token},
    )
    assert saved.status_code == 200, saved.text
    assert "Niels Bak ringer dig op senest" in saved.text
    # Not the switchboard's action: the console's log (R3.12) does not count it.
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ConsoleAction)).scalar() == 0


def test_r3_6_an_employee_takes_a_message_for_their_unit(mette: TestClient) -> None:
    token = csrf(mette, "/mig")
    saved = mette.post(
        "/mig/besked/gem", data={**CALL, "unit": "jobcenter"}, headers={"X-CSRF-Token": token}
    )
    assert saved.status_code == 200, saved.text
    assert "Karen Jensen" in mette.get("/beskeder").text


@pytest.mark.parametrize("target", [{"employee": "anne-familie"}, {"unit": "familie"}, {}])
def test_r3_5_only_for_their_own_unit(mette: TestClient, target: dict[str, str]) -> None:
    token = csrf(mette, "/mig")
    for path, data in (("/mig/besked", target), ("/mig/besked/gem", {**CALL, **target})):
        assert mette.post(path, data=data, headers={"X-CSRF-Token": token}).status_code == 403


def test_r3_6_the_same_rules_as_the_console_a_cpr_number_is_refused_unechoed(
    mette: TestClient,
) -> None:
    token = csrf(mette, "/mig")
    r = mette.post(
        "/mig/besked/gem",
        data={**CALL, "text": "CPR 031185-1234 vedlagt", "unit": "jobcenter"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 422 and "CPR-nummer" in r.text and "031185" not in r.text
