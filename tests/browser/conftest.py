"""A real server in a thread and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "korrekt-hest-batteri"
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))


def _need_browser() -> None:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
            )
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")


@dataclass
class LiveServer:
    base: str
    app: object
    token: str


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    _need_browser()
    import uvicorn

    from omstilling import accounts
    from omstilling.demo.org import demo_yaml
    from omstilling.orgfile import parse_text
    from omstilling.settings import Settings
    from omstilling.store.db import ensure_schema, make_engine
    from omstilling.store.organisation import import_organisation
    from omstilling.web.app import create_app

    path = tmp_path_factory.mktemp("browser") / "omstilling.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(engine, parse_text(demo_yaml()), file_revision=None, actor="test")
    accounts.add_user(engine, "omstilling", "operator", PASSWORD, display_name="Omstillingen")
    accounts.add_user(
        engine,
        "mette",
        "employee",
        PASSWORD,
        employee_id="mette-jobcenter",
        display_name="Mette Dahl",
    )
    accounts.add_user(
        engine,
        "redaktoer",
        "editor",
        PASSWORD,
        unit_id="jobcenter",
        display_name="Redaktør, Jobcenter",
    )
    accounts.add_user(engine, "chef", "manager", PASSWORD, display_name="Charlotte Chef")
    token = accounts.create_token(engine, "pbx", ["calls:write"])
    app = create_app(Settings(database_url=url, cookie_secure=False), engine=engine)
    app.state.clock = lambda: MONDAY_10
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, token)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


def login(page: object, base: str, username: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    # Wait for the navigation the form starts, not only for the login page to be idle:
    # on a slow machine the next step could otherwise run while the page is replaced.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
