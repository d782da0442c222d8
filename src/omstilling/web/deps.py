"""What every route reads from the app: the directory, the settings and the clock."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request

from omstilling.directory import Directory
from omstilling.settings import Settings


def directory(request: Request) -> Directory:
    return request.app.state.directory  # type: ignore[no-any-return]


def settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def now(request: Request) -> datetime:
    """The app's clock (tests freeze it for the whole request)."""
    moment: datetime = request.app.state.clock()
    return moment
