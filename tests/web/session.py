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
