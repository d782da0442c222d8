"""Request bodies: refused before they are read when nobody is signed in, and bounded per route.

FastAPI reads and parses a body before it resolves a route's dependencies, so without this
an anonymous 175 MB JSON post was parsed (110 MB -> 933 MB) before its 401 (issue 12).
Here, an API call that needs a principal and has none is answered 401 from its headers
alone; a body larger than its route's limit is answered 413, naming the limit, whether
the client announced its length or sends it in chunks.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omstilling.web.auth import principal_of

MiB = 1024 * 1024
DEFAULT_LIMIT = 1 * MiB
# Path prefix -> the largest body it takes; the first match wins.
LIMITS: tuple[tuple[str, int], ...] = (
    ("/api/v1/calls/events", 8 * MiB),  # the PBX's batches of live and CDR events
    ("/api/v1/quality/test-calls", 4 * MiB),  # a quarter's test calls at once
)
# API paths anyone may call (everything else under /api/ needs a principal).
OPEN_API = ("/api/v1/public/", "/api/v1/health")
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def limit_for(path: str) -> int:
    return next((limit for prefix, limit in LIMITS if path.startswith(prefix)), DEFAULT_LIMIT)


def too_large(limit: int) -> str:
    return f"the request body is larger than this route's limit of {limit:,} bytes"


class BodyGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (where := _nul_in_url(scope)):
            await _nul_answer(where)(scope, receive, send)
            return
        if scope["type"] != "http" or scope["method"] in BODYLESS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = limit_for(path)
        needs_principal = path.startswith("/api/") and not path.startswith(OPEN_API)
        # The same lookup the route's dependency makes; it is kept on the request.
        if needs_principal and await principal_of(Request(scope)) is None:
            answer = JSONResponse(
                {"detail": "authentication required"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await answer(scope, receive, send)
            return
        announced = dict(scope["headers"]).get(b"content-length")
        if announced is not None and (not announced.isdigit() or int(announced) > limit):
            await JSONResponse({"detail": too_large(limit)}, status_code=413)(scope, receive, send)
            return
        await self.app(scope, _counting(receive, limit), send)


# A NUL character is no field's value, and PostgreSQL refuses it in any text: a request
# carrying one made the store raise (500) wherever it reached a query. As JSON writes it,
# as a form or a URL writes it, or raw.
NUL_SPELLINGS = (b"\\u0000", b"%00", b"\x00")
NUL_REFUSED = "holds a NUL character (\\u0000, %00), which no field accepts"


def _nul_in_url(scope: Scope) -> str | None:
    if b"%00" in scope.get("query_string", b""):
        return "query"
    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    return "path" if b"%00" in raw or b"\x00" in raw else None


def _nul_answer(where: str) -> JSONResponse:
    return JSONResponse(
        {"detail": [{"loc": [where], "msg": f"the {where} {NUL_REFUSED}", "type": "invalid"}]},
        status_code=422,
    )


def _counting(receive: Receive, limit: int) -> Receive:
    """A body sent in chunks (or longer than announced) stops at the limit, and one that
    holds a NUL character where it is found: the route's own error handling turns the
    exception into the 413 or the 422."""
    seen = 0
    tail = b""  # the end of the previous chunk: a spelling may be split between two

    async def counted() -> Message:
        nonlocal seen, tail
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                raise HTTPException(413, too_large(limit))
            window = tail + chunk
            if any(nul in window for nul in NUL_SPELLINGS):
                raise HTTPException(422, f"the request body {NUL_REFUSED}")
            tail = window[-5:]
        return message

    return counted
