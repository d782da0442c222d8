"""Single sign-on against a real OpenID Connect provider running on loopback.

The provider is a small stand-in for the municipality's (Entra ID, ADFS, Keycloak):
discovery, authorize, token with a signed id_token, and JWKS, as the protocol says.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
import uvicorn
from authlib.jose import JsonWebKey, jwt
from fastapi import FastAPI, Form
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from omstilling import orgfile
from omstilling.settings import Settings
from omstilling.store.account_models import UserRow
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.conftest import mini_text

CLIENT_ID, CLIENT_SECRET = "omstilling", "hemmelig-klient-nøgle"


class Provider:
    def __init__(self) -> None:
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True)
        self.key_id = "k1"
        self.codes: dict[str, dict[str, str]] = {}
        self.login_as = "mette@randers.dk"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="warning")
        )

    def app(self) -> FastAPI:
        app = FastAPI()
        issuer = lambda: self.issuer  # noqa: E731

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": issuer(),
                "authorization_endpoint": issuer() + "/authorize",
                "token_endpoint": issuer() + "/token",
                "jwks_uri": issuer() + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            public = self.key.as_dict(is_private=False)
            return {"keys": [{**public, "kid": self.key_id, "use": "sig", "alg": "RS256"}]}

        @app.get("/authorize")
        def authorize(redirect_uri: str, state: str, nonce: str, client_id: str) -> Any:
            assert client_id == CLIENT_ID
            code = secrets.token_urlsafe(8)
            self.codes[code] = {"nonce": nonce, "user": self.login_as}
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")

        @app.post("/token")
        def token(code: str = Form(...), grant_type: str = Form(...)) -> dict[str, Any]:
            grant = self.codes.pop(code)
            now = int(time.time())
            claims = {
                "iss": issuer(),
                "sub": grant["user"],
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                "preferred_username": grant["user"],
            }
            id_token = jwt.encode({"alg": "RS256", "kid": self.key_id}, claims, self.key)
            return {
                "access_token": "at",
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token.decode(),
            }

        return app


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider()
    thread = threading.Thread(target=p.server.run, daemon=True)
    thread.start()
    while not p.server.started:
        time.sleep(0.02)
    yield p
    p.server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def app(engine: Engine, db_url: str, provider: Provider) -> FastAPI:
    doc = orgfile.parse_text(mini_text())
    import dataclasses

    mette = dataclasses.replace(doc.employees["mette-jobcenter"], login="mette@randers.dk")
    org = type(doc)(
        doc.municipality,
        list(doc.units.values()),
        [mette if e.id == mette.id else e for e in doc.employees.values()],
        list(doc.tasks.values()),
        list(doc.mailings.values()),
    )
    import_organisation(engine, org, file_revision=None, actor="test")
    settings = Settings(
        database_url=db_url,
        secret_key="a-long-test-secret-key-0123456789",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    return create_app(settings, engine=engine)


def sign_in(client: TestClient) -> httpx.Response:
    r = client.get("/login/oidc")
    assert r.status_code == 302
    authorize = r.headers["location"]
    query = parse_qs(urlparse(authorize).query)
    assert query["client_id"] == [CLIENT_ID] and "openid" in query["scope"][0]
    back = httpx.get(authorize, follow_redirects=False)  # the person signs in at the provider
    assert back.status_code in (302, 307)
    callback = urlparse(back.headers["location"])
    return client.get(f"{callback.path}?{callback.query}")


def test_an_employee_signs_in_with_the_municipality_login(app: FastAPI, engine: Engine) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        assert "Log ind med kommunens login" in client.get("/login").text
        r = sign_in(client)
        assert r.status_code == 303 and r.headers["location"] == "/home"
        assert "omstilling_session" in r.headers["set-cookie"]
        assert client.get("/home").headers["location"] == "/mig"
        assert "Mette Dahl" in client.get("/mig").text
    with engine.connect() as conn:
        user = conn.execute(
            select(UserRow.role, UserRow.employee_id, UserRow.password_hash).where(
                UserRow.username == "mette@randers.dk"
            )
        ).one()
    assert tuple(user) == ("employee", "mette-jobcenter", None)


def test_a_stranger_is_refused(app: FastAPI, provider: Provider) -> None:
    provider.login_as = "ukendt@example.dk"
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        r = sign_in(client)
        assert r.status_code == 403 and "ikke oprettet" in r.text
