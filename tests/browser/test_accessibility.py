"""Every page checked by axe-core in the real browser, as each role sees it (issue 17 item 4).

One walk over the public pages and the public search, the login and its errors, the
operator's console with results, an advice of each action kind, an action's result, the
message form and a saved message, an incoming call, the boards, the messages, the employee
page, a unit editor's pages, statistics and test calls. axe runs with the WCAG 2.1 A and
AA rules only (tests/browser/axe.py) and the test fails on any violation, naming the rule,
the page and the element. The run's date and result are written for the accessibility
page (item 6).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from omstilling import accounts
from tests.browser.axe import Walk
from tests.browser.conftest import MONDAY_10, PASSWORD, LiveServer, login
from tests.browser.test_console_browser import new_page


@pytest.fixture
def clock(live_server: LiveServer) -> Iterator[Any]:
    """Set the server's clock for one step; Monday 10.00 again afterwards."""

    def at(moment: Any) -> None:
        live_server.app.state.clock = lambda: moment  # type: ignore[attr-defined]

    yield at
    at(MONDAY_10)


def advise(page: Any, query: str, ident: str) -> None:
    """Search as the operator does and pick one hit: its advice replaces the last one."""
    box = page.locator("#q")
    box.fill("")
    box.type(query)
    hit = page.locator(f"#results [data-id='{ident}']")
    hit.wait_for()
    with page.expect_response(lambda r: r.url.endswith("/console/advice")):
        hit.click()
    page.locator("#advice .action, #advice .error").first.wait_for()


def walk_public(walk: Walk, browser: Any, base: str) -> None:
    page = new_page(browser)
    for path, name in (
        ("/offentlig", "the public page"),
        ("/tilgaengelighed", "the accessibility statement page"),
        ("/login", "the login page"),
    ):
        page.goto(base + path)
        walk.check(page, f"{name} (anonymous)")
    page.fill("#username", "omstilling")
    page.fill("#password", "forkert-kodeord")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.locator(".error").wait_for()
    walk.check(page, "the login page with a wrong password (anonymous)")
    phone = new_page(browser, 320, 640)
    phone.goto(base + "/offentlig")
    walk.check(phone, "the public page at 320 px (anonymous)")
    walk_public_search(walk, page, phone, base)


def walk_public_search(walk: Walk, page: Any, phone: Any, base: str) -> None:
    """Hvem skal jeg ringe til?: the plain form's answers, its messages, and as one types."""
    for query, name in (
        ("storskrald", "with results"),
        ("pas", "a task the switchboard answers"),
        ("", "with an empty query"),
        ("zzqqxx", "finding nothing"),
        ("0101901234", "refusing a CPR number"),
    ):
        page.goto(f"{base}/offentlig/soeg?q={query}")
        walk.check(page, f"the public search {name} (anonymous)")
    phone.goto(base + "/offentlig/soeg?q=pas")
    walk.check(phone, "the public search at 320 px (anonymous)")
    phone.goto(base + "/offentlig")
    phone.locator("#hvem-q").type("storskrald")
    phone.locator("#hvem-resultater li").first.wait_for()
    walk.check(phone, "the public page with answers as one types, at 320 px (anonymous)")


def walk_console(walk: Walk, browser: Any, server: LiveServer, clock: Any) -> None:
    page = new_page(browser)
    login(page, server.base, "omstilling")
    walk.check(page, "the console, empty (operator)")
    page.keyboard.type("jobc")
    page.locator("#results [role=option]").first.wait_for()
    walk.check(page, "the console with results (operator)")
    page.locator("#q").fill("0101901234")
    page.locator("#results-status .error-text").wait_for()
    walk.check(page, "the console refusing a CPR number (operator)")
    for query, ident, kind in (
        ("opkrævning", "opkraevning", "transfer"),
        ("direktionen karen", "karen-direktionen", "transfer_secretary"),
        ("pas", "pas", "handle_here"),
        ("børne- og ungeydelse", "boerne-og-ungeydelse", "refer"),
        ("byggesag", "byggesag", "transfer, asking for the citizen's facts"),
    ):
        advise(page, query, ident)
        walk.check(page, f"the console's advice: {kind} (operator)")
    clock(MONDAY_10 + timedelta(hours=6))
    advise(page, "bbr", "bbr")
    walk.check(page, "the console's advice: give_number, after hours (operator)")
    clock(MONDAY_10)
    _unit_away(server, "jobcenter")
    advise(page, "kontanthjælp", "kontanthjaelp")
    walk.check(page, "the console's advice: take_message, the unit away (operator)")
    page.click("#advice button[value=take_message]")
    page.locator("#caller_name").wait_for()
    walk.check(page, "the console's message form (operator)")
    page.fill("#caller_name", "Hans Hansen")
    page.fill("#caller_phone", "20 30 40 50")
    page.click("#action-result button[type=submit]")
    page.locator("#action-result .ok-msg").wait_for()
    walk.check(page, "the console with a saved message (operator)")
    advise(page, "opkrævning", "opkraevning")
    page.click("#advice button[value=transfer]")
    page.locator("#action-result .ok-msg").wait_for()
    walk.check(page, "the console after a transfer is logged (operator)")
    _incoming_call(server)
    page.locator("#incoming .call").wait_for(timeout=10_000)
    walk.check(page, "the console with an incoming call (operator)")
    page.click("#incoming .call")
    page.locator("#caller .caller-number").wait_for(timeout=10_000)
    walk.check(page, "the console serving a call, with the caller panel (operator)")
    for path, name in (("/tavler", "the boards"), ("/beskeder", "the messages")):
        page.goto(server.base + path)
        walk.check(page, f"{name} (operator)")
    page.locator("table a").first.click()
    walk.check(page, "a message (operator)")


