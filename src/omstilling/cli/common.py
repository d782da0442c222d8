"""What every command shares: the database option and opening the store."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: OMSTILLING_DATABASE_URL or ./omstilling.db)",
        show_default=False,
    ),
]


def database_url(db: str | None) -> str:
    return db or Settings().database_url


def open_engine(db: str | None) -> Engine:
    """The engine for `--db`, with the schema brought up to date."""
    engine = make_engine(database_url(db))
    ensure_schema(engine)
    return engine


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
