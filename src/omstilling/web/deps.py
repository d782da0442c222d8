"""What every route reads from the app: the directory, the settings and the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Request

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


# Message ids are 32-bit integers (PostgreSQL INTEGER): a larger number names no message
# and must be refused as input (422), never reach the database (a 500).
MessageId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The message's id")]
