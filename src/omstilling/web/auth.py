"""Who is asking: bearer tokens for systems, session cookies for people, CSRF for forms.

Everything except health, the public API and the public pages needs a principal
(401 without one); a principal without the needed scope gets 403. A request
authenticated by cookie that changes something must carry the session's CSRF
token, as the form field `csrf_token` or the header `X-CSRF-Token`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from omstilling.accounts import (
    Principal,
    SessionPolicy,
    create_session,
    end_session,
    session_principal,
    token_principal,
)

SESSION_COOKIE = "omstilling_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def client_address(request: Request) -> str:
    """The address the request came from. Behind the municipality's reverse proxy (a peer
    named in OMSTILLING_TRUSTED_PROXIES) it is the last address in X-Forwarded-For that is
    not itself a trusted proxy; from anyone else that header is ignored, since anyone can
    send it."""
    peer = request.client.host if request.client else "unknown"
    trusted = trusted_networks(request.app.state.settings.trusted_proxies)
    if not _in(peer, trusted):
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _in(address, trusted):
            return address[:100]
    return peer


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(
        ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip()
    )


def _in(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def session_policy(request: Request) -> SessionPolicy:
    settings = request.app.state.settings
    return SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


TOKEN_CACHE_SECONDS = 10.0
SESSION_CACHE_SECONDS = 2.0
_MISS = object()


class PrincipalCache:
    """Who a secret (a bearer token, a session cookie) signs in, kept a few seconds.

    Every console request used to look its session up in the database (a read
    transaction, on SQLite also a file lock) and so did the pages of every signed-in
    person: the console's path cost more than the API's, whose tokens were cached.
    Entries are keyed by the secret's SHA-256, never the secret itself. A session this
    process ends (logout, a new sign-in) is forgotten at once; one ended or disabled
    elsewhere (another process, the database) is refused within `seconds`; a revoked
    token within TOKEN_CACHE_SECONDS (the PBX posts many requests a second).
    """

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self.clock: Callable[[], float] = time.monotonic  # tests move it on
        self._entries: dict[str, tuple[float, Principal | None]] = {}
        self._ended: dict[str, float] = {}  # forgotten: a lookup in flight may not return it

    def get(self, secret: str) -> Principal | object | None:
        """The principal (None: nobody), or _MISS when unknown or too old."""
        hit = self._entries.get(_key(secret))
        if hit is None or self.clock() - hit[0] >= self.seconds:
            return _MISS
        return hit[1]

    def put(self, secret: str, principal: Principal | None) -> None:
        now, key = self.clock(), _key(secret)
        if now - self._ended.get(key, float("-inf")) < self.seconds:
            return  # read before its session ended, answered after
        if len(self._entries) >= self.size:
            fresh = {k: v for k, v in list(self._entries.items()) if now - v[0] < self.seconds}
            self._entries = fresh if len(fresh) < self.size else {}
        self._entries[key] = (now, principal)

    def forget(self, secret: str) -> None:
        """Nobody signs in with this secret from now on (its session has ended)."""
        now, key = self.clock(), _key(secret)
        if len(self._ended) >= self.size:
            self._ended = {k: t for k, t in list(self._ended.items()) if now - t < self.seconds}
        self._ended[key] = now
        self._entries[key] = (now, None)


def _key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _secret(request: Request) -> tuple[PrincipalCache, str] | None:
    """The cache and the secret this request signs in with, if any."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return request.app.state.token_cache, header[7:].strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    return (request.app.state.session_cache, cookie) if cookie else None


def find_principal(request: Request) -> Principal | None:
    """Who signs this request in: from the cache, else from the database (blocking)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    found: Principal | None = None
    secret = _secret(request)
    if secret is not None:
        cache, value = secret
        hit = cache.get(value)
        if hit is _MISS:
            engine = request.app.state.engine
            if cache is request.app.state.token_cache:
                found = token_principal(engine, value)
            else:
                found = session_principal(engine, value, session_policy(request))
            cache.put(value, found)
        else:
            found = hit  # type: ignore[assignment]
    request.state.principal = found
    return found


async def principal_of(request: Request) -> Principal | None:
    """find_principal, on a worker thread only when it must ask the database."""
    if hasattr(request.state, "principal"):
        return find_principal(request)
    secret = _secret(request)
    found = secret[0].get(secret[1]) if secret is not None else None
    if found is _MISS:
        return await run_in_threadpool(find_principal, request)
    request.state.principal = found
    return found  # type: ignore[return-value]


async def check_csrf(request: Request, principal: Principal) -> None:
    if principal.kind != "user" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise HTTPException(403, "missing or invalid CSRF token")


def require(scope: str | None = None) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: a signed-in principal, with `scope` when one is given."""

    async def dependency(request: Request) -> Principal:
        principal = await principal_of(request)
        if principal is None:
            raise HTTPException(
                401, "authentication required", headers={"WWW-Authenticate": "Bearer"}
            )
        await check_csrf(request, principal)
        if scope is not None and not principal.has(scope):
            raise HTTPException(403, f"this needs the scope '{scope}'")
        return principal

    return dependency


class LoginRequired(Exception):
    """A page was asked for without a session: redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


async def page_user(request: Request) -> Principal:
    """For pages: the signed-in person, or a redirect to /login."""
    principal = await principal_of(request)
    if principal is None or principal.kind != "user":
        raise LoginRequired(request.url.path)
    await check_csrf(request, principal)
    return principal


def login_redirect_target(exc: LoginRequired) -> str:
    return "/login?next=" + quote(exc.next_url, safe="/")


def role_required(principal: Principal, *roles: str) -> None:
    if principal.role not in roles and principal.role != "admin":
        raise HTTPException(403, "din rolle giver ikke adgang til denne side")


def start_session(request: Request, user_id: int, target: str) -> RedirectResponse:
    """Sign the user in: a new session (never one the browser brought) and its cookie."""
    settings = request.app.state.settings
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        end_web_session(request, old)
    token = create_session(request.app.state.engine, user_id)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_absolute_hours * 3600,
    )
    return response


def end_web_session(request: Request, token: str) -> None:
    """End the session in the database and forget it here: refused from the next request."""
    end_session(request.app.state.engine, token)
    request.app.state.session_cache.forget(token)
