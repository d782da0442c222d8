"""The console in a real browser, by keyboard, as an operator with a citizen on the line."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.conftest import SCREENSHOTS, LiveServer, login


def new_page(browser: Any, width: int = 1280, height: int = 720) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="da-DK")
    return context.new_page()


def test_r1_2_search_with_a_typo_pick_by_keyboard_and_read_the_advice(
    live_server: LiveServer, browser: Any
) -> None:
    page = new_page(browser)
    login(page, live_server.base, "omstilling")
    assert page.evaluate("document.activeElement.id") == "q"  # the search box has focus
    page.keyboard.type("kontanthjalp")  # a missing æ
    page.wait_for_selector("#results [role=option]")
    assert "Kontanthjælp" in page.inner_text("#results")
    page.keyboard.press("Enter")
    page.wait_for_selector("#birth_day")
    page.fill("#birth_day", "12")
    page.keyboard.press("Enter")
    page.wait_for_selector("#birth_day", state="detached")  # the new advice has replaced it
    advice = page.inner_text("#advice")
    assert "Stil om" in advice and "Mette" in advice
    assert "R2.2" in advice
    page.screenshot(path=str(SCREENSHOTS / "console.png"))
    page.click("#advice button[value=transfer]")
    page.wait_for_selector("#action-result .ok-msg")


def test_arrow_keys_move_through_results(live_server: LiveServer, browser: Any) -> None:
    page = new_page(browser)
    login(page, live_server.base, "omstilling")
    page.keyboard.type("jobc")
    page.wait_for_selector("#results [role=option]")
    first = page.get_attribute("#results [aria-selected=true]", "data-id")
    page.keyboard.press("ArrowDown")
    second = page.get_attribute("#results [aria-selected=true]", "data-id")
    assert first != second
    page.keyboard.press("ArrowUp")
    assert page.get_attribute("#results [aria-selected=true]", "data-id") == first


def test_r3_11_an_absence_set_by_the_employee_shows_in_the_console(
    live_server: LiveServer, browser: Any
) -> None:
    employee = new_page(browser, 390, 844)  # on a phone
    login(employee, live_server.base, "mette")
    employee.click("text=Frokost 30 min")
    employee.wait_for_selector(".ok-msg")
    assert "Frokost" in employee.inner_text("main")
    operator = new_page(browser)
    login(operator, live_server.base, "omstilling")
    operator.keyboard.type("Mette Dahl")
    operator.wait_for_selector("#results [data-id=mette-jobcenter]")
    assert "Frokost" in operator.inner_text("#results [data-id=mette-jobcenter]")


def test_a_live_call_event_appears_in_the_incoming_strip(
    live_server: LiveServer, browser: Any
) -> None:
    page = new_page(browser)
    login(page, live_server.base, "omstilling")
    page.wait_for_timeout(500)  # the event stream connects
    r = httpx.post(
        live_server.base + "/api/v1/calls/events",
        headers={"Authorization": f"Bearer {live_server.token}"},
        json={
            "events": [
                {
                    "id": "evt-b1",
                    "call_id": "1701.1",
                    "type": "queued",
                    "at": "2026-11-30T10:00:00+01:00",
                    "queue": "borgerservice",
                    "caller": "+4512345678",
                }
            ]
        },
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector("#incoming .call", timeout=10_000)
    assert "12 34 56 78" in page.inner_text("#incoming")


def test_boards_screenshot(live_server: LiveServer, browser: Any) -> None:
    page = new_page(browser)
    login(page, live_server.base, "omstilling")
    page.goto(live_server.base + "/tavler")
    assert "Fravær lige nu" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "boards.png"), full_page=True)


def test_r2_6_editor_types_hours_and_sees_the_week_preview(
    live_server: LiveServer, browser: Any
) -> None:
    page = new_page(browser)
    login(page, live_server.base, "redaktoer")
    page.goto(live_server.base + "/enheder/jobcenter")
    field = page.locator("#hours-phone")
    field.fill("")
    field.type("Mo-Th 09:00-15:00; Fr 09:00-13:00")
    # Locator waits, not wait_for_function: the page's policy forbids evaluating strings.
    page.locator("#hours-preview", has_text="fredag 9.00-13.00").wait_for()
    assert "mandag-torsdag 9.00-15.00" in page.inner_text("#hours-preview")
    section = page.locator("#hours-preview").locator("xpath=ancestor::section[1]")
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(SCREENSHOTS / "unit.png"))
    field.fill("Mo-Fx 09:00")
    field.type(" ")
    page.locator("#hours-preview", has_text="fredag 9.00-13.00").wait_for(state="detached")
    assert "ugyldig" in page.inner_text("#hours-preview").lower() or "invalid" in page.inner_text(
        "#hours-preview"
    )
