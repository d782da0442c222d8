"""The web app factory: nothing (no engine, no settings) is created at import time."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from omstilling import __version__
from omstilling.routing import Directory
from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.organisation import SnapshotCache


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    if engine is None:
        engine = make_engine(settings.database_url)
    ensure_schema(engine)
    app = FastAPI(
        title="omstilling",
        version=__version__,
        description="The switchboard system for Danish municipalities: organisation, hours, "
        "routing advice, presence, messages and call statistics.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.snapshots = SnapshotCache(engine)
    app.state.directory = Directory(engine, app.state.snapshots)

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

    from omstilling.web import api, api_routing

    app.include_router(api.router)
    app.include_router(api_routing.router)
    return app
