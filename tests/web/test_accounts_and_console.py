"""Accounts, sessions, CSRF and the console pages, with a real database and HTTP client."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from omstilling import accounts
from omstilling.store.account_models import ConsoleAction, LoginAttempt
from tests.conftest import api_client, mini_text
from tests.web.session import PASSWORD, browser, csrf, mini_app, post_login


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    doc = yaml.safe_load(mini_text())
    # A name that tries to inject markup must show as text everywhere.
    doc["units"][3]["employees"][3]["name"] = "Niels <script>alert(1)</script> Bak"
    return mini_app(
        engine,
        db_url,
        ("op", "operator", {"display_name": "Olga Operatør"}),
        ("mette", "employee", {"employee_id": "mette-jobcenter"}),
        ("red", "editor", {"unit_id": "jobcenter"}),
        doc=doc,
    )


@pytest.fixture
def operator(app: FastAPI) -> Iterator[TestClient]:
    with browser(app) as client:
        assert post_login(client, "op").status_code == 303
        yield client


def test_pages_redirect_to_login_and_api_answers_401(app: FastAPI) -> None:
    with browser(app) as client:
        r = client.get("/")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=/"
        assert client.get("/api/v1/units").status_code == 401
        assert client.post("/api/v1/advice", json={"unit": "familie"}).status_code == 401
        assert client.get("/api/v1/health").status_code == 200


def test_a_token_without_the_scope_gets_403_and_a_wrong_token_401(app: FastAPI) -> None:
    with api_client(app, scopes=("calls:write",)) as client:
        assert client.get("/api/v1/units").status_code == 403
    with browser(app) as client:
        r = client.get("/api/v1/units", headers={"Authorization": "Bearer omst_nope"})
        assert r.status_code == 401


def test_login_sets_a_secure_httponly_session_and_renews_it(app: FastAPI) -> None:
    with browser(app) as client:
        r = post_login(client, "op")
        assert r.status_code == 303 and r.headers["location"] == "/home"
        cookie = r.headers["set-cookie"]
        assert "omstilling_session=" in cookie
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
        first = client.cookies.get("omstilling_session")
        post_login(client, "op")
        assert client.cookies.get("omstilling_session") != first
        assert client.get("/").status_code == 200


def test_wrong_password_is_refused_and_logged_then_rate_limited(
    app: FastAPI, engine: Engine
) -> None:
    with browser(app) as client:
        for _ in range(accounts.MAX_FAILURES_PER_USER):
            r = post_login(client, "op", "forkert-adgangskode")
            assert r.status_code == 400 and "Forkert brugernavn eller adgangskode" in r.text
        r = post_login(client, "op")  # even the right password waits now
        assert r.status_code == 429 and "For mange" in r.text
    with engine.connect() as conn:
        failures = conn.execute(select(LoginAttempt).where(LoginAttempt.success.is_(False))).all()
    assert len(failures) == accounts.MAX_FAILURES_PER_USER


def test_login_form_without_its_csrf_token_is_refused(app: FastAPI) -> None:
    with browser(app) as client:
        r = client.post("/login", data={"username": "op", "password": PASSWORD})
        assert r.status_code == 400 and "udløbet" in r.text


def test_passwords_shorter_than_12_characters_are_refused(engine: Engine) -> None:
    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.add_user(engine, "kort", "operator", "elleve-tegn")


def test_r1_2_console_search_advice_and_logged_action(operator: TestClient, engine: Engine) -> None:
    token = csrf(operator)
    r = operator.post(
        "/console/search", data={"q": "kontanthjalp"}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 200 and 'data-id="kontanthjaelp"' in r.text
    r = operator.post(
        "/console/advice",
        data={"kind": "task", "id": "kontanthjaelp", "q": "kontanthjalp"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200
    assert "Fødselsdag" in r.text  # the advice needs the birth day
    r = operator.post(
        "/console/advice",
        data={"kind": "task", "id": "kontanthjaelp", "birth_day": "12"},
        headers={"X-CSRF-Token": token},
    )
    assert "Mette Dahl" in r.text and "Stil om" in r.text
    r = operator.post(
        "/console/actions",
        data={
            "action": "transfer",
            "kind": "task",
            "id": "kontanthjaelp",
            "errand": "kontanthjalp",
            "unit": "jobcenter",
            "employee": "mette-jobcenter",
            "number": "+4589152211",
            "rules": "R2.2,R1.2",
        },
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200 and "registreret" in r.text
    with engine.connect() as conn:
        row = conn.execute(select(ConsoleAction)).one()
    assert (row.action, row.unit_id, row.employee_id, row.errand) == (
        "transfer",
        "jobcenter",
        "mette-jobcenter",
        "kontanthjalp",
    )


def test_a_form_without_a_valid_csrf_token_is_refused(operator: TestClient) -> None:
    r = operator.post("/console/actions", data={"action": "answered"})
    assert r.status_code == 403
    r = operator.post(
        "/console/actions", data={"action": "answered"}, headers={"X-CSRF-Token": "wrong"}
    )
    assert r.status_code == 403


def test_the_birth_day_field_refuses_a_whole_cpr_number(operator: TestClient) -> None:
    r = operator.post(
        "/console/advice",
        data={"kind": "task", "id": "kontanthjaelp", "birth_day": "031185-1234"},
        headers={"X-CSRF-Token": csrf(operator)},
    )
    assert "aldrig hele CPR-nummeret" in r.text and "031185" not in r.text


def test_the_message_form_says_in_danish_that_a_cpr_number_is_refused(
    operator: TestClient, engine: Engine
) -> None:
    # The console asks the same guard as messages (domain.citizen), whatever the spelling.
    r = operator.post(
        "/console/besked/gem",
        data={
            "employee": "mette-jobcenter",
            "caller_name": "Karen Jensen",
            "caller_phone": "20 30 40 50",
            "text": "Hendes nummer er 03.11.85-1506",
        },
        headers={"X-CSRF-Token": csrf(operator)},
    )
    assert r.status_code == 422
    assert "et CPR-nummer må ikke skrives i en besked" in r.text and "03.11.85" not in r.text


def test_the_console_names_facts_and_actions_with_the_shared_labels(operator: TestClient) -> None:
    token = csrf(operator)
    r = operator.post(
        "/console/advice",
        data={"kind": "task", "id": "kontanthjaelp", "birth_day": "tolv"},
        headers={"X-CSRF-Token": token},
    )
    assert "aldrig hele CPR-nummeret" in r.text and "tolv" not in r.text
    r = operator.post(
        "/console/advice",
        data={"kind": "task", "id": "kontanthjaelp", "postcode": "89"},
        headers={"X-CSRF-Token": token},
    )
    assert "Tjek oplysningen: postnummer" in r.text
    r = operator.post(
        "/console/advice",
        data={"kind": "task", "id": "kontanthjaelp"},
        headers={"X-CSRF-Token": token},
    )
    assert '<label for="birth_day">Fødselsdag (dag i måneden)</label>' in r.text
    assert "Tag besked" in r.text


def test_a_name_with_script_shows_as_text(operator: TestClient) -> None:
    r = operator.post(
        "/console/search", data={"q": "Niels"}, headers={"X-CSRF-Token": csrf(operator)}
    )
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;" in r.text
    r = operator.post(
        "/console/advice",
        data={"kind": "employee", "id": "niels-jobcenter"},
        headers={"X-CSRF-Token": csrf(operator)},
    )
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text
    assert "<script>alert" not in operator.get("/tavler").text


def test_r3_11_employee_sets_only_their_own_absence(app: FastAPI) -> None:
    with browser(app) as client:
        post_login(client, "mette")
        token = csrf(client, "/mig")
        r = client.post("/mig/fravaer", data={"choice": "lunch30", "csrf_token": token})
        assert r.status_code == 303
        assert "Frokost" in client.get("/mig").text
        r = client.put(
            "/api/v1/employees/niels-jobcenter/absence",
            json={"code": "meeting"},
            headers={"X-CSRF-Token": token},
        )
        assert r.status_code == 403
        r = client.put(
            "/api/v1/employees/mette-jobcenter/absence",
            json={"code": "meeting"},
            headers={"X-CSRF-Token": token},
        )
        assert r.status_code == 200


def test_r3_9_unit_editor_reports_only_their_own_units(app: FastAPI) -> None:
    with browser(app) as client:
        post_login(client, "red")
        token = csrf(client, "/tavler")
        body = {"from": "2026-11-30T09:00", "until": "2026-11-30T12:00"}
        r = client.post("/api/v1/units/familie/away", json=body, headers={"X-CSRF-Token": token})
        assert r.status_code == 403
        r = client.post("/api/v1/units/jobcenter/away", json=body, headers={"X-CSRF-Token": token})
        assert r.status_code == 201


def test_logout_ends_the_session(operator: TestClient) -> None:
    token = csrf(operator)
    r = operator.post("/logout", data={"csrf_token": token})
    assert r.status_code == 303
    assert operator.get("/").status_code == 303


def test_boards_show_who_is_away_and_units_away(app: FastAPI) -> None:
    with api_client(app) as system:
        system.put(
            "/api/v1/employees/anne-familie/absence",
            json={"code": "sick", "until": "2099-01-01T09:00"},
        )
        system.post(
            "/api/v1/units/jobcenter/away",
            json={"until": "2099-01-01T12:00", "note": "Personalemøde"},
        )
    with browser(app) as client:
        post_login(client, "op")
        page = client.get("/tavler").text
    assert "Anne Andersen" in page and "Fraværende" in page and "Syg" not in page
    assert "Jobcenter" in page and "Personalemøde" in page
    assert "Forskudsopgørelse og skattekort 2027" in page or "Ingen aktive udsendelser" in page


def test_r1_6_take_a_message_from_the_console_and_close_it_as_the_employee(
    app: FastAPI, operator: TestClient, engine: Engine
) -> None:
    token = csrf(operator)
    form = operator.post(
        "/console/besked",
        data={
            "kind": "employee",
            "id": "mette-jobcenter",
            "errand": "Spørger til sin ansøgning",
            "employee": "mette-jobcenter",
            "unit": "jobcenter",
        },
        headers={"X-CSRF-Token": token},
    )
    assert form.status_code == 200 and "Tag besked til Mette Dahl" in form.text
    assert "Spørger til sin ansøgning" in form.text
    r = operator.post(
        "/console/besked/gem",
        data={
            "employee": "mette-jobcenter",
            "caller_name": "Karen Jensen",
            "caller_phone": "20 30 40 50",
            "text": "CPR 031185-1234 vedlagt",
        },
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 422 and "CPR" in r.text and "031185" not in r.text
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
    assert r.status_code == 200 and "Mette Dahl ringer dig op senest" in r.text
    page = operator.get("/beskeder").text
    assert "1 åbne" in page and "Beskeder (1)" in page  # the count in the menu
    with browser(app) as mette:
        post_login(mette, "mette")
        page = mette.get("/beskeder").text
        assert "Karen Jensen" in page and "20 30 40 50" in page
        link = re.search(r'href="/beskeder/(\d+)"', page)
        assert link
        token = csrf(mette, "/beskeder")
        r = mette.post(
            f"/beskeder/{link.group(1)}", data={"action": "resolved", "csrf_token": token}
        )
        assert r.status_code == 303
        r = mette.post(f"/beskeder/{link.group(1)}", data={"action": "close", "csrf_token": token})
        assert "Ingen åbne beskeder" in mette.get("/beskeder").text
    with engine.connect() as conn:
        actions = conn.execute(select(ConsoleAction.action)).scalars().all()
    assert actions == ["take_message"]
