"""Hvem skal jeg ringe til? in Debian's chromium (issue 17 items 1-3): a citizen types
"pas" and the answers come as they type, under the site's Content-Security-Policy, with
no axe-core violation of WCAG 2.1 A and AA, at 320 px without sideways scrolling and on
a desktop (the README's screenshots); /static/hvem.js on our page and embedded on the
municipality's own site (another origin, named in the CORS setting)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser.conftest import MONDAY_10, SCREENSHOTS, _need_browser
from tests.browser.test_console_browser import new_page
from tests.browser.test_csp_browser import refused
from tests.conftest import free_port

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@dataclass
class Served:
    base: str  # the switchboard's server
    site: str  # the municipality's site, named in the CORS setting
    other: str  # a site that is not


def embedding_page(server: str) -> bytes:
    return (
        "<!doctype html><html lang='da'><head><meta charset='utf-8'><title>Randers</title>"
        f"<link rel='stylesheet' href='{server}/static/hvem.css'></head><body><main>"
        "<h1>Kommunens side</h1><div data-hvem></div>"
        f"<script src='{server}/static/hvem.js'></script></main></body></html>"
    ).encode()


def municipal_site(port: int, server: str) -> ThreadingHTTPServer:
    """A page of the municipality's own (on loopback like the server: a public page could
    not reach a loopback address), with a strict policy of its own naming our server."""
    policy = f"default-src 'none'; script-src {server}; style-src {server}; connect-src {server}"

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = embedding_page(server)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo municipality served with the municipality's site named for CORS."""
    _need_browser()
    import uvicorn

    from omstilling.demo.org import demo_yaml
    from omstilling.orgfile import parse_text
    from omstilling.settings import Settings
    from omstilling.store.db import ensure_schema, make_engine
    from omstilling.store.organisation import import_organisation
    from omstilling.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('hvem') / 'omstilling.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(engine, parse_text(demo_yaml()), file_revision=None, actor="test")
    port, site_port, other_port = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    site = f"http://127.0.0.1:{site_port}"
    settings = Settings(database_url=url, cookie_secure=False, public_search_origins=site)
    app = create_app(settings, engine=engine)
    app.state.clock = lambda: MONDAY_10
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    sites = [municipal_site(site_port, base), municipal_site(other_port, base)]
    deadline = time.monotonic() + 20
    while not served.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield Served(base, site, f"http://127.0.0.1:{other_port}")
    finally:
        for s in sites:
            s.shutdown()
        served.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture
def server(served: Served) -> str:
    return served.base


def axe_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("networkidle")
    found = Axe().run(page, options=WCAG).response["violations"]
    return [f"{v['id']}: {n['html'][:120]}" for v in found for n in v["nodes"]]


def type_and_wait(page: Any, text: str) -> Any:
    box = page.locator("#hvem-q")
    box.click()
    box.press_sequentially(text, delay=60)
    page.wait_for_selector("#hvem-resultater .hvem-et-svar")
    return page.locator("#hvem-resultater .hvem-et-svar").first


def test_r3_7_typing_pas_answers_as_you_type(server: str, browser: Any) -> None:
    """R3.7, R3.2: the first answer to "pas" comes without a submit, with the number to
    call, the phone hours labelled Telefontid and open now; no CSP or axe violation."""
    page = new_page(browser, 1280, 900)
    violations = refused(page)
    page.goto(server + "/offentlig/soeg")
    type_and_wait(page, "pas")
    assert page.url == server + "/offentlig/soeg"  # no page load: htmx swapped the answers
    first = page.locator("#hvem-resultater .hvem-et-svar").first
    text = first.inner_text()
    assert text.startswith("Pas") and "Ring til" in text and "Telefontid" in text
    assert "Åben nu" in text and "Book tid" in text
    assert first.locator("a[href^='tel:+45']").count() == 1
    assert violations == []
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "public-search-desktop.png"), full_page=False)


def test_at_320_px_storskrald_answers_without_sideways_scrolling(server: str, browser: Any) -> None:
    page = new_page(browser, 320, 760)
    page.goto(server + "/offentlig/soeg")
    first = type_and_wait(page, "storskrald")
    assert "Telefontid" in first.inner_text() and "Ring til" in first.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the search page scrolls sideways at 320 px ({width} px)"
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "public-search-320.png"), full_page=False)


def test_without_javascript_the_form_gives_a_results_page(server: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    page.goto(server + "/offentlig")
    page.fill("#hvem-q", "pas")
    with page.expect_navigation():
        page.press("#hvem-q", "Enter")
    assert page.url == server + "/offentlig/soeg?q=pas"
    assert "Telefontid" in page.locator(".hvem-et-svar").first.inner_text()
    context.close()


def test_hvem_js_works_under_our_policy(server: str, browser: Any) -> None:
    page = new_page(browser)
    violations = refused(page)
    page.goto(server + "/offentlig/soeg")
    page.evaluate(
        "() => { const d = document.createElement('div');"
        " d.setAttribute('data-hvem', ''); d.id = 'indlejret';"
        " document.querySelector('main').prepend(d); }"
    )
    page.add_script_tag(url=server + "/static/hvem.js")
    box = page.locator("#indlejret input[type=search]")
    box.press_sequentially("pas", delay=40)
    page.wait_for_selector("#indlejret .hvem-et-svar")
    text = page.locator("#indlejret .hvem-et-svar").first.inner_text()
    assert text.startswith("Pas") and "Telefontid" in text and "89 15" in text
    box.fill("0311851506")
    box.press("Enter")
    page.wait_for_selector("#indlejret .hvem-besked")
    assert "CPR-nummer" in page.locator("#indlejret .hvem-besked").inner_text()
    assert violations == []


@pytest.mark.parametrize("named", [True, False])
def test_hvem_js_embedded_on_the_municipalitys_site(
    served: Served, browser: Any, named: bool
) -> None:
    """Another origin with a strict policy of its own: answers when the CORS setting names
    it, and says the search does not work when it does not (the browser refuses it)."""
    page = new_page(browser)
    violations = refused(page)
    page.goto((served.site if named else served.other) + "/borger")
    page.locator("[data-hvem] input[type=search]").press_sequentially("pas", delay=40)
    if named:
        page.wait_for_selector("[data-hvem] .hvem-et-svar")
        assert page.locator("[data-hvem] .hvem-et-svar").first.inner_text().startswith("Pas")
        assert violations == []
    else:
        page.wait_for_selector("[data-hvem] .hvem-besked")
        assert "virker ikke" in page.locator("[data-hvem] .hvem-besked").inner_text()
