"""Request bodies: refused before they are read when nobody is signed in, and bounded per route.

FastAPI reads and parses a body before it resolves a route's dependencies, so without this
an anonymous 175 MB JSON post was parsed (110 MB -> 933 MB) before its 401 (issue 12).
Here, an API call that needs a principal and has none is answered 401 from its headers
alone; a body larger than its route's limit is answered 413, naming the limit, whether
the client announced its length or sends it in chunks.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omstilling.web.auth import find_principal

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
        if scope["type"] != "http" or scope["method"] in BODYLESS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = limit_for(path)
        needs_principal = path.startswith("/api/") and not path.startswith(OPEN_API)
        # The same lookup the route's dependency makes; it is kept on the request.
        if needs_principal and await run_in_threadpool(find_principal, Request(scope)) is None:
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


def _counting(receive: Receive, limit: int) -> Receive:
    """A body sent in chunks (or longer than announced) stops at the limit: the route's
    own error handling turns the exception into the 413."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, too_large(limit))
        return message

    return counted
