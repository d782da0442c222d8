"""What the API answers when it refuses (issue 12 item 12): one shape, documented.

Every 422 carries `detail` as a list of `{loc, msg, type}`, as FastAPI's own validation
errors do: `loc` names the field (["body", "until"], ["query", "quarter"]) when it is known,
`msg` says what is wrong (never repeating a citizen's fact), and `type` is the kind of the
error catalogue ("invalid") or pydantic's type for a request the schema already refuses.
Every other 4xx carries `detail` as one text. `answers()` documents them on a route.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import fastapi.routing
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.routing import BaseRoute, compile_path

from omstilling.errors import DomainError, ErrorKind


class Error(BaseModel):
    detail: str = Field(description="What is wrong, in words")


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description='Where: ["body", "until"], ["query", "quarter"]')
    msg: str = Field(description="What is wrong; never repeats a citizen's fact")
    type: str = Field(description='The kind: "invalid" for a rule, else pydantic\'s type')


class ValidationErrors(BaseModel):
    detail: list[ErrorItem]


DESCRIPTIONS = {
    400: "The request body could not be read",
    401: "No valid bearer token or session",
    403: "The token or user may not do this (a scope is missing, or not their own)",
    404: "An id that names nothing",
    409: "The input is fine, the state is not (a closed message, not in the unit)",
    413: "The request body is larger than the route's limit",
    422: "The input breaks a rule: each error names the field",
    429: "Too many requests from this client address: wait Retry-After seconds",
    503: "No organisation yet: none imported, or the server is still loading it",
}
AUTH = (401, 403)  # every route that needs a token or a session
BODY = (400, 413, 422)  # every route that reads a JSON body


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route: each refusal it can give, with its model."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in sorted(set(codes)):
        entry: dict[str, Any] = {
            "model": ValidationErrors if code == 422 else Error,
            "description": DESCRIPTIONS[code],
        }
        if code == 401:
            entry["headers"] = {
                "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
            }
        if code == 429:
            entry["headers"] = {
                "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
            }
        documented[code] = entry
    return documented


# "events[0].at: more than a day ..." names the field `events[0].at`.
_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*): ")
_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\[\d+\]")


def field_path(exc: Exception) -> list[str | int]:
    """The field an error names: its `field` attribute, or the name its text starts with."""
    name = getattr(exc, "field", None)
    if not isinstance(name, str):
        found = _FIELD.match(str(exc))
        if found is None:
            return []
        name = found.group(1)
    return path_of(name)


def path_of(name: str) -> list[str | int]:
    """`events[0].at` -> ["events", 0, "at"]."""
    return [int(p[1:-1]) if p.startswith("[") else p for p in _PART.findall(name)]


def location(request: Request, name: str | int | None) -> str:
    """Where a named field was given: the path, the query or the body."""
    if name in request.path_params:
        return "path"
    if name in request.query_params:
        return "query"
    return "body" if request.method not in ("GET", "HEAD", "DELETE") else "query"


def domain_detail(request: Request, exc: DomainError) -> list[dict[str, Any]] | str:
    """A catalogue error's `detail`: the list of one item for an invalid input, else text."""
    if exc.kind is not ErrorKind.INVALID:
        return str(exc)
    path = field_path(exc)
    loc: list[str | int] = [location(request, path[0] if path else None), *path]
    return [invalid(str(exc), loc)]


def invalid(msg: str, loc: list[str | int] | None = None) -> dict[str, Any]:
    """One item of a 422 `detail`."""
    return {"loc": loc or [], "msg": msg, "type": ErrorKind.INVALID.name.lower()}


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's path accepts, across all the routes that share it
    (the router names only the methods of the one route it tried first)."""
    path = request.scope["path"]
    methods: set[str] = set()
    for route in _routes(request.app.routes):
        found = getattr(route, "methods", None)
        template = getattr(route, "path", None)
        if found and template and compile_path(template)[0].match(path):
            methods.update(found)
    return sorted(methods)


def _routes(routes: Sequence[BaseRoute]) -> Iterable[Any]:
    # FastAPI 0.13x+ keeps an included router as one entry; older versions copy its routes.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    return flatten(routes) if flatten is not None else routes
