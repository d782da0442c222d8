"""Hvem skal jeg ringe til? over HTTP (issue 17 items 1-3 and "Bad input"): the page
without JavaScript and as htmx asks it, the API's shape, CORS, the throttle, refusals,
and the access log (R3.2, R3.7, R3.8)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import orgfile
from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from omstilling.web.throttle import Throttle
from tests.conftest import free_port
from tests.domain.test_public_search import MOBILES, SENSITIVE, WITHHELD, citizen_doc, spellings
from tests.web.session import MONDAY_10

SITE = "https://www.randers.dk"
API = "/api/v1/public/search"
PAGE = "/offentlig/soeg"


def load(engine: Engine) -> None:
    org = orgfile.parse_data(citizen_doc()).organisation
    import_organisation(engine, org, file_revision=None, actor="import")


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    load(engine)
    application = create_app(
        Settings(database_url=db_url, public_search_origins=f"{SITE}, http://localhost:8080"),
        engine=engine,
    )
    application.state.clock = lambda: MONDAY_10
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c


def test_r3_7_the_page_answers_without_javascript(client: TestClient) -> None:
    """A plain GET form: the results page gives the number, the phone hours, open now and
    the switchboard's own answer, leading with the municipality's official hours."""
    r = client.get(PAGE, params={"q": "pas"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<form class="hvem-form" method="get" action="/offentlig/soeg"' in html
    assert 'value="pas"' in html
    assert 'href="tel:+4589151515">89 15 15 15</a>' in html
    assert "Pas bestilles ved personligt fremmøde" in html
    assert '<a href="https://randers.dk">randers.dk</a>' in html
    assert "<dt>Telefontid</dt>" in html and "Åben nu, til kl. 18.00" in html
    # R3.2: the official hours first, named as the municipality's; the unit's as its phone hours.
    assert html.index("officielle åbningstider") < html.index("<dt>Telefontid</dt>")
    assert "Åbningstid</dt>" not in html


def test_the_public_page_carries_the_search_box(client: TestClient) -> None:
    html = client.get("/offentlig").text
    assert 'action="/offentlig/soeg"' in html and 'id="hvem-q"' in html
    assert 'hx-get="/offentlig/soeg"' in html and 'aria-live="polite"' in html


def test_htmx_gets_the_results_alone(client: TestClient) -> None:
    r = client.get(PAGE, params={"q": "storskrald kontanthjælp"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    r = client.get(PAGE, params={"q": "kontanthjælp"}, headers={"HX-Request": "true"})
    assert "<html" not in r.text and "89 15 22 00" in r.text
    # The box emptied while typing: no results and no scolding.
    r = client.get(PAGE, params={"q": ""}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.text.strip() == ""


def test_r3_8_the_page_never_shows_a_withheld_number(client: TestClient) -> None:
    for q in ("Anne Andersen", "Tove Holm", "Niels Bak", "socialrådgiver", "Mette", "familie"):
        html = client.get(PAGE, params={"q": q}).text
        for number in WITHHELD:
            assert not any(s in html for s in spellings(number)), (q, number)


def test_nothing_found_says_so_and_gives_the_main_number(client: TestClient) -> None:
    html = client.get(PAGE, params={"q": "zyxwvu"}).text
    assert "Vi fandt ikke noget om „zyxwvu“" in html and "89 15 15 15" in html


@pytest.mark.parametrize(
    ("q", "danish"),
    [
        ("", "Skriv, hvad dit spørgsmål handler om"),
        ("  ", "Skriv, hvad dit spørgsmål"),
        ("x" * 201, "Søgningen er for lang"),
    ],
)
def test_an_empty_or_over_long_query_gets_a_danish_message_on_the_page(
    client: TestClient, q: str, danish: str
) -> None:
    r = client.get(PAGE, params={"q": q})
    assert r.status_code == 200 and danish in r.text and 'role="alert"' in r.text
    # Issue 17 item 5: the message is tied to the field it is about.
    assert 'aria-invalid="true" aria-describedby="hvem-fejl hvem-hint"' in r.text
    assert 'id="hvem-fejl"' in r.text


def test_a_cpr_number_on_the_page_is_refused_and_not_shown_back(client: TestClient) -> None:
    r = client.get(PAGE, params={"q": "pas 031185-1506"})
    assert r.status_code == 200 and "Skriv aldrig dit CPR-nummer her" in r.text
    assert "1506" not in r.text and "031185" not in r.text and 'value=""' in r.text


def test_r3_7_the_api_answers_in_the_documented_shape(client: TestClient) -> None:
    r = client.get(API, params={"q": "pas"})
    assert r.status_code == 200
    [pas, unit] = r.json()["results"]
    assert pas == {
        "kind": "task",
        "name": "Pas",
        "unit": "Borgerservice",
        "number": {"e164": "+4589151515", "display": "89 15 15 15"},
        "hours": {
            "label": "Telefontid",
            "text": "mandag 8.00-18.00, tirsdag-torsdag 8.00-16.00, fredag 8.00-14.00",
            "status": "Åben nu, til kl. 18.00",
        },
        "open_now": True,
        "opens": None,
        "answer": "Pas bestilles ved personligt fremmøde i Borgerservice. Book tid på randers.dk.",
        "url": "https://randers.dk",
    }
    assert unit["kind"] == "unit" and unit["name"] == "Borgerservice"


def test_r3_2_the_api_says_when_a_closed_unit_opens(app: FastAPI, client: TestClient) -> None:
    app.state.clock = lambda: MONDAY_10.replace(hour=19)
    [familie] = [x for x in client.get(API, params={"q": "familie"}).json()["results"]]
    assert familie["open_now"] is False and familie["opens"] == "2026-12-01T09:00:00+01:00"
    assert familie["hours"]["status"] == "Lukket nu, åbner i morgen kl. 9.00"
    assert familie["hours"]["label"] == "Telefontid"


def test_r3_8_the_api_never_gives_a_withheld_number(client: TestClient) -> None:
    for q in ("Anne", "Tove Holm", "Niels", "89153101", "20304050", "Mette Dahl", "familie"):
        text = client.get(API, params={"q": q}).text
        for number in WITHHELD:
            assert not any(s in text for s in spellings(number)), (q, number)
    mette = client.get(API, params={"q": "Mette Dahl"}).json()["results"][0]
    assert mette["kind"] == "employee" and mette["number"]["e164"] == "+4589152211"
    assert set(mette) == {
        "kind", "name", "unit", "number", "hours", "open_now", "opens", "answer", "url",
    }  # fmt: skip
    assert not any(s in repr(mette) for m in MOBILES for s in spellings(m))
    assert SENSITIVE[0] not in client.get(API, params={"q": "underretning"}).text


@pytest.mark.parametrize(
    ("q", "type_"), [("", "string_too_short"), ("   ", "invalid"), ("x" * 201, "string_too_long")]
)
def test_an_empty_or_over_long_query_is_answered_422_with_a_reason(
    client: TestClient, q: str, type_: str
) -> None:
    r = client.get(API, params={"q": q})
    assert r.status_code == 422
    [item] = r.json()["detail"]
    assert item["loc"] == ["query", "q"] and item["type"] == type_ and item["msg"]
    assert client.get(API).status_code == 422  # no q at all


def test_a_cpr_number_in_the_api_query_is_refused_without_echo(client: TestClient) -> None:
    r = client.get(API, params={"q": "031185-1506"})
    assert r.status_code == 422 and "1506" not in r.text and "031185" not in r.text
    [item] = r.json()["detail"]
    assert item == {
        "loc": ["query", "q"],
        "msg": "q: looks like a CPR number; it is not searched",
        "type": "invalid",
    }


def test_cors_answers_a_named_origin_only(client: TestClient) -> None:
    r = client.get(API, params={"q": "pas"}, headers={"Origin": SITE})
    assert r.headers["access-control-allow-origin"] == SITE
    assert "Origin" in r.headers["vary"]
    r = client.get(API, params={"q": "pas"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    preflight = {"Origin": SITE, "Access-Control-Request-Method": "GET"}
    r = client.options(API, headers=preflight)
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == SITE
    assert r.headers["access-control-allow-methods"] == "GET"
    r = client.options(API, headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    # Only this route: the other public JSON and the pages answer no other origin.
    for path in ("/api/v1/public/units", "/api/v1/public/hours", PAGE):
        r = client.get(path, headers={"Origin": SITE})
        assert "access-control-allow-origin" not in r.headers, path


def test_without_the_setting_no_origin_is_allowed(engine: Engine, db_url: str) -> None:
    load(engine)
    application = create_app(Settings(database_url=db_url), engine=engine)
    with TestClient(application) as c:
        r = c.get(API, params={"q": "pas"}, headers={"Origin": SITE})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_an_origin_setting_that_is_no_origin_is_refused() -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(public_search_origins="https://www.randers.dk/side")
    assert Settings(public_search_origins="*, http://[::1]:8080").public_search_origins


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_from_one_address_gets_429_with_retry_after(
    app: FastAPI, client: TestClient
) -> None:
    clock = Clock()
    app.state.public_throttle = Throttle(3, clock=clock)  # 3 a minute: one every 20 s
    assert [client.get(API, params={"q": "pas"}).status_code for _ in range(3)] == [200] * 3
    r = client.get(API, params={"q": "pas"})
    assert r.status_code == 429 and r.headers["retry-after"] == "20"
    assert r.json() == {"detail": "too many searches from this address; try again in 20 s"}
    # Bad queries count too, and are answered 429 before they are read.
    assert client.get(API, params={"q": ""}).status_code == 429
    page = client.get(PAGE, params={"q": "pas"})
    assert page.status_code == 429 and page.headers["retry-after"] == "20"
    assert "Der er søgt for mange gange" in page.text
    # As-you-type: htmx swaps only a 2xx, so the box says it in words.
    fragment = client.get(PAGE, params={"q": "pas"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "for mange gange" in fragment.text
    assert fragment.headers["retry-after"] == "20"
    clock.now += 20
    assert client.get(API, params={"q": "pas"}).status_code == 200


def test_behind_a_trusted_proxy_each_citizen_is_counted_apart(engine: Engine, db_url: str) -> None:
    load(engine)
    settings = Settings(database_url=db_url, trusted_proxies="10.0.0.0/8")
    application = create_app(settings, engine=engine)
    application.state.public_throttle = Throttle(2, clock=Clock())
    with TestClient(application, client=("10.0.0.5", 5000)) as c:
        one = {"X-Forwarded-For": "192.0.2.1"}
        two = {"X-Forwarded-For": "192.0.2.2"}
        assert [c.get(API, params={"q": "pas"}, headers=one).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        assert c.get(API, params={"q": "pas"}, headers=two).status_code == 200


def test_the_openapi_documents_the_search_and_its_refusals(app: FastAPI) -> None:
    operation = app.openapi()["paths"][API]["get"]
    assert {"422", "429", "503"} <= set(operation["responses"])
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    [q] = operation["parameters"]
    assert q["name"] == "q" and q["schema"]["maxLength"] == 200
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/SearchOut"}


def test_a_cpr_query_is_absent_from_the_access_log(tmp_path: Path) -> None:
    """A real server's access log: the search's q is masked whatever it holds, and a CPR
    number anywhere in the query is hidden."""
    url = f"sqlite:///{tmp_path / 'omstilling.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    load(engine)
    engine.dispose()
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "omstilling", "serve", "--port", str(port), "--db", url],
            cwd=tmp_path,
            env={**os.environ, "OMSTILLING_COOKIE_SECURE": "false"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base)
            assert httpx.get(base + API, params={"q": "0311851506"}).status_code == 422
            assert httpx.get(base + PAGE, params={"q": "031185-1506"}).status_code == 200
            assert httpx.get(base + API, params={"q": "storskrald"}).status_code == 200
            assert httpx.get(base + "/api/v1/public/units?x=031185+1506").status_code == 200
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    text = log.read_text(encoding="utf-8")
    assert f"GET {API}?q=(hidden) HTTP/1.1" in text and f"GET {PAGE}?q=(hidden)" in text
    for shown in ("0311851506", "031185", "1506", "storskrald"):
        assert shown not in text, shown


def _wait_for(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/v1/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")
