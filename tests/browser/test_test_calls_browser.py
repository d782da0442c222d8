"""A manager records a test call (R1.7) in a real browser, by keyboard."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, login


def test_r1_7_a_manager_records_a_test_call_by_keyboard(
    live_server: LiveServer, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = context.new_page()
    login(page, live_server.base, "chef")
    page.goto(live_server.base + "/statistik/testopkald")
    # The unit has focus (the time is filled in with now); type to pick it.
    assert page.evaluate("document.activeElement.id") == "unit"
    page.keyboard.type("Jobcenter")
    assert page.input_value("#unit") == "jobcenter"
    page.focus("#wait_seconds")
    page.keyboard.type("35")
    page.select_option("#kindness", "4")
    page.select_option("#calm", "2")
    page.select_option("#apology", "no")
    page.focus("#by")
    page.keyboard.type("Måler A")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form
    main = page.inner_text("main")
    assert "Testopkaldet er gemt." in main
    recent = page.inner_text("section[aria-labelledby=h-recent]")
    assert "Jobcenter" in recent and "Måler A" in recent and "35" in recent
    # A wrong value keeps what was typed and says what is wrong, in Danish.
    page.select_option("#unit", "jobcenter")
    page.fill("#by", "Måler A")
    page.fill("#wait_seconds", "-5")
    page.evaluate("document.getElementById('wait_seconds').removeAttribute('min')")
    with page.expect_navigation():
        page.click("text=Gem testopkald")
    assert "Ventetid: skal være 0 til 86400" in page.inner_text("[role=alert]")
    assert page.input_value("#by") == "Måler A"
    context.close()
