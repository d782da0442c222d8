"""What every command shares: the database option and opening the store."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy import Engine

from omstilling.errors import DomainError
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


class CommandGroup(typer.Typer):
    """A Typer app whose commands answer the catalogue's errors (omstilling.domain.errors)
    in one way: `error: <text>` on stderr and the kind's exit code, never a traceback."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[CommandFunction], CommandFunction]:
        register = super().command(*args, **kwargs)

        def decorator(function: CommandFunction) -> CommandFunction:
            register(_answering_errors(function))
            return function

        return decorator


CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])


def _answering_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except DomainError as exc:
            raise fail(str(exc), exc.kind.exit_code) from None

    return run


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
