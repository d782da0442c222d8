"""Security headers on every answer, and pages that need no inline script or style
(issue 12 item 9)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling.settings import Settings
from omstilling.web.app import create_app
from omstilling.web.headers import POLICY
from tests.web.test_auth_everywhere import _routes

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "omstilling" / "web" / "templates"


def assert_secured(headers: dict[str, str], where: str) -> None:
    assert headers.get("content-security-policy") == POLICY, where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "same-origin", where


def test_every_route_answers_with_the_security_headers(engine: Engine, db_url: str) -> None:
    app = create_app(Settings(database_url=db_url), engine=engine)
    checked = 0
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        for route in _routes(app.routes):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            for method in route.methods - {"HEAD", "OPTIONS"}:
                r = client.request(method, path)
                assert_secured(dict(r.headers), f"{method} {route.path}")
                assert "strict-transport-security" not in r.headers
                checked += 1
        for path in ("/static/omstilling.css", "/nowhere", "/offentlig"):
            assert_secured(dict(client.get(path).headers), path)
    assert checked > 40


def test_hsts_when_served_over_https(engine: Engine, db_url: str) -> None:
    settings = Settings(database_url=db_url, base_url="https://omstilling.randers.example.dk")
    app = create_app(settings, engine=engine)
    with TestClient(app, base_url="https://testserver") as client:
        r = client.get("/login")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_api_documentation_keeps_working_under_its_own_policy(engine: Engine) -> None:
    app = create_app(Settings(database_url=str(engine.url)), engine=engine)
    with TestClient(app) as client:
        r = client.get("/docs")
    policy = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "cdn.jsdelivr.net" in policy


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_carries_inline_script_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert not re.search(r"<style|\sstyle=", text), "inline style: move it to omstilling.css"
    assert not re.search(r"<script(?![^>]*\ssrc=)", text), "inline script: use omstilling.js"
    assert not re.search(r"\son[a-z]+=|javascript:|hx-on", text), "inline event handler"
