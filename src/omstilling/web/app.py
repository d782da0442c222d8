"""The web app factory: nothing (no engine, no settings) is created at import time."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from omstilling import __version__
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

    from omstilling.web import api

    app.include_router(api.router)
    return app
