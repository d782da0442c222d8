"""Who is asking: bearer tokens for systems, session cookies for people, CSRF for forms.

Everything except health, the public API and the public pages needs a principal
(401 without one); a principal without the needed scope gets 403. A request
authenticated by cookie that changes something must carry the session's CSRF
token, as the form field `csrf_token` or the header `X-CSRF-Token`.
"""

from __future__ import annotations

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
TOKEN_CACHE_SIZE = 1000


def _token(request: Request, token: str) -> Principal | None:
    """Bearer tokens are looked up at most every few seconds: the PBX posts many requests.
    A revoked token is refused within TOKEN_CACHE_SECONDS."""
    cache: dict[str, tuple[float, Principal | None]] = request.app.state.token_cache
    now = time.monotonic()
    hit = cache.get(token)
    if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
        return hit[1]
    found = token_principal(request.app.state.engine, token)
    if len(cache) >= TOKEN_CACHE_SIZE:
        cache.clear()
    cache[token] = (now, found)
    return found


def find_principal(request: Request) -> Principal | None:
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    engine = request.app.state.engine
    found: Principal | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = _token(request, header[7:].strip())
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            found = session_principal(engine, cookie, session_policy(request))
    request.state.principal = found
    return found


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
        # The lookup touches the database: keep it off the event loop.
        principal = await run_in_threadpool(find_principal, request)
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
    principal = await run_in_threadpool(find_principal, request)
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
        end_session(request.app.state.engine, old)
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
