"""CORS for the public search only (issue 17 item 2): the municipality's own site may call
/api/v1/public/search from the citizen's browser when its origin is named in
OMSTILLING_PUBLIC_SEARCH_ORIGINS. No other route answers another origin's script.

A simple GET (what /static/hvem.js sends) needs no preflight; a preflight is answered
here all the same, for a site that fetches with headers of its own.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_AGE = "600"


class PublicCors:
    def __init__(self, app: ASGIApp, *, origins: frozenset[str], paths: tuple[str, ...]) -> None:
        self.app = app
        self.origins = origins
        self.paths = paths

    def allowed(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin to answer, or None for an origin not named."""
        if not origin:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin in self.origins else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        allow = self.allowed(headers.get("origin"))
        cors = [(b"vary", b"Origin")]
        if allow is not None:
            cors += [
                (b"access-control-allow-origin", allow.encode("latin-1")),
                (b"access-control-expose-headers", b"Retry-After"),
            ]
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        if preflight:
            if allow is not None:
                cors += [
                    (b"access-control-allow-methods", b"GET"),
                    (b"access-control-max-age", MAX_AGE.encode()),
                ]
                if wanted := headers.get("access-control-request-headers"):
                    cors.append((b"access-control-allow-headers", wanted.encode("latin-1")))
            answer = Response(status_code=204)
            answer.raw_headers.extend(cors)
            await answer(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *cors]
            await send(message)

        await self.app(scope, receive, with_cors)
