"""Each scope gives exactly what its name says (issue 12 item 12): a token with only
directory:write edits the directory but does not say who is at work."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from omstilling import accounts
from tests.conftest import api_client
from tests.web.session import mini_app

AWAY = {"from": "2026-11-30T09:00", "until": "2026-11-30T12:00"}


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    return mini_app(engine, db_url)


@pytest.mark.parametrize(
    ("scopes", "status"),
    [
        (("directory:write",), 403),
        (("directory:write", "advice:read", "messages:write"), 403),
        (("presence:write",), 201),
    ],
)
def test_r3_9_reporting_a_unit_away_takes_presence_write(
    app: FastAPI, scopes: tuple[str, ...], status: int
) -> None:
    with api_client(app, scopes) as client:
        assert client.post("/api/v1/units/jobcenter/away", json=AWAY).status_code == status
        back = client.post("/api/v1/units/jobcenter/back", json={"at": "2026-11-30T10:30"})
        assert back.status_code == (403 if status == 403 else 200)


def test_a_directory_token_still_may_edit_every_unit(app: FastAPI) -> None:
    org = app.state.directory.organisation()
    token = accounts.Principal("token", "sync", frozenset({"directory:write"}))
    assert all(token.may_edit_unit(org, u) for u in org.units)
    assert not any(token.may_report_unit(org, u) for u in org.units)


@pytest.mark.parametrize(
    ("method", "known", "unknown"),
    [
        ("PUT", "/api/v1/employees/mette-jobcenter/absence", "/api/v1/employees/nobody/absence"),
        ("DELETE", "/api/v1/employees/mette-jobcenter/absence", "/api/v1/employees/nobody/absence"),
        ("POST", "/api/v1/units/jobcenter/away", "/api/v1/units/nowhere/away"),
        ("POST", "/api/v1/units/jobcenter/back", "/api/v1/units/nowhere/back"),
    ],
)
def test_a_token_without_presence_write_cannot_probe_ids(
    app: FastAPI, method: str, known: str, unknown: str
) -> None:
    """403 for a known and an unknown id alike (it was 403 against 404: an id oracle)."""
    body = {"code": "meeting"} if method == "PUT" else AWAY if "away" in known else None
    with api_client(app, ("advice:read",)) as client:
        answers = [client.request(method, path, json=body).status_code for path in (known, unknown)]
    assert answers == [403, 403]
