"""Dialling the advice's number with one key (Alt+R), by keyboard, in a real browser.

Issue 16 item 3: for each kind of advice the key opens the URI of the settings' template
made from the advice's number (an extension by SIP, else tel:), never a withheld number.
A softphone is not launched: a capturing listener records the link the key activates
and stops it; the click-to-dial page is answered by a route.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from omstilling.domain.advice_types import Advice
from omstilling.domain.citizen import inquiry_from
from omstilling.settings import Settings
from omstilling.web import dial_links
from tests.browser.conftest import MONDAY_10, LiveServer, login

MONDAY_20 = datetime(2026, 11, 30, 20, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
SIP = "sip:{extension}@pbx.example"
CAPTURE = """
window.__dialled = [];
document.addEventListener("click", function (e) {
  var a = e.target.closest && e.target.closest("a.dial");
  if (a) { window.__dialled.push(a.getAttribute("href")); e.preventDefault(); }
}, true);
"""


def _use_template(live_server: LiveServer, template: str) -> None:
    settings = Settings(_env_file=None, dial_uri=template)  # type: ignore[call-arg]
    dial_links.install(live_server.app.state.templates.env, settings)  # type: ignore[attr-defined]


def _find(
    live_server: LiveServer, at: datetime, action: str, **want: Any
) -> tuple[str, str, str, Advice]:
    """The first employee, unit or task whose advice at `at` is `action` (and `want`)."""
    directory = live_server.app.state.directory  # type: ignore[attr-defined]
    org = directory.organisation()
    for kind, table in (("employee", org.employees), ("unit", org.units), ("task", org.tasks)):
        for ident, entity in table.items():
            advice = directory.advise(inquiry_from(**{kind: ident}), at)
            if advice.action != action or advice.needs:
                continue
            extension = bool(advice.to and advice.to.extension)
            if want.get("extension", extension) != extension:
                continue
            if want.get("withheld", advice.number_withheld) != advice.number_withheld:
                continue
            return kind, ident, entity.name, advice
    pytest.skip(f"no {action} {want} in the demo at {at}")


def _advice_by_keyboard(page: Any, kind: str, ident: str, name: str) -> None:
    """Type the name, arrow down to the entity, Enter: the advice, focus still in the box."""
    page.fill("#q", "")
    page.focus("#q")
    page.keyboard.type(name)
    page.wait_for_selector(f'#results [role=option][data-kind="{kind}"][data-id="{ident}"]')
    options = page.eval_on_selector_all(
        "#results [role=option]", "els => els.map(e => e.dataset.kind + ':' + e.dataset.id)"
    )
    for _ in range(options.index(f"{kind}:{ident}")):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector(
        f'#advice form.buttons input[name=id][value="{ident}"]', state="attached"
    )


CASES = [
    # (label, the moment, the action, what else the advice must be)
    ("transfer to an extension", MONDAY_10, "transfer", {"extension": True}),
    ("transfer to a unit", MONDAY_10, "transfer", {"extension": False}),
    ("transfer to the secretary", MONDAY_10, "transfer_secretary", {}),
    ("give a number", MONDAY_20, "give_number", {"withheld": False}),
    ("give the unit's number, not a withheld one", MONDAY_20, "give_number", {"withheld": True}),
    ("refer elsewhere", MONDAY_10, "refer", {}),
    ("handle here", MONDAY_10, "handle_here", {}),
]  # fmt: skip


@pytest.mark.parametrize(("label", "at", "action", "want"), CASES, ids=[c[0] for c in CASES])
def test_alt_r_dials_the_advices_number_by_its_template(
    live_server: LiveServer,
    browser: Any,
    label: str,
    at: datetime,
    action: str,
    want: dict[str, Any],
) -> None:
    _use_template(live_server, SIP)
    live_server.app.state.clock = lambda: at  # type: ignore[attr-defined]
    kind, ident, name, advice = _find(live_server, at, action, **want)
    context = browser.new_context(locale="da-DK")
    try:
        page = context.new_page()
        page.add_init_script(CAPTURE)
        login(page, live_server.base, "omstilling")
        _advice_by_keyboard(page, kind, ident, name)
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.press("Alt+r")
        dialled = page.evaluate("window.__dialled")
        to = advice.to
        if to is None or to.number is None:
            assert dialled == [] and page.locator("#advice a.dial").count() == 0
            assert "intet nummer" in page.inner_text("#action-result")
            return
        expected = SIP.format(extension=to.extension) if to.extension else f"tel:{to.number}"
        assert dialled == [expected], label
        if advice.number_withheld:
            # The only link is the unit's number; the person's own is nowhere on the page.
            person = live_server.app.state.directory.organisation().employees[ident]  # type: ignore[attr-defined]
            assert person.phone and person.phone[3:] not in page.content()
            assert page.locator("#advice a.dial").count() == 1
    finally:
        context.close()


def test_alt_r_opens_the_click_to_dial_page_in_a_new_tab(
    live_server: LiveServer, browser: Any
) -> None:
    _use_template(live_server, "https://pbx.example/dial?to={e164}")
    live_server.app.state.clock = lambda: MONDAY_10  # type: ignore[attr-defined]
    kind, ident, name, advice = _find(live_server, MONDAY_10, "transfer", extension=True)
    assert advice.to is not None and advice.to.number
    context = browser.new_context(locale="da-DK")
    try:
        opened: list[str] = []

        def click_to_dial(route: Any) -> None:
            opened.append(route.request.url)
            route.fulfill(status=200, content_type="text/plain", body="Ringer op")

        context.route("https://pbx.example/**", click_to_dial)
        page = context.new_page()
        login(page, live_server.base, "omstilling")
        _advice_by_keyboard(page, kind, ident, name)
        with context.expect_page() as new_tab:
            page.keyboard.press("Alt+r")
        new_tab.value.wait_for_load_state()
        expected = "https://pbx.example/dial?to=%2B" + advice.to.number[1:]
        assert opened == [expected]
        assert page.url.startswith(live_server.base)  # the console stays where it was
    finally:
        context.close()
        _use_template(live_server, "tel:{e164}")


def test_a_queued_callers_number_is_a_link_and_a_hidden_one_is_not(
    live_server: LiveServer, browser: Any
) -> None:
    _use_template(live_server, SIP)  # no extension: the fallback, tel:
    context = browser.new_context(locale="da-DK")
    try:
        page = context.new_page()
        login(page, live_server.base, "omstilling")
        page.wait_for_timeout(500)  # the event stream connects
        events = [
            {
                "id": f"evt-dial-{i}",
                "call_id": f"1801.{i}",
                "type": "queued",
                "at": "2026-11-30T10:00:00+01:00",
                "queue": "borgerservice",
                **({"caller": caller} if caller else {}),
            }
            for i, caller in enumerate(["+4512345678", None])
        ]
        r = httpx.post(
            live_server.base + "/api/v1/calls/events",
            headers={"Authorization": f"Bearer {live_server.token}"},
            json={"events": events},
        )
        assert r.status_code == 200, r.text
        page.wait_for_selector("#call-1801\\.1", timeout=10_000)
        page.wait_for_selector("#call-1801\\.0", timeout=10_000)
        assert page.get_attribute("#dial-1801\\.0", "href") == "tel:+4512345678"
        assert page.get_attribute("#dial-1801\\.0", "aria-label") == "Ring 12 34 56 78 op"
        assert "Skjult nummer" in page.inner_text("#call-1801\\.1")
        assert page.locator("#dial-1801\\.1").count() == 0
    finally:
        context.close()
