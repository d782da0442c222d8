"""The OpenAPI describes the answers (issue 12 item 12): every /api/v1 route documents the
refusals it can give with the error model, every 422 carries `detail` as the documented
list of {loc, msg, type}, and a 405 names every method its path accepts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling.web.api.errors import allowed_methods
from tests.conftest import api_client
from tests.web.session import mini_app

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ERROR = "#/components/schemas/Error"
VALIDATION = "#/components/schemas/ValidationErrors"


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    return mini_app(engine, db_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with api_client(app) as c:
        yield c


def api_operations(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in app.openapi()["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                yield method.upper(), path, operation


def expected_refusals(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """What any route of this kind can answer, read from the route as documented."""
    codes: set[int] = set()
    if not path.startswith(("/api/v1/public/", "/api/v1/health", "/api/v1/ready")):
        codes |= {401, 403}  # a token or a session, with a scope or one's own
    if "requestBody" in operation:
        codes |= {400, 413, 422}  # unreadable, too large, or breaking a rule
    if operation.get("parameters"):
        codes.add(422)
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        codes.add(404)
    return codes


def test_every_api_route_documents_its_refusals_with_the_error_model(app: FastAPI) -> None:
    operations = list(api_operations(app))
    assert len(operations) >= 17
    for method, path, operation in operations:
        responses = operation["responses"]
        documented = {int(code) for code in responses if code.startswith("4")}
        missing = expected_refusals(path, method, operation) - documented
        assert not missing, f"{method} {path} does not document {sorted(missing)}"
        for code in documented:
            schema = responses[str(code)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": VALIDATION if code == 422 else ERROR}, (method, path, code)
        if 401 in documented:
            assert "WWW-Authenticate" in responses["401"]["headers"]


def test_the_error_models_are_the_documented_shapes(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    assert schemas["Error"]["properties"]["detail"]["type"] == "string"
    items = schemas["ValidationErrors"]["properties"]["detail"]["items"]["$ref"]
    assert items == "#/components/schemas/ErrorItem"
    assert set(schemas["ErrorItem"]["required"]) == {"loc", "msg", "type"}
    # FastAPI's own model (with `input`, which we never send back) is not referred to.
    assert "HTTPValidationError" not in schemas


def items_of(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], list) and body["detail"]
    for item in body["detail"]:
        assert set(item) == {"loc", "msg", "type"}
    return list(body["detail"])


def test_a_rule_refusal_is_the_list_naming_the_field(client: TestClient) -> None:
    """A domain error (Invalid) answers the same shape as a validation error."""
    r = client.put("/api/v1/employees/mette-jobcenter/absence", json={"code": "out", "until": "x"})
    [item] = items_of(r)
    assert item["loc"] == ["body", "until"] and item["type"] == "invalid"
    assert "until: not a time" in item["msg"]
    [item] = items_of(client.get("/api/v1/calls/report", params={"quarter": "2026Q9"}))
    assert item["loc"] == ["query", "quarter"] and item["type"] == "invalid"
    [item] = items_of(client.post("/api/v1/advice", json={"birth_day": 32}))
    assert item["loc"] == ["body", "birth_day"] and "32" not in item["msg"]


def test_a_schema_refusal_is_the_list_without_the_input(client: TestClient) -> None:
    [item] = items_of(client.put("/api/v1/employees/mette-jobcenter/absence", json={"code": "x"}))
    assert item["loc"] == ["body", "code"] and "input" not in item


def test_test_calls_name_each_bad_call_and_field(client: TestClient) -> None:
    calls = [{"at": "2026-11-03T10:15:00", "unit": "jobcenter", "answered": "perhaps"}]
    [item] = items_of(client.post("/api/v1/quality/test-calls", json={"test_calls": calls}))
    assert item["loc"] == ["body", "test_calls", 0, "answered"] and item["type"] == "invalid"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 503])
def test_other_refusals_carry_one_text(app: FastAPI, status: int) -> None:
    from fastapi import HTTPException

    @app.get("/api/v1/refuse")
    def _refuse() -> None:
        raise HTTPException(status, "what is wrong")

    with api_client(app) as c:
        r = c.get("/api/v1/refuse")
    assert r.status_code == status and r.json() == {"detail": "what is wrong"}


def route_paths(app: FastAPI) -> dict[str, set[str]]:
    """Every path of the app (pages and API) and the methods its routes accept together."""
    from omstilling.web.api.errors import _routes

    paths: dict[str, set[str]] = {}
    for route in _routes(app.routes):
        if getattr(route, "methods", None) and getattr(route, "path", None):
            paths.setdefault(route.path, set()).update(route.methods)
    return paths


def test_several_routes_share_a_path(app: FastAPI) -> None:
    shared = {p: m for p, m in route_paths(app).items() if len(m) > 1}
    assert {"/api/v1/messages", "/api/v1/employees/{employee_id}/absence"} <= set(shared)


def test_a_405_names_every_method_of_its_path(app: FastAPI) -> None:
    """Starlette's Allow named only the first route's methods (issue 12 item 12)."""
    with api_client(app) as c:
        for template, methods in route_paths(app).items():
            path = template.replace("{", "").replace("}", "")  # any value for a parameter
            other = next((m for m in METHODS if m not in methods), None)
            if other is None:
                continue
            r = c.request(other, path)
            assert r.status_code == 405, (other, path, r.status_code)
            assert set(r.headers["allow"].split(", ")) == methods, (path, r.headers["allow"])


def test_allowed_methods_is_empty_for_a_path_of_no_route(app: FastAPI) -> None:
    from starlette.requests import Request

    request = Request({"type": "http", "method": "GET", "path": "/nowhere", "app": app})
    assert allowed_methods(request) == []


def test_without_messages_write_a_token_lists_no_messages_of_anyone(app: FastAPI) -> None:
    """A token of another scope was answered 404 for an unknown employee and 200 or 403
    for a known one (found by schemathesis, issue 12 item 12): the scope decides first."""
    with api_client(app, ("calls:write",)) as c:
        for employee in ("ghost", "mette-jobcenter"):
            r = c.get("/api/v1/messages", params={"employee": employee})
            assert r.status_code == 403, (employee, r.text)
