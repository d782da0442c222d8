"""Sessions are kept in memory a moment (web.auth.PrincipalCache), never past their end.

The console asks several times a second; each request used to read its session from the
database. Now a session is read at most every SESSION_CACHE_SECONDS. A session this
process ends (logout, a new sign-in) is refused from the next request; one ended or
disabled elsewhere (another process, the database itself) within SESSION_CACHE_SECONDS.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from omstilling import accounts
from omstilling.web.auth import SESSION_CACHE_SECONDS, SESSION_COOKIE, PrincipalCache
from tests.web.session import browser, csrf, mini_app, post_login


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    return mini_app(engine, db_url, ("op", "operator"))


@pytest.fixture
def operator(app: FastAPI) -> Iterator[TestClient]:
    with browser(app) as client:
        assert post_login(client, "op").status_code == 303
        yield client


class Moment:
    """The session cache's monotonic clock, moved on by the test instead of waiting."""

    def __init__(self, cache: PrincipalCache) -> None:
        self.now = 1000.0
        cache.clock = lambda: self.now


def search(client: TestClient, token: str, cookie: str | None = None) -> int:
    cookies = {SESSION_COOKIE: cookie} if cookie is not None else None
    if cookies is not None:
        client.cookies.clear()
        client.cookies.update(cookies)
    answer = client.post("/console/search", data={"q": "pas"}, headers={"X-CSRF-Token": token})
    return answer.status_code


def test_a_logged_out_session_is_refused_at_once_also_when_its_cookie_comes_again(
    operator: TestClient,
) -> None:
    token = csrf(operator, "/")
    cookie = operator.cookies[SESSION_COOKIE]
    assert search(operator, token) == 200  # read and kept in memory
    assert operator.post("/logout", data={"csrf_token": token}).status_code == 303
    # The browser drops the cookie; a copy of it (a second tab, a thief) is refused.
    assert search(operator, token, cookie) == 303
    assert operator.get("/").status_code == 303
    assert operator.get("/api/v1/units").status_code == 401


def test_signing_in_again_ends_the_session_the_browser_brought_at_once(
    operator: TestClient,
) -> None:
    token = csrf(operator, "/")
    old = operator.cookies[SESSION_COOKIE]
    assert search(operator, token) == 200
    assert post_login(operator, "op").status_code == 303
    assert operator.cookies[SESSION_COOKIE] != old
    assert search(operator, csrf(operator, "/"), old) == 303


@pytest.mark.parametrize(
    "elsewhere",
    ["DELETE FROM sessions", "UPDATE users SET disabled = true"],
    ids=["session deleted", "user disabled"],
)
def test_a_session_ended_elsewhere_is_refused_within_the_cache_seconds(
    app: FastAPI, operator: TestClient, engine: Engine, elsewhere: str
) -> None:
    moment = Moment(app.state.session_cache)
    token = csrf(operator, "/")
    assert search(operator, token) == 200
    with engine.begin() as conn:  # as another process or an administrator's SQL would
        conn.execute(text(elsewhere))
    moment.now += SESSION_CACHE_SECONDS
    assert search(operator, token) == 303
    assert operator.get("/").status_code == 303


def test_the_cache_keeps_a_session_for_its_seconds_and_reads_it_again_after(
    app: FastAPI, operator: TestClient, engine: Engine
) -> None:
    moment = Moment(app.state.session_cache)
    token = csrf(operator, "/")
    statements: list[str] = []
    with engine.connect() as conn:
        sessions_before = conn.execute(text("SELECT count(*) FROM sessions")).scalar_one()
    from sqlalchemy import event

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM sessions" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(5):
            assert search(operator, token) == 200
        assert len(statements) <= 1
        moment.now += SESSION_CACHE_SECONDS
        assert search(operator, token) == 200
        assert len(statements) >= 1
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert sessions_before == 1


def test_a_lookup_that_read_the_session_before_it_ended_does_not_bring_it_back(
    app: FastAPI, operator: TestClient
) -> None:
    """A request's lookup can read the session just before the logout deletes it and
    answer just after: what it found is not kept."""
    cache: PrincipalCache = app.state.session_cache
    cookie = operator.cookies[SESSION_COOKIE]
    token = csrf(operator, "/")
    found = accounts.session_principal(app.state.engine, cookie, accounts.SessionPolicy())
    assert operator.post("/logout", data={"csrf_token": token}).status_code == 303
    cache.put(cookie, found)  # the late answer of the lookup in flight
    assert cache.get(cookie) is None
    assert search(operator, token, cookie) == 303
