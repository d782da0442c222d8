"""The errands that are not the municipality's (issue 16 item 9): the demo, stored in a
real database, sends citizens who call about boligstøtte, folkepension, barsel,
børne- og ungeydelse and skat to Udbetaling Danmark or Skattestyrelsen at once, with
the authority's number, phone hours and website, in the console's advice (R1.2, R1.6)
and in the public search (R3.7); what the municipality answers itself stays here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import accounts, orgfile
from omstilling.demo.org import demo_yaml
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.conftest import api_client
from tests.web.session import MONDAY_10, PASSWORD, csrf, sign_in

# Tuesday 1 December 2026, 10.00: Borgerservice's mailing about skattekort is active.
AT = "2026-12-01T10:00"
UDK_HOURS = "mandag-fredag 8.00-16.00"
SKAT_HOURS = "mandag 9.00-16.00, tirsdag-torsdag 9.00-15.00, fredag 9.00-14.00"


@pytest.fixture
def client(engine: Engine, db_url: str) -> Iterator[TestClient]:
    org = orgfile.parse_text(demo_yaml())
    import_organisation(engine, org, file_revision=None, actor="test")
    with api_client(create_app(Settings(database_url=db_url), engine=engine)) as c:
        yield c


def advice(client: TestClient, q: str, at: str = AT) -> dict[str, Any]:
    r = client.post("/api/v1/advice", json={"q": q, "at": at})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


UDK = ("Udbetaling Danmark", UDK_HOURS, "borger.dk/")
SKAT = ("Skattestyrelsen", SKAT_HOURS, "skat.dk")


@pytest.mark.parametrize(
    ("q", "task", "display", "authority"),
    [
        ("boligstøtte", "boligstoette", "70 12 80 63", UDK),
        ("boligsikring", "boligstoette", "70 12 80 63", UDK),
        ("folkepension", "folkepension", "70 12 80 61", UDK),
        ("ældrecheck", "folkepension", "70 12 80 61", UDK),
        ("barselsdagpenge", "barselsdagpenge", "70 12 80 62", UDK),
        ("barsel", "barselsdagpenge", "70 12 80 62", UDK),
        ("børnecheck", "boerne-og-ungeydelse", "70 12 80 81", UDK),
        ("skat", "skat", "72 22 18 18", SKAT),
        ("årsopgørelse", "skat", "72 22 18 18", SKAT),
        ("forskudsopgørelse", "skat", "72 22 18 18", SKAT),
    ],
)
def test_r1_6_a_national_errand_is_referred_with_number_hours_and_site(
    client: TestClient, q: str, task: str, display: str, authority: tuple[str, str, str]
) -> None:
    name, hours, site = authority
    a = advice(client, q)
    assert (a["action"], a["candidates"][0]["id"]) == ("refer", task)
    assert a["to"] == {
        "kind": "number",
        "id": None,
        "number": "+45" + display.replace(" ", ""),
        "display": display,
    }
    assert a["rules"] == ["R1.6"]
    # The authority's own phone hours, in the advice and in what the operator says.
    assert a["hours"] == hours and a["open"] is True and a["next_open"] is None
    assert a["say"].startswith(f"Det er {name}, der tager sig af det.")
    assert display in a["say"] and f"De har telefontid {hours}." in a["say"]
    assert f"Du kan læse mere på {site}" in a["say"]


def test_r1_6_the_authority_closed_gives_when_it_opens(client: TestClient) -> None:
    # Monday 17.00: Borgerservice still answers (until 18), Udbetaling Danmark does not.
    a = advice(client, "boligstøtte", at="2026-11-30T17:00")
    assert a["action"] == "refer" and a["open"] is False
    assert a["next_open"] == "2026-12-01T08:00:00+01:00"


def test_r2_7_a_referral_carries_only_the_mailing_about_its_task(client: TestClient) -> None:
    """Borgerservice's mailing about skattekort concerns the skat errand, not the other
    errands referred elsewhere that Borgerservice happens to list."""
    assert [n["id"] for n in advice(client, "skattekort")["notices"]] == ["skattekort-2027"]
    assert advice(client, "folkepension")["notices"] == []


@pytest.mark.parametrize(
    ("q", "task", "unit"),
    [
        ("førtidspension", "fleksjob", "jobcenter"),  # the municipality decides it
        ("sygedagpenge", "sygedagpenge", "kontanthjaelp-og-sygedagpenge"),
        ("ejendomsskat", "bbr", "byggeri"),  # the municipality's own tax on property
        ("bostøtte", "bostoette", "voksen-og-psykiatri"),  # not boligstøtte
    ],
)
def test_r1_2_what_the_municipality_answers_itself_stays_here(
    client: TestClient, q: str, task: str, unit: str
) -> None:
    a = advice(client, q)
    assert a["action"] != "refer"
    assert (a["candidates"][0]["id"], a["unit"]) == (task, unit)


def test_r3_7_the_public_search_names_the_authority_its_hours_and_site(
    client: TestClient,
) -> None:
    r = client.get("/api/v1/public/search", params={"q": "folkepension"})
    assert r.status_code == 200
    first = r.json()["results"][0]
    assert first["kind"] == "task" and first["name"] == "Folkepension"
    assert first["unit"] == "Udbetaling Danmark"
    assert first["number"] == {"e164": "+4570128061", "display": "70 12 80 61"}
    assert first["hours"]["label"] == "Telefontid" and first["hours"]["text"] == UDK_HOURS
    assert first["url"].startswith("https://www.borger.dk/")
    first = client.get("/api/v1/public/search", params={"q": "årsopgørelse"}).json()["results"][0]
    assert (first["unit"], first["number"]["display"]) == ("Skattestyrelsen", "72 22 18 18")
    assert first["url"] == "https://skat.dk/"


def test_r1_6_the_console_names_the_authority_and_its_hours(
    engine: Engine, db_url: str, client: TestClient
) -> None:
    accounts.add_user(engine, "op", "operator", PASSWORD)
    app = client.app
    app.state.clock = lambda: MONDAY_10  # type: ignore[attr-defined]
    operator = sign_in(app, "op")
    r = operator.post(
        "/console/advice",
        data={"kind": "task", "id": "boligstoette", "q": "boligstøtte"},
        headers={"X-CSRF-Token": csrf(operator)},
    )
    assert r.status_code == 200
    assert "<dt>Enhed</dt><dd>Udbetaling Danmark" in r.text and "70 12 80 63" in r.text
    assert UDK_HOURS in r.text and "Borgerservice" not in r.text.split("<dl>")[1]
