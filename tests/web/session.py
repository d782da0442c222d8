"""Signing in from tests the way a browser does: the login form's CSRF, then the cookie."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

PASSWORD = "korrekt-hest-batteri"
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))


def browser(app: Any) -> TestClient:
    """A client like a browser on HTTPS (secure cookies are sent), not following redirects."""
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def post_login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token.group(1),
            "next": "/",
        },
    )


def sign_in(app: Any, username: str) -> TestClient:
    client = browser(app)
    assert post_login(client, username).status_code == 303
    return client


def csrf(client: TestClient, path: str = "/tavler") -> str:
    """The session's CSRF token, as the page hands it to HTMX."""
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def mini_app(
    engine: Any,
    db_url: str,
    *users: tuple[str, str] | tuple[str, str, dict[str, Any]],
    doc: dict[str, Any] | None = None,
    clock: Any = MONDAY_10,
    **settings: Any,
) -> Any:
    """The app over the mini municipality (or `doc`, a changed copy of it), with these
    accounts (name, role[, add_user's keywords]) signing in with PASSWORD, and a frozen
    clock (a moment, or a callable the test moves)."""
    from omstilling import accounts, orgfile
    from omstilling.settings import Settings
    from omstilling.store.organisation import import_organisation
    from omstilling.web.app import create_app
    from tests.conftest import mini_text

    org = orgfile.parse_data(doc).organisation if doc is not None else None
    import_organisation(
        engine, org or orgfile.parse_text(mini_text()), file_revision=None, actor="test"
    )
    for name, role, *more in users:
        accounts.add_user(engine, name, role, PASSWORD, **(more[0] if more else {}))
    application = create_app(Settings(database_url=db_url, **settings), engine=engine)
    application.state.clock = clock if callable(clock) else (lambda: clock)
    return application
