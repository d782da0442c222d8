"""What is stored is shown (issue 16 item 7), with a real database and HTTP client: the
absence note reaches operators and never a citizen (R3.11, R1.5), a mailing's `staffed`
flag is in its notice and an unstaffed one changes the advice (R2.7), and the secretary
rule's criteria stand with the advice that cites R2.4."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import accounts, orgfile
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from omstilling.store.presence import set_absence
from omstilling.web.app import create_app
from tests.conftest import api_client, mini_text
from tests.web.session import MONDAY_10, browser, csrf, post_login

NOTE = "Tilbage efter teammødet; haster det, så tag en besked til Niels"
PRIVATE_NOTE = "Influenza, lægen siger en uge"
KTH_ANSWER = "Brevet om den nye sats kræver intet af dig; satsen står i brevet."
SECRETARY_WHEN = "Opkald til jobcenterchefen går til sekretariatet."


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    doc = yaml.safe_load(mini_text())
    doc["mailings"].append(
        {
            "id": "kth-satser-2027",
            "unit": "jobcenter",
            "title": "Nye satser for kontanthjælp 2027",
            "sent": date(2026, 11, 25),
            "calls_expected_until": date(2026, 12, 18),
            "tasks": ["kontanthjaelp"],
            "answer": KTH_ANSWER,
            "staffed": False,
        }
    )
    org = orgfile.parse_data(doc).organisation
    import_organisation(engine, org, file_revision=None, actor="test")
    hour = timedelta(hours=1)
    set_absence(
        engine, "mette-jobcenter", "meeting", MONDAY_10 - hour, MONDAY_10 + 2 * hour, NOTE,
        actor="mette", now=MONDAY_10,
    )  # fmt: skip
    set_absence(
        engine, "niels-jobcenter", "sick", MONDAY_10 - hour, None, PRIVATE_NOTE,
        actor="niels", now=MONDAY_10,
    )  # fmt: skip
    accounts.add_user(engine, "op", "operator", "en-lang-adgangskode-til-test")
    application = create_app(Settings(database_url=db_url), engine=engine)
    application.state.clock = lambda: MONDAY_10
    return application


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    with api_client(app) as client:
        yield client


@pytest.fixture
def operator(app: FastAPI) -> Iterator[tuple[TestClient, str]]:
    with browser(app) as client:
        assert post_login(client, "op", "en-lang-adgangskode-til-test").status_code == 303
        yield client, csrf(client)


def advice(api: TestClient, **body: Any) -> dict[str, Any]:
    r = api.post("/api/v1/advice", json={"at": "2026-11-30T10:00", **body})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def console(operator: tuple[TestClient, str], **form: str) -> str:
    client, token = operator
    r = client.post("/console/advice", data=form, headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    return r.text


def test_r3_11_the_absence_note_reaches_the_operator_not_the_citizen(
    api: TestClient, operator: tuple[TestClient, str]
) -> None:
    a = advice(api, employee="mette-jobcenter")
    assert a["absence"]["shown_as"] == "Møde" and a["absence"]["note"] == NOTE
    assert NOTE not in a["say"]  # `say` is read to the citizen
    html = console(operator, kind="employee", id="mette-jobcenter")
    assert "Intern note</strong> (siges ikke til borgeren)" in html and NOTE in html
    # The public pages and the public search never get it.
    for q in ("Mette Dahl", "jobcenter", "kontanthjælp"):
        assert NOTE not in api.get("/offentlig/soeg", params={"q": q}).text
        assert NOTE not in api.get("/api/v1/public/search", params={"q": q}).text


def test_r1_5_a_private_code_keeps_its_note_from_the_operator_too(
    api: TestClient, operator: tuple[TestClient, str]
) -> None:
    a = advice(api, employee="niels-jobcenter")
    assert a["absence"] == {"shown_as": "Fraværende", "until": None}
    assert PRIVATE_NOTE not in console(operator, kind="employee", id="niels-jobcenter")


def test_r2_7_a_staffed_mailing_says_so_in_its_notice(api: TestClient) -> None:
    [notice] = advice(api, task="skat")["notices"]
    assert notice["id"] == "skattekort-2027"
    assert notice["text"].endswith("Afdelingen er bemandet til at svare.")


def test_r2_7_an_unstaffed_mailing_is_answered_here_and_said_in_its_notice(
    api: TestClient, operator: tuple[TestClient, str]
) -> None:
    a = advice(api, task="kontanthjaelp", birth_day=12)
    assert a["action"] == "handle_here" and a["to"] is None
    assert a["say"] == KTH_ANSWER and "R2.7" in a["rules"]
    assert a["alternatives"] == [
        {"action": "transfer", "unit": "jobcenter"},
        {"action": "take_message", "employee": "mette-jobcenter"},
    ]
    [notice] = a["notices"]
    assert notice["text"] == f"{KTH_ANSWER} Afdelingen er ikke bemandet til at svare."
    html = console(operator, kind="task", id="kontanthjaelp", birth_day="12")
    assert "Afdelingen er ikke bemandet til at svare." in html and KTH_ANSWER in html
    # After the mailing's last day the call goes to the caseworker again.
    later = advice(api, task="kontanthjaelp", birth_day=12, at="2026-12-21T10:00")
    assert later["action"] != "handle_here" and "R2.7" not in later["rules"]


def test_r2_4_the_secretary_rule_is_shown_with_its_advice(
    api: TestClient, operator: tuple[TestClient, str]
) -> None:
    a = advice(api, employee="jens-jobcenter")
    assert a["action"] == "transfer_secretary" and "R2.4" in a["rules"]
    assert a["secretary_when"] == SECRETARY_WHEN
    assert SECRETARY_WHEN not in a["say"]
    html = console(operator, kind="employee", id="jens-jobcenter")
    assert "Sekretærregel (R2.4)</strong>: " + SECRETARY_WHEN in html
    # Without R2.4 the key is absent: the spec's shape is unchanged.
    assert "secretary_when" not in advice(api, employee="sara-jobcenter")


def test_r3_11_the_boards_show_the_note_and_the_mailings_staffing(
    operator: tuple[TestClient, str],
) -> None:
    client, _ = operator
    html = client.get("/tavler").text
    assert "<th>Intern note</th>" in html and f"<td>{NOTE}</td>" in html
    assert PRIVATE_NOTE not in html  # a private code keeps its note (R1.5)
    assert "Afdelingen er ikke bemandet til at svare." in html  # kth-satser-2027
    assert "Afdelingen er bemandet til at svare." in html  # skattekort-2027
