"""The web app factory: nothing (no engine, no settings) is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from omstilling import __version__
from omstilling.directory import Directory
from omstilling.errors import DomainError
from omstilling.live import LiveHub, LivePublisher, make_bus
from omstilling.published import Published
from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.notify import relay
from omstilling.store.presence import PresenceCache
from omstilling.web import accesslog, dial_links
from omstilling.web.api import errors
from omstilling.web.auth import (
    SESSION_CACHE_SECONDS,
    TOKEN_CACHE_SECONDS,
    LoginRequired,
    PrincipalCache,
    login_redirect_target,
)
from omstilling.web.headers import SecurityHeaders
from omstilling.web.limits import BodyGuard
from omstilling.web.oidc import setup_oidc
from omstilling.web.public import search as public_search


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    if engine is None:
        engine = make_engine(settings.database_url)
    ensure_schema(engine)
    app = FastAPI(
        lifespan=_lifespan(settings, engine),
        title="omstilling",
        version=__version__,
        description="The switchboard system for Danish municipalities: organisation, hours, "
        "routing advice, presence, messages and call statistics.",
    )
    _state(app, settings, engine)
    accesslog.install()  # no CPR number in the access log's request lines
    app.add_middleware(BodyGuard)
    # HSTS when the municipality serves the app over https (its base URL says so).
    app.add_middleware(SecurityHeaders, https=settings.base_url.startswith("https://"))
    setup_oidc(app, settings)
    _exception_handlers(app)
    _routers(app)
    # Hvem skal jeg ringe til? Its page and API, CORS for the API and the throttle.
    public_search.install(app, settings)
    return app


def _lifespan(
    settings: Settings, engine: Engine
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The organisation and its index load on their own thread; /api/v1/ready says when.
        published = app.state.directory.published
        published.start()
        # Other processes' writes reach this one's caches at once (PostgreSQL LISTEN).
        changes = relay(engine)
        # The bus (LISTEN/NOTIFY on PostgreSQL) lives as long as the server does.
        live = LivePublisher(
            engine,
            make_bus(app.state.live_hub, engine),
            app.state.directory.organisation,
            lambda: app.state.clock(),
        )
        app.state.live = live
        # Mail and webhook notices are retried with back-off and overdue callbacks escalate
        # while the server runs; without a mail server configured they wait as pending.
        worker = None
        if settings.smtp_url or settings.message_webhook_url:
            from omstilling.messages import DeliveryWorker

            worker = DeliveryWorker(engine, settings)
            worker.start()
        calendars = None  # issue 15: polls once someone has a feed, one process at a time
        if settings.calendar_poll:
            from omstilling.calendars.poller import CalendarService

            calendars = CalendarService(engine, settings)
        try:
            yield
        finally:
            if changes is not None:
                changes.close()
            published.stop()
            if worker is not None:
                worker.stop()
            if calendars is not None:
                calendars.stop()
            live.close()
            if app.state.live is live:
                app.state.live = None

    return lifespan


def _state(app: FastAPI, settings: Settings, engine: Engine) -> None:
    app.state.settings = settings
    app.state.engine = engine
    app.state.token_cache = PrincipalCache(TOKEN_CACHE_SECONDS)  # see omstilling.web.auth
    app.state.session_cache = PrincipalCache(SESSION_CACHE_SECONDS)
    # Built on a thread of its own when the server starts (the lifespan), swapped in whole.
    app.state.directory = Directory(
        engine, Published(engine, max_age=0.5), PresenceCache(engine, max_age=0.5)
    )
    # Every rule takes `now` as an argument; the web app reads it here, so tests can freeze it.
    app.state.clock = _utc_now
    app.state.live_hub = LiveHub()
    app.state.live = None
    app.state.call_event_listeners = [lambda events: _push_live(app, events)]
    here = Path(__file__).parent
    # Compiled once: Jinja's auto_reload stat()ed each template file on every render.
    loader = FileSystemLoader(here / "templates")
    env = Environment(loader=loader, autoescape=select_autoescape(), auto_reload=False)
    dial_links.install(env, settings)  # phone_link(): numbers as softphone links
    app.state.templates = Jinja2Templates(env=env)
    app.mount("/static", StaticFiles(directory=here / "static"), name="static")


def _exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(_request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_redirect_target(exc), status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default answer echoes the input; citizen facts must never come back.
        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    {
                        "loc": list(e.get("loc", ())),
                        "msg": e.get("msg", "invalid"),
                        "type": e.get("type", "value_error"),
                    }
                    for e in exc.errors()
                ]
            },
        )

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        # One mapping from the catalogue's kinds to HTTP answers (omstilling.domain.errors);
        # the texts name what is wrong and never repeat a citizen's fact. The shapes are
        # those the OpenAPI documents (omstilling.web.api.errors).
        return JSONResponse(
            status_code=exc.kind.http_status, content={"detail": errors.domain_detail(request, exc)}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        allowed = errors.allowed_methods(request) if exc.status_code == 405 else []
        if allowed:  # every route's methods, not only the first route's
            headers["Allow"] = ", ".join(allowed)
        if exc.status_code == 422 and not isinstance(exc.detail, list):
            detail: Any = [errors.invalid(str(exc.detail))]
        else:
            detail = exc.detail
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=headers)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)


def _routers(app: FastAPI) -> None:
    from omstilling.web import calendar_pages, sync_pages, users_page
    from omstilling.web.api import calls as api_calls
    from omstilling.web.api import contact as api_contact
    from omstilling.web.api import core as api
    from omstilling.web.api import quality as api_quality
    from omstilling.web.api import routing as api_routing
    from omstilling.web.api.messages import router as messages_router
    from omstilling.web.console import boards, live, message_pages, pages
    from omstilling.web.console import caller as console_caller
    from omstilling.web.console import messages as console_messages
    from omstilling.web.editor import routes as editor
    from omstilling.web.public import accessibility
    from omstilling.web.public import routes as public
    from omstilling.web.stats import routes as stats
    from omstilling.web.stats import test_calls

    app.include_router(api.router)
    app.include_router(api_routing.router)
    app.include_router(api_contact.router)
    app.include_router(pages.router)
    app.include_router(boards.router)
    app.include_router(editor.router)
    app.include_router(public.pages)
    app.include_router(public.api, responses=errors.answers(503))
    app.include_router(accessibility.pages)
    app.include_router(live.router)
    app.include_router(console_caller.router)
    app.include_router(users_page.router)
    app.include_router(console_messages.router)
    app.include_router(message_pages.router)
    app.include_router(messages_router)
    # app.state.call_event_listeners (set in _state) are called by api.calls after each commit.
    app.include_router(api_calls.router)
    app.include_router(api_quality.router)
    app.include_router(stats.router)
    app.include_router(test_calls.router)
    app.include_router(sync_pages.router)
    app.include_router(calendar_pages.router)


def _push_live(app: FastAPI, events: Sequence[Any]) -> None:
    """After live events are committed: tell every console about switchboard calls."""
    if app.state.live is not None:
        app.state.live.submit(events)


def _utc_now() -> datetime:
    return datetime.now(UTC)
