"""The pages work under the Content-Security-Policy (issue 12 item 9): no inline script or
style is refused by the browser, and the console still searches and advises."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, login
from tests.browser.test_console_browser import new_page

PAGES = {
    "omstilling": ["/console", "/tavler", "/beskeder"],
    "redaktoer": ["/enheder", "/enheder/jobcenter"],
    "chef": ["/statistik", "/statistik/testopkald"],
}


def refused(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


def test_no_page_breaks_the_content_security_policy(live_server: LiveServer, browser: Any) -> None:
    anonymous = new_page(browser)
    violations = refused(anonymous)
    for path in ("/login", "/offentlig"):
        anonymous.goto(live_server.base + path)
        anonymous.wait_for_load_state("networkidle")
    for user, paths in PAGES.items():
        page = new_page(browser)
        violations += refused(page)
        login(page, live_server.base, user)
        for path in paths:
            page.goto(live_server.base + path)
            page.wait_for_load_state("networkidle")
    assert violations == []


def test_the_console_searches_and_advises_under_the_policy(
    live_server: LiveServer, browser: Any
) -> None:
    page = new_page(browser)
    violations = refused(page)
    login(page, live_server.base, "omstilling")
    page.keyboard.type("kontanthjalp")
    page.wait_for_selector("#results [role=option]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#birth_day")
    page.fill("#birth_day", "12")
    page.keyboard.press("Enter")
    page.wait_for_selector("#birth_day", state="detached")
    assert "Stil om" in page.inner_text("#advice")
    assert violations == []
