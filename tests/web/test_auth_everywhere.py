"""Every route needs a principal, except health, the public API and pages, and sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import accounts
from omstilling.settings import Settings
from omstilling.web.app import create_app

OPEN = {
    "/api/v1/health",
    "/api/v1/ready",
    "/api/v1/public/units",
    "/api/v1/public/hours",
    "/offentlig",
    "/offentlig/soeg",  # the public search (issue 17): a citizen needs no login
    "/api/v1/public/search",
    "/tilgaengelighed",  # the accessibility statement
    "/login",
    "/login/oidc",
    "/auth/oidc",
    "/statistik/rapport.css",  # the report's stylesheet: no data
}


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, also inside included routers (however FastAPI wraps them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)


def test_every_route_but_the_open_ones_refuses_an_anonymous_caller(
    engine: Engine, db_url: str
) -> None:
    app = create_app(Settings(database_url=db_url), engine=engine)
    checked = 0
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        for route in _routes(app.routes):
            if route.path in OPEN:
                continue
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            for method in route.methods - {"HEAD", "OPTIONS"}:
                r = client.request(method, path)
                if route.path.startswith("/api/"):
                    assert r.status_code == 401, (method, route.path, r.status_code)
                else:
                    assert r.status_code == 303, (method, route.path, r.status_code)
                    assert r.headers["location"].startswith("/login")
                checked += 1
    assert checked > 40


def test_sessions_time_out_when_idle_and_absolutely(engine: Engine) -> None:
    user = accounts.add_user(engine, "op", "operator", "korrekt-hest-batteri")
    policy = accounts.SessionPolicy(idle=timedelta(hours=2), absolute=timedelta(hours=12))
    from datetime import UTC, datetime

    start = datetime(2026, 11, 30, 8, tzinfo=UTC)
    token = accounts.create_session(engine, user, now=start)
    assert accounts.session_principal(engine, token, policy, now=start + timedelta(hours=1))
    # Used every hour: alive until the absolute limit, then gone.
    for hour in range(2, 12):
        assert accounts.session_principal(engine, token, policy, now=start + timedelta(hours=hour))
    assert (
        accounts.session_principal(engine, token, policy, now=start + timedelta(hours=13)) is None
    )
    idle = accounts.create_session(engine, user, now=start)
    assert accounts.session_principal(engine, idle, policy, now=start + timedelta(hours=3)) is None