def _unit_away(server: LiveServer, unit: str) -> None:
    engine = server.app.state.engine  # type: ignore[attr-defined]
    token = accounts.create_token(engine, "a11y-presence", ["presence:write"])
    r = httpx.post(
        f"{server.base}/api/v1/units/{unit}/away",
        headers={"Authorization": f"Bearer {token}"},
        json={"from": "2026-11-30T09:00:00+01:00", "until": "2026-11-30T12:00:00+01:00"},
    )
    assert r.status_code == 201, r.text


def _incoming_call(server: LiveServer) -> None:
    event = {
        "id": "evt-a11y",
        "call_id": "1799.1",
        "type": "queued",
        "at": "2026-11-30T10:00:00+01:00",
        "queue": "borgerservice",
        "caller": "+4587654321",
    }
    r = httpx.post(
        server.base + "/api/v1/calls/events",
        headers={"Authorization": f"Bearer {server.token}"},
        json={"events": [event]},
    )
    assert r.status_code == 200, r.text


def walk_employee(walk: Walk, browser: Any, base: str) -> None:
    page = new_page(browser, 390, 844)
    login(page, base, "mette")
    walk.check(page, "the employee page (employee)")
    page.click("text=Hjemmearbejde")
    page.locator(".ok-msg").wait_for()
    walk.check(page, "the employee page with a code saved (employee)")
    page.click("summary")
    walk.check(page, "the employee page, another code opened (employee)")
    page.goto(base + "/beskeder")
    walk.check(page, "the messages (employee)")


def walk_editor(walk: Walk, browser: Any, base: str) -> None:
    page = new_page(browser)
    login(page, base, "redaktoer")
    walk.check(page, "the unit list (unit editor)")
    page.goto(base + "/enheder/jobcenter")
    walk.check(page, "a unit's page (unit editor)")
    for details in page.locator("main details").all():
        details.locator("summary").first.click()
    walk.check(page, "a unit's page, every section opened (unit editor)")
    page.fill("#hours-phone", "Mo-Fx 09:00")
    page.locator("#hours-phone").press("Tab")
    walk.check(page, "a unit's page with an invalid hours preview (unit editor)")
    with page.expect_navigation():
        page.locator("#timer button[type=submit]").first.click()
    page.locator("#timer .error").wait_for()
    walk.check(page, "a unit's page with an error (unit editor)")


def walk_manager(walk: Walk, browser: Any, server: LiveServer) -> None:
    from omstilling.demo.calls import import_demo_calls

    base = server.base
    page = new_page(browser)
    login(page, base, "chef")
    walk.check(page, "statistics (manager)")
    page.goto(base + "/statistik?quarter=2026Q4")
    walk.check(page, "statistics for a quarter without calls (manager)")
    # The demo's quarter of simulated calls: the report with its figures and charts.
    org = server.app.state.directory.organisation()
    assert import_demo_calls(server.app.state.engine, org).calls_added > 0
    page.goto(base + "/statistik?quarter=2026Q4")
    assert page.locator(".report svg").count() > 0  # the charts are there to check
    walk.check(page, "statistics for a quarter with the demo's calls (manager)")
    page.goto(base + "/statistik?from=2026-12-01&to=2026-11-01")
    walk.check(page, "statistics with a period it cannot show (manager)")
    page.goto(base + "/statistik/testopkald")
    walk.check(page, "test calls (manager)")


def walk_admin(walk: Walk, browser: Any, server: LiveServer) -> None:
    engine = server.app.state.engine  # type: ignore[attr-defined]
    accounts.add_user(engine, "admin-a11y", "admin", PASSWORD)
    page = new_page(browser)
    login(page, server.base, "admin-a11y")
    page.goto(server.base + "/brugere")
    walk.check(page, "the accounts and agents (admin)")
    page.fill("#agent-1", "PJSIP 3101")
    with page.expect_navigation():
        page.locator("#agent-1").press("Enter")
    page.locator("#agent-error-1").wait_for()
    walk.check(page, "the accounts with an agent refused (admin)")


def test_axe_finds_no_wcag_21_aa_violation_on_any_page_as_any_role(
    live_server: LiveServer, browser: Any, clock: Any
) -> None:
    walk = Walk()
    walk_public(walk, browser, live_server.base)
    walk_console(walk, browser, live_server, clock)
    walk_employee(walk, browser, live_server.base)
    walk_editor(walk, browser, live_server.base)
    walk_manager(walk, browser, live_server)
    walk_admin(walk, browser, live_server)
    walk.record()
    assert not walk.problems, "axe found:\n" + "\n".join(walk.problems)
