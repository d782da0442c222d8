"""What axe cannot see (issue 17 item 5), checked in the real browser: the console by
keyboard alone with a visible focus and no trap, live regions that announce, statuses in
words and not colour alone, reflow at 320 px and at 200 % zoom, lang="da", and error
messages tied to their fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import PASSWORD, LiveServer, login
from tests.browser.test_console_browser import new_page

# What the focused element looks like: a focus ring is an outline or a box shadow.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const s = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, text: (el.innerText || el.value || "").slice(0, 40),
          outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0,
          shadow: s.boxShadow !== "none"};
}"""
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def focused(page: Any) -> dict[str, Any] | None:
    result: dict[str, Any] | None = page.evaluate(FOCUS_STYLE)
    return result


def test_the_console_by_keyboard_alone_sign_in_search_advise_act(
    live_server: LiveServer, browser: Any
) -> None:
    page = new_page(browser)
    page.goto(live_server.base + "/login")
    assert page.evaluate("document.activeElement.id") == "username"
    page.keyboard.type("omstilling")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("opkrævning")
    page.locator("#results [role=option]").first.wait_for()
    page.keyboard.press("Enter")
    page.locator("#advice .action").wait_for()
    # From the advice to its first action button by Tab alone, each stop with a visible ring.
    page.keyboard.press("/")  # back to the box from anywhere
    assert page.evaluate("document.activeElement.id") == "q"
    for _ in range(60):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now is not None
        assert now["outline"] or now["shadow"], f"no visible focus on {now}"
        if now["tag"] == "BUTTON" and now["text"] in ("Stil om", "Giv nummeret"):
            break
    else:
        pytest.fail("Tab never reached the advice's action")
    page.keyboard.press("Enter")
    page.locator("#action-result .ok-msg").wait_for()
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "q"


@pytest.mark.parametrize("user", ["omstilling", "mette", "redaktoer", "chef", None])
def test_tab_goes_round_every_page_without_a_trap_and_always_shows_where_it_is(
    live_server: LiveServer, browser: Any, user: str | None
) -> None:
    page = new_page(browser)
    if user:
        login(page, live_server.base, user)
    else:
        page.goto(live_server.base + "/offentlig")
    if user == "omstilling":
        page.keyboard.type("jobc")
        page.locator("#results [role=option]").first.wait_for()
        page.keyboard.press("Enter")
        page.locator("#advice .action").wait_for()
    page.bring_to_front()  # a page in the background shows no focus on date and time fields
    page.focus("a.skip")  # from the top of the page, wherever the last step left the focus
    seen: list[str] = []
    for _ in range(400):
        now = focused(page)
        if now is None:  # focus left the document: back at the start, the cycle is whole
            break
        assert now["outline"] or now["shadow"], f"no visible focus on {now} as {user}"
        seen.append(f"{now['tag']}#{now['id']}:{now['text']}")
        page.keyboard.press("Tab")
    assert seen, "nothing on the page takes the focus"
    assert seen[0].endswith("Spring til indhold"), seen[:3]  # the skip link comes first
    assert seen[-1].endswith("Tilgængelighedserklæring"), seen[-3:]  # the footer is reached
    assert len(seen) < 400, f"Tab is caught: {seen[-5:]}"


def test_the_skip_link_moves_to_the_content(live_server: LiveServer, browser: Any) -> None:
    page = new_page(browser)
    page.goto(live_server.base + "/offentlig")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_live_regions_announce_results_advice_and_an_incoming_call(
    live_server: LiveServer, browser: Any
) -> None:
    page = new_page(browser)
    login(page, live_server.base, "omstilling")
    status = page.locator("#results-status")
    assert status.get_attribute("role") == "status"  # a polite live region
    page.keyboard.type("jobc")
    page.locator("#results [role=option]").first.wait_for()
    assert "resultat" in status.inner_text()
    page.locator("#q").fill("zzqqxx")
    page.locator("#results-status", has_text="Intet fundet").wait_for()
    assert page.get_attribute("#q", "aria-expanded") == "false"
    assert page.get_attribute("#q", "aria-activedescendant") is None
    advice = page.locator("#advice")
    assert advice.get_attribute("aria-live") == "polite"
    before = advice.inner_text()
    page.locator("#q").fill("opkrævning")
    page.locator("#results [data-id=opkraevning]").wait_for()
    page.keyboard.press("Enter")
    page.locator("#advice .action").wait_for()
    assert advice.inner_text() != before and "Stil om" in advice.inner_text()
    assert page.get_attribute("#action-result", "aria-live") == "polite"
    strip = page.locator("#incoming")
    assert strip.get_attribute("aria-live") == "polite"
    page.wait_for_timeout(500)  # the event stream connects
    r = httpx.post(
        live_server.base + "/api/v1/calls/events",
        headers={"Authorization": f"Bearer {live_server.token}"},
        json={
            "events": [
                {
                    "id": "evt-live-region",
                    "call_id": "1801.1",
                    "type": "queued",
                    "at": "2026-11-30T10:00:00+01:00",
                    "queue": "borgerservice",
                    "caller": "+4523456789",
                }
            ]
        },
    )
    assert r.status_code == 200, r.text
    page.locator("#incoming .call").first.wait_for(timeout=10_000)
    assert "23 45 67 89" in strip.inner_text()


STATUS_PAGES = {
    "omstilling": ["/tavler", "/beskeder"],
    "mette": ["/mig"],
    "redaktoer": ["/enheder", "/enheder/jobcenter"],
    None: ["/offentlig", "/offentlig/soeg?q=pas"],
}


