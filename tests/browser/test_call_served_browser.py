"""The call being served, in a real browser (issue 16 items 1 and 2): an operator picks
the ringing call by keyboard, sees who is calling, and the advice's action carries the
PBX's call id; a call answered on the operator's own agent is followed by itself."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from omstilling import accounts
from omstilling.store.account_models import ConsoleAction
from tests.browser.conftest import LiveServer, login


def new_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    return context.new_page()


def post(live_server: LiveServer, *events: dict[str, Any]) -> None:
    r = httpx.post(
        live_server.base + "/api/v1/calls/events",
        headers={"Authorization": f"Bearer {live_server.token}"},
        json={"events": list(events)},
    )
    assert r.status_code == 200, r.text


def queued(n: str, call_id: str, caller: str, at: str) -> dict[str, Any]:
    return {
        "id": f"served-{n}",
        "call_id": call_id,
        "type": "queued",
        "at": at,
        "queue": "borgerservice",
        "caller": caller,
    }


def test_r3_12_pick_the_ringing_call_by_keyboard_and_the_transfer_carries_its_call_id(
    live_server: LiveServer, browser: Any
) -> None:
    engine = live_server.app.state.engine  # type: ignore[attr-defined]
    accounts.set_agent(engine, "omstilling", "PJSIP/3101")
    page = new_page(browser)
    login(page, live_server.base, "omstilling")
    assert "PJSIP/3101" in page.inner_text("#serving")
    page.wait_for_timeout(500)  # the event stream connects
    post(live_server, queued("1", "1764493200.21", "+4521436587", "2026-11-30T09:58:00+01:00"))
    page.wait_for_selector("#incoming .call", timeout=10_000)
    page.keyboard.press("Alt+o")
    assert page.evaluate("document.activeElement.id") == "call-1764493200.21"
    page.keyboard.press("Enter")
    page.wait_for_selector("#caller .caller-number", timeout=10_000)
    assert "Du betjener: 21 43 65 87." in page.inner_text("#serving")
    assert "Ingen tidligere opkald fra nummeret." in page.inner_text("#caller")
    # The advice, and its transfer, as any other call.
    page.fill("#q", "kontanthjalp")
    page.wait_for_selector("#results [role=option]")
    page.focus("#q")
    page.keyboard.press("Enter")
    page.wait_for_selector("#birth_day")
    page.fill("#birth_day", "12")
    page.keyboard.press("Enter")
    page.wait_for_selector("#birth_day", state="detached")
    page.click("#advice button[value=transfer]")
    page.wait_for_selector("#action-result .ok-msg")
    with engine.connect() as conn:
        logged = conn.execute(
            select(ConsoleAction.action).where(ConsoleAction.call_id == "1764493200.21")
        ).scalars()
        assert list(logged) == ["transfer"]
    # Done with that call: the console lets it go.
    page.click("#serving-end")
    assert "Intet opkald valgt." in page.inner_text("#serving")
    assert page.is_hidden("#caller")


def test_a_call_answered_on_the_operators_agent_becomes_the_call_being_served(
    live_server: LiveServer, browser: Any
) -> None:
    engine = live_server.app.state.engine  # type: ignore[attr-defined]
    accounts.set_agent(engine, "omstilling", "PJSIP/3101")
    page = new_page(browser)
    login(page, live_server.base, "omstilling")
    page.wait_for_timeout(500)
    post(live_server, queued("2", "1764493300.22", "+4522446688", "2026-11-30T09:59:00+01:00"))
    page.wait_for_selector("#incoming .call", timeout=10_000)
    # Another operator's agent answers a call: this console does not follow it.
    post(
        live_server,
        {
            "id": "served-3",
            "call_id": "1764493300.22",
            "type": "answered",
            "at": "2026-11-30T09:59:05+01:00",
            "queue": "borgerservice",
            "agent": "PJSIP/3199",
        },
    )
    page.wait_for_selector("#call-1764493300\\.22", state="detached", timeout=10_000)
    assert "Intet opkald valgt." in page.inner_text("#serving")
    post(live_server, queued("4", "1764493400.23", "+4523456789", "2026-11-30T09:59:30+01:00"))
    page.wait_for_selector("#incoming .call", timeout=10_000)
    post(
        live_server,
        {
            "id": "served-5",
            "call_id": "1764493400.23",
            "type": "answered",
            "at": "2026-11-30T09:59:40+01:00",
            "queue": "borgerservice",
            "agent": "PJSIP/3101",
        },
    )
    # A locator wait, not wait_for_function: when its first look fails it evaluates the
    # string, which the page's policy forbids (it failed in CI when the answer was late).
    page.locator("#serving-text", has_text="23 45 67 89").wait_for(timeout=10_000)
    page.wait_for_selector("#caller .caller-number", timeout=10_000)
