"""quality import / summary: service measurements by test calls (R1.7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from omstilling.cli import app
from omstilling.cli.common import CommandGroup, DbOption, fail, open_engine
from omstilling.cli.report import FromOption, QuarterOption, ToOption, period_options

quality_app = CommandGroup(
    help="Service measurements: test calls and their quality criteria (R1.7).",
    no_args_is_help=True,
)
app.add_typer(quality_app, name="quality")


@quality_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="A CSV file of test calls (comma or semicolon)")],
    by: Annotated[
        str, typer.Option("--by", help="Who records them (kept with each test call)")
    ] = "import",
    db: DbOption = None,
) -> None:
    """Store the test calls of a CSV file: all of them, or none when a line is wrong.

    Columns (a header line names them, in any order): at, unit, answered, and
    optionally wait_seconds, served, named, offered_service, kindness, calm, clarity,
    honesty (1-5), apology, by, note."""
    from omstilling.domain.organisation import municipality_tz
    from omstilling.domain.quality import QualityErrors, parse_csv
    from omstilling.store.organisation import load_organisation
    from omstilling.store.quality import add_test_calls

    if not file.is_file():
        raise fail(f"{file}: no such file", 2)
    engine = open_engine(db)
    with engine.connect() as conn:
        org = load_organisation(conn)
    if org is None:
        raise fail("the database holds no organisation yet; import a file first", 2)
    text = file.read_text(encoding="utf-8-sig", errors="replace")
    try:
        calls = parse_csv(text, municipality_tz(org), lambda unit: unit in org.units)
    except QualityErrors as exc:
        for error in exc.errors[:100]:
            typer.echo(f"{file}: {error}", err=True)
        if len(exc.errors) > 100:
            typer.echo(f"... and {len(exc.errors) - 100} more", err=True)
        raise fail(f"{len(exc.errors)} error(s); nothing was stored", 1) from None
    stored = add_test_calls(engine, calls, actor=by, now=datetime.now(UTC))
    typer.echo(f"stored {stored} test call(s) from {file}")


@quality_app.command("summary")
def summary_cmd(
    quarter: QuarterOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    db: DbOption = None,
) -> None:
    """The test calls of a period, in all and per unit, as JSON."""
    from omstilling.reports.quality import quality_summary
    from omstilling.store.organisation import load_organisation

    period = period_options(quarter, from_, to)
    engine = open_engine(db)
    with engine.connect() as conn:
        org = load_organisation(conn)
    summary = quality_summary(engine, period.start, period.end, org)
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
