"""Single sign-on with the municipality's identity provider (OpenID Connect, via Authlib).

Configured by settings (`OMSTILLING_OIDC_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET`).
A person signs in as the user whose user name is their `preferred_username` (or
e-mail). An employee whose `login` in the organisation file matches, but who has
no account yet, gets an employee account: they may set their own absence and see
their messages. Anyone else is refused, and the refusal is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.middleware.sessions import SessionMiddleware

from omstilling import accounts
from omstilling.settings import Settings
from omstilling.store.account_models import UserRow
from omstilling.web.auth import start_session

log = logging.getLogger("omstilling.auth")
router = APIRouter(include_in_schema=False)


def setup_oidc(app: FastAPI, settings: Settings) -> None:
    if not settings.oidc_issuer:
        return
    if not (settings.oidc_client_id and settings.secret_key):
        raise RuntimeError(
            "OpenID Connect needs OMSTILLING_OIDC_CLIENT_ID and OMSTILLING_SECRET_KEY"
        )
    from authlib.integrations.starlette_client import OAuth

    # Authlib keeps the state and nonce of a login in a signed cookie while the
    # browser is away at the identity provider.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="omstilling_oidc",
        same_site="lax",
        https_only=settings.cookie_secure,
        max_age=600,
    )
    oauth = OAuth()
    oauth.register(
        "idp",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile"},
    )
    app.state.oauth = oauth
    app.include_router(router)


@router.get("/login/oidc")
async def oidc_login(request: Request) -> Any:
    redirect_uri = str(request.url_for("oidc_callback"))
    return await request.app.state.oauth.idp.authorize_redirect(request, redirect_uri)


@router.get("/auth/oidc", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    from authlib.integrations.starlette_client import OAuthError

    idp = request.app.state.oauth.idp
    try:
        token = await idp.authorize_access_token(request)
    except OAuthError as exc:
        log.warning("oidc login failed: %s", exc.error)
        raise HTTPException(400, "login via kommunens login mislykkedes; prøv igen") from None
    info: dict[str, Any] = dict(token.get("userinfo") or await idp.userinfo(token=token))
    username = str(info.get("preferred_username") or info.get("email") or "").strip()
    if not username:
        raise HTTPException(403, "identitetsudbyderen sendte intet brugernavn")
    engine = request.app.state.engine
    with engine.connect() as conn:
        user_id = conn.execute(
            select(UserRow.id).where(UserRow.username == username, UserRow.disabled.is_(False))
        ).scalar()
    if user_id is None:
        org = request.app.state.directory.organisation()
        employee = org.employee_by_login(username) if org else None
        if employee is None:
            log.warning("oidc login refused: no user %r", username)
            raise HTTPException(403, "din bruger er ikke oprettet i omstilling")
        user_id = accounts.add_user(
            engine,
            username,
            "employee",
            None,
            employee_id=employee.id,
            display_name=employee.name,
        )
        log.info("oidc: created employee account %r for %s", username, employee.id)
    log.info("login ok (oidc): user=%r", username)
    return start_session(request, int(user_id), "/home")