@pytest.mark.parametrize("user", list(STATUS_PAGES))
def test_every_status_says_it_in_words_not_colour_alone(
    live_server: LiveServer, browser: Any, user: str | None
) -> None:
    page = new_page(browser)
    if user:
        login(page, live_server.base, user)
    if user == "omstilling":
        page.keyboard.type("jobc")
        page.locator("#results [role=option]").first.wait_for()
        chips = page.locator("#results .chip").all_inner_texts()
        assert chips and all(t.strip() for t in chips), chips
    for path in STATUS_PAGES[user]:
        page.goto(live_server.base + path)
        page.wait_for_load_state("networkidle")
        for chip in page.locator(".chip").all():
            assert chip.inner_text().strip(), f"a status without words on {path}"


REFLOW = {
    None: ["/offentlig", "/offentlig/soeg?q=storskrald", "/tilgaengelighed", "/login"],
    "mette": ["/mig", "/beskeder"],
}


@pytest.mark.parametrize(
    "viewport",
    [
        {"width": 320, "height": 640, "scale": 1},  # WCAG 1.4.10: 320 CSS px wide
        {"width": 640, "height": 360, "scale": 2},  # a 1280 px screen at 200 % zoom
    ],
    ids=["320px", "200pct"],
)
@pytest.mark.parametrize("user", list(REFLOW))
def test_public_and_employee_pages_reflow_without_sideways_scrolling(
    live_server: LiveServer, browser: Any, user: str | None, viewport: dict[str, int]
) -> None:
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        device_scale_factor=viewport["scale"],
        locale="da-DK",
    )
    page = context.new_page()
    if user:
        login(page, live_server.base, user)
    for path in REFLOW[user]:
        page.goto(live_server.base + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(SIDEWAYS) <= 0, f"{path} scrolls sideways at {viewport}"
        assert page.evaluate("document.documentElement.lang") == "da"
    context.close()


def test_every_page_says_it_is_danish(live_server: LiveServer, browser: Any) -> None:
    pages = {
        None: ["/offentlig", "/login", "/tilgaengelighed", "/offentlig/soeg?q=pas"],
        "omstilling": ["/", "/tavler", "/beskeder"],
        "mette": ["/mig"],
        "redaktoer": ["/enheder", "/enheder/jobcenter"],
        "chef": ["/statistik", "/statistik/testopkald"],
    }
    for user, paths in pages.items():
        page = new_page(browser)
        if user:
            login(page, live_server.base, user)
        for path in paths:
            page.goto(live_server.base + path)
            assert page.evaluate("document.documentElement.lang") == "da", path


def test_the_login_error_is_tied_to_its_fields(live_server: LiveServer, browser: Any) -> None:
    page = new_page(browser)
    page.goto(live_server.base + "/login")
    page.fill("#username", "omstilling")
    page.fill("#password", "forkert-kodeord")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    error = page.locator(".error")
    assert error.get_attribute("role") == "alert"
    for field in ("#username", "#password"):
        assert page.get_attribute(field, "aria-invalid") == "true"
        described = page.get_attribute(field, "aria-describedby") or ""
        assert error.get_attribute("id") in described.split()


def test_a_refused_message_marks_its_field_and_keeps_what_was_typed(
    live_server: LiveServer, browser: Any
) -> None:
    page = new_page(browser)
    login(page, live_server.base, "omstilling")
    page.keyboard.type("opkrævning")
    page.locator("#results [data-id=opkraevning]").wait_for()
    page.keyboard.press("Enter")
    page.locator("#advice button[value=take_message]").click()
    page.locator("#caller_name").wait_for()
    page.fill("#caller_name", "Hans Hansen")
    page.fill("#caller_phone", "12")  # not a phone number
    page.click("#action-result button[type=submit]")
    page.locator("#message-error .error").wait_for()
    assert "telefonnummeret" in page.inner_text("#message-error")
    assert page.get_attribute("#caller_phone", "aria-invalid") == "true"
    described = (page.get_attribute("#caller_phone", "aria-describedby") or "").split()
    assert "message-error-text" in described
    assert page.evaluate("document.activeElement.id") == "caller_phone"
    assert page.input_value("#caller_name") == "Hans Hansen"  # the form was kept
    assert page.get_attribute("#caller_name", "aria-invalid") is None
    page.fill("#caller_phone", "20 30 40 50")
    page.click("#action-result button[type=submit]")
    page.locator("#action-result .ok-msg").wait_for()


def test_the_public_search_refusal_is_announced(live_server: LiveServer, browser: Any) -> None:
    page = new_page(browser, 320, 640)
    page.goto(live_server.base + "/offentlig/soeg?q=")
    assert page.locator("#hvem-resultater").get_attribute("aria-live") == "polite"
    assert page.locator("[role=alert]").count() >= 1


def test_a_unit_editors_errors_are_tied_to_the_fields_they_name(
    live_server: LiveServer, browser: Any
) -> None:
    """A refused save names the field in the error box, and the field itself is marked
    invalid and described by the box; a field the error does not name is not."""
    page = new_page(browser)
    login(page, live_server.base, "redaktoer")
    page.goto(live_server.base + "/enheder/jobcenter")
    page.fill("#hours-opening", "Mo-Fr 25:00-26:00")
    with page.expect_navigation():
        page.locator("#hours-opening").press("Enter")
    box = page.locator(".error[role=alert]")
    assert "åbningstid" in box.inner_text()
    assert page.get_attribute("#hours-opening", "aria-invalid") == "true"
    described = (page.get_attribute("#hours-opening", "aria-describedby") or "").split()
    assert box.get_attribute("id") in described and "preview-opening" in described
    assert page.get_attribute("#hours-phone", "aria-invalid") is None
