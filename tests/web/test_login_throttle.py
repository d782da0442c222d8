"""Login throttling (issue 12 item 5): by (user name, address) and by address with back-off,
never a lock of the account that anyone could set off from outside; the address comes from
X-Forwarded-For only behind a trusted proxy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import accounts
from omstilling.settings import Settings
from omstilling.web.app import create_app
from tests.web.session import PASSWORD, post_login

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WRONG = "forkert-adgangskode"


@pytest.fixture
def user(engine: Engine) -> str:
    accounts.add_user(engine, "omstilling", "operator", PASSWORD)
    return "omstilling"


def attempt(engine: Engine, password: str, client: str, at: datetime) -> str:
    try:
        accounts.authenticate(engine, "omstilling", password, client, now=at)
    except accounts.RateLimited as exc:
        return f"wait {exc.retry_after}"
    except accounts.AccountError:
        return "wrong"
    return "ok"


def test_guessing_from_one_address_never_locks_the_user_out_of_another(
    engine: Engine, user: str
) -> None:
    for i in range(accounts.MAX_FAILURES_PER_USER * 3):
        attempt(engine, WRONG, "203.0.113.66", T0 + timedelta(seconds=i))
    later = T0 + timedelta(seconds=20)  # throttled attempts are not failures: 5 counted
    assert attempt(engine, PASSWORD, "203.0.113.66", later).startswith("wait")
    assert attempt(engine, PASSWORD, "10.20.30.40", later) == "ok"


def test_the_wait_doubles_with_each_further_failure_and_ends(engine: Engine, user: str) -> None:
    at = T0
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        assert attempt(engine, WRONG, "198.51.100.7", at) == "wrong"
        at += timedelta(seconds=1)
    assert attempt(engine, PASSWORD, "198.51.100.7", at) == "wait 29"
    at += timedelta(seconds=30)  # the first wait is over: one more try, wrong again
    assert attempt(engine, WRONG, "198.51.100.7", at) == "wrong"
    assert attempt(engine, PASSWORD, "198.51.100.7", at) == "wait 60"
    at += accounts.FAILURE_WINDOW  # the failures have left the window
    assert attempt(engine, PASSWORD, "198.51.100.7", at) == "ok"


def test_one_address_trying_many_names_is_throttled(engine: Engine, user: str) -> None:
    for i in range(accounts.MAX_FAILURES_PER_CLIENT):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(
                engine, f"navn{i}", WRONG, "192.0.2.9", now=T0 + timedelta(seconds=i)
            )
    assert attempt(engine, PASSWORD, "192.0.2.9", T0 + timedelta(seconds=25)).startswith("wait")
    assert attempt(engine, PASSWORD, "192.0.2.10", T0 + timedelta(seconds=25)) == "ok"


def client_for(engine: Engine, trusted: str) -> TestClient:
    settings = Settings(database_url=str(engine.url), trusted_proxies=trusted)
    app = create_app(settings, engine=engine)
    # The requests come from the proxy's address, as they would behind one.
    return TestClient(
        app, base_url="https://testserver", follow_redirects=False, client=("10.0.0.5", 40000)
    )


def test_behind_a_trusted_proxy_the_forwarded_address_counts(engine: Engine, user: str) -> None:
    with client_for(engine, "10.0.0.5") as c:
        c.headers["X-Forwarded-For"] = "203.0.113.66"
        for _ in range(accounts.MAX_FAILURES_PER_USER):
            assert post_login(c, user, WRONG).status_code == 400
        r = post_login(c, user)
        assert r.status_code == 429 and "For mange forkerte forsøg" in r.text
        assert int(r.headers["Retry-After"]) > 0
        c.headers["X-Forwarded-For"] = "10.20.30.40"  # the operator at the switchboard
        assert post_login(c, user).status_code == 303


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(engine: Engine, user: str) -> None:
    with client_for(engine, "") as c:
        for i in range(accounts.MAX_FAILURES_PER_USER):
            c.headers["X-Forwarded-For"] = f"203.0.113.{i}"  # an attacker rotating the header
            assert post_login(c, user, WRONG).status_code == 400
        c.headers["X-Forwarded-For"] = "10.20.30.40"
        assert post_login(c, user).status_code == 429


def test_a_bad_trusted_proxy_setting_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match=r"not an address or network: 'proxy\.local'"):
        Settings(trusted_proxies="10.0.0.5, proxy.local")
