"""The `omstilling` command: thin shells over the same functions the web app uses."""

from __future__ import annotations

from omstilling.cli.common import CommandGroup

app = CommandGroup(
    name="omstilling",
    help="omstilling: the switchboard system for Danish municipalities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    from omstilling.cli import (  # noqa: F401  (registers the commands)
        accounts,
        calendars,
        calls,
        messages,
        org,
        quality,
        report,
        routing,
        serve,
        sync,
    )

    app()
