"""The API answers as its OpenAPI says (issue 12 item 12): schemathesis generates requests
from the app's own OpenAPI, valid and invalid, and runs every check on the answers (no
server error, documented status codes, content types, headers and bodies) against a real
uvicorn server, with a token of each scope alone and one with every scope."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from omstilling import orgfile
from omstilling.accounts import SCOPES, create_token
from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.conftest import mini_text
from tests.web.test_live import Server

# Examples per operation and token: the whole module stays well under two minutes.
EXAMPLES = 10
TOKENS: dict[str, tuple[str, ...]] = {s: (s,) for s in SCOPES} | {"every-scope": SCOPES}


def _openapi() -> dict[str, Any]:
    """The OpenAPI as the app serves it (it does not depend on the database's content)."""
    app = create_app(Settings(database_url="sqlite://"), engine=make_engine("sqlite://"))
    app.state.engine.dispose()
    return app.openapi()


schema = schemathesis.openapi.from_dict(_openapi())


def _serve(url: str, cwd: Path) -> Iterator[tuple[str, str]]:
    """A real server on a free port over a database holding the demo organisation."""
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    engine.dispose()
    running = Server(url, cwd)
    try:
        yield running.base, url
    finally:
        running.stop()


def _token(url: str, name: str, scopes: tuple[str, ...]) -> str:
    engine = make_engine(url)
    try:
        return create_token(engine, f"fuzz-{name}", list(scopes))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    yield from _serve(f"sqlite:///{tmp / 'omstilling.db'}", tmp)


@pytest.fixture(scope="module", params=list(TOKENS))
def token(request: pytest.FixtureRequest, server: tuple[str, str]) -> str:
    return _token(server[1], request.param, TOKENS[request.param])


@pytest.fixture(scope="module")
def pg_server(
    postgres_module_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    yield from _serve(postgres_module_url, tmp_path_factory.mktemp("schemathesis-pg"))


@pytest.fixture(scope="module")
def pg_token(pg_server: tuple[str, str]) -> str:
    return _token(pg_server[1], "every-scope", SCOPES)


# Rules that OpenAPI cannot state (between fields, or against the server's state and clock):
# on these operations a schema-valid request may be refused 422 by such a rule, and only so
# (`type` "invalid", the error catalogue's kind, never a type of pydantic's, which would
# mean the schema and the validation disagree). Every other operation keeps schemathesis's
# own positive_data_acceptance: a schema-valid request is never refused 400 or 422.
BEYOND_THE_SCHEMA = {
    "POST /api/v1/advice": "one of q, employee, unit or task; no CPR number in the facts",
    "POST /api/v1/contact": "a day 1-31, a name, a postcode of four digits; no CPR number",
    "PUT /api/v1/employees/{employee_id}/absence": "a time that parses; until after from",
    "POST /api/v1/units/{unit_id}/away": "a time that parses; until after from",
    "POST /api/v1/units/{unit_id}/back": "a time that parses",
    "POST /api/v1/messages": "employee or unit; a phone number; no CPR number; due ahead",
    "PATCH /api/v1/messages/{message_id}": "a due time ahead; the outcome with called_back",
    "POST /api/v1/calls/events": "no event more than a day ahead of the server's clock",
    "GET /api/v1/calls/report": "quarter, or from and to, in order",
    "POST /api/v1/quality/test-calls": "each call's fields (omstilling.domain.quality)",
    "GET /api/v1/quality/summary": "quarter, or from and to, in order",
    "GET /api/v1/public/search": "a query with a word in it; no CPR number in the query",
}


def refused_only_by_a_rule(_ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, except a 422 whose every error is a rule's ("invalid")."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code == 422:
        kinds = {e.get("type") for e in response.json().get("detail", [])}
        if kinds == {"invalid"}:
            return None
    if response.status_code in (400, 422):
        raise RejectedPositiveData(
            operation=case.operation.label,
            message=f"Valid data should have been accepted: {response.text[:300]}",
            status_code=response.status_code,
            allowed_statuses=["2xx", "401", "403", "404", "409", "422 by a rule"],
        )
    return None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI fails on a change, not on luck
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_openapi_says(
    case: Any, server: tuple[str, str], token: str
) -> None:
    """Every check schemathesis has: not_a_server_error, status_code_conformance,
    content_type_conformance, response_headers_conformance, response_schema_conformance,
    negative_data_rejection, positive_data_acceptance (see BEYOND_THE_SCHEMA),
    missing_required_header, unsupported_method, allow_header_conformance and the rest."""
    _call(case, server[0], token)


def _call(case: Any, base_url: str, token: str) -> None:
    beyond = case.operation.label in BEYOND_THE_SCHEMA
    case.call_and_validate(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance] if beyond else None,
        additional_checks=[refused_only_by_a_rule] if beyond else None,
    )


@pytest.mark.postgres
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_openapi_says_on_postgresql(
    case: Any, pg_server: tuple[str, str], pg_token: str
) -> None:
    """The same on PostgreSQL (its integers and texts are stricter than SQLite's), with a
    token of every scope."""
    _call(case, pg_server[0], pg_token)


def test_every_rule_beyond_the_schema_names_an_operation_of_the_api() -> None:
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert set(BEYOND_THE_SCHEMA) <= labels
