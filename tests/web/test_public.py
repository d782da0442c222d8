"""Public pages and JSON (R3.2, R3.7, R3.8): no login, and never a number that must stay inside."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import accounts, orgfile
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.conftest import mini_text

PASSWORD = "korrekt-hest-batteri"
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))

# Numbers that must never be published, in the E.164 form the store keeps.
SENSITIVE = "+4589153101"  # anne-familie: Familie is sensitive
INHERITED = "+4589153301"  # a team under Familie: sensitive by inheritance
NOT_PUBLIC = "+4589152212"  # niels-jobcenter: public: false
MOBILES = ("+4520304050", "+4521314151", "+4522324252")
PUBLISHED = "+4589152211"  # mette-jobcenter: may be published


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    doc = yaml.safe_load(mini_text())
    units = {u["id"]: u for u in doc["units"]}
    people = {e["id"]: e for u in doc["units"] for e in u.get("employees", [])}
    people["niels-jobcenter"]["public"] = False
    people["mette-jobcenter"]["mobile"] = "20 30 40 50"  # public employee, but mobiles never
    people["anne-familie"]["mobile"] = "21 31 41 51"
    position = doc["units"].index(units["familie"]) + 1
    doc["units"].insert(
        position,
        {
            "id": "familie-modtagelse",
            "name": "Modtagelsen <script>alert(1)</script>",
            "kind": "team",
            "parent": "familie",
            "numbers": [{"number": "89 15 33 00", "label": "Modtagelsen"}],
            "employees": [
                {
                    "id": "tove-familie",
                    "name": "Tove Holm",
                    "title": "Socialrådgiver",
                    "phone": "89 15 33 01",
                    "mobile": "22 32 42 52",
                }
            ],
        },
    )
    import_organisation(
        engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="import"
    )
    accounts.add_user(engine, "red", "editor", PASSWORD, unit_id="jobcenter")
    application = create_app(Settings(database_url=db_url), engine=engine)
    application.state.clock = lambda: MONDAY_10
    return application


def anonymous(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def spellings(e164: str) -> list[str]:
    """Every way the number could show up: E.164, national digits, Danish display."""
    national = e164.removeprefix("+45")
    display = " ".join(national[i : i + 2] for i in range(0, 8, 2))
    return [e164, national, display, f"+45 {display}"]


def assert_never_published(text: str) -> None:
    for number in (SENSITIVE, INHERITED, NOT_PUBLIC, *MOBILES):
        for spelling in spellings(number):
            assert spelling not in text, f"{spelling} was published"


def test_r3_8_public_page_never_shows_sensitive_non_public_or_mobile_numbers(
    app: FastAPI,
) -> None:
    page = anonymous(app).get("/offentlig")
    assert page.status_code == 200  # no login
    assert_never_published(page.text)
    assert "89 15 22 11" in page.text  # a public direct number outside sensitive units
    assert "89 15 30 00" in page.text and "89 15 33 00" in page.text  # function numbers are fine
    familie = page.text.split('id="enhed-familie"')[1].split("</section>")[0]
    assert "offentliggøres ikke" in familie and "Anne Andersen" not in familie
    team = page.text.split('id="enhed-familie-modtagelse"')[1].split("</section>")[0]
    assert "offentliggøres ikke" in team and "Tove Holm" not in team


def test_r3_8_public_json_never_carries_sensitive_non_public_or_mobile_numbers(
    app: FastAPI,
) -> None:
    r = anonymous(app).get("/api/v1/public/units")
    assert r.status_code == 200
    assert_never_published(r.text)
    assert "mobile" not in r.text
    units = {u["id"]: u for u in r.json()["units"]}
    for uid in ("familie", "familie-modtagelse"):
        assert units[uid]["direct_numbers_withheld"] is True
        assert units[uid]["employees"] == []
    jobcenter = {e["id"]: e for e in units["jobcenter"]["employees"]}
    assert "niels-jobcenter" not in jobcenter
    assert jobcenter["mette-jobcenter"]["phone"] == {
        "number": PUBLISHED,
        "display": "89 15 22 11",
    }
    assert set(jobcenter["mette-jobcenter"]) == {"id", "name", "title", "phone"}


def test_r3_8_an_editor_marking_a_unit_sensitive_withdraws_its_numbers_at_once(
    app: FastAPI,
) -> None:
    client = anonymous(app)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    client.post(
        "/login", data={"username": "red", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/enheder/jobcenter").text)
    assert found
    r = client.post(
        "/enheder/jobcenter/regler",
        data={
            "secretary_employee": "sara-jobcenter",
            "secretary_roles": ["leader"],
            "sensitive": "1",
            "csrf_token": found.group(1),
        },
    )
    assert r.status_code == 303
    body = anonymous(app).get("/api/v1/public/units").text
    assert all(s not in body for s in spellings(PUBLISHED))
    assert all(s not in anonymous(app).get("/offentlig").text for s in spellings(PUBLISHED))


def test_r3_2_official_hours_as_danish_text_and_schema_org(app: FastAPI) -> None:
    r = anonymous(app).get("/api/v1/public/hours")
    assert r.status_code == 200
    data = r.json()
    official = data["official"]
    assert official["text"] == "mandag 9.00-18.00, tirsdag-torsdag 9.00-16.00, fredag 9.00-14.00"
    assert official["open_now"] is True and official["today"] == "9.00-18.00"
    assert official["openingHoursSpecification"][0] == {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Monday",
        "opens": "09:00",
        "closes": "18:00",
    }
    assert len(official["openingHoursSpecification"]) == 5  # no weekend
    assert data["main_number"] == {"number": "+4589151515", "display": "89 15 15 15"}
    page = anonymous(app).get("/offentlig")
    assert official["text"] in page.text


def test_r3_7_units_json_has_numbers_phone_hours_and_opening_hours_specification(
    app: FastAPI,
) -> None:
    units = {u["id"]: u for u in anonymous(app).get("/api/v1/public/units").json()["units"]}
    jobcenter = units["jobcenter"]
    assert jobcenter["name"] == "Jobcenter" and jobcenter["kind"] == "department"
    assert jobcenter["parent"] == "social-og-arbejdsmarked"
    assert jobcenter["address"] == "Regimentvej 10, 8930 Randers NØ"
    assert jobcenter["numbers"] == [
        {"number": "+4589152200", "display": "89 15 22 00", "label": "Jobcenter"}
    ]
    hours = jobcenter["phone_hours"]
    assert hours["expression"].startswith("Mo-We,Fr 09:00-14:30; Th 09:00-17:00; PH off")
    assert hours["text"] == "mandag-onsdag og fredag 9.00-14.30, torsdag 9.00-17.00"
    spec = jobcenter["openingHoursSpecification"]
    assert {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Thursday",
        "opens": "09:00",
        "closes": "17:00",
    } in spec
    assert [s["dayOfWeek"].rsplit("/", 1)[1] for s in spec] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
    ]
    # A team without its own hours shows the hours it inherits.
    assert (
        units["familie-modtagelse"]["phone_hours"]["text"]
        == units["familie"]["phone_hours"]["text"]
    )
    json.dumps(units)  # plain JSON all the way down


def test_public_page_shows_markup_in_names_as_text(app: FastAPI) -> None:
    text = anonymous(app).get("/offentlig").text
    assert "<script>alert(1)</script>" not in text
    assert "Modtagelsen &lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_public_endpoints_before_any_import(engine: Engine, db_url: str) -> None:
    application = create_app(Settings(database_url=db_url), engine=engine)
    client = anonymous(application)
    assert client.get("/api/v1/public/units").status_code == 503
    page = client.get("/offentlig")
    assert page.status_code == 200 and "Ingen organisation" in page.text
