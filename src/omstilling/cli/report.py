"""report: the quarterly statistics (R3.13) as JSON, CSV, XLSX or HTML, or a static site."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omstilling.cli import app
from omstilling.cli.common import DbOption, fail, open_engine
from omstilling.domain.kpi import DEFAULT_THRESHOLD, MAX_WAIT_BUCKET

if TYPE_CHECKING:
    from omstilling.reports.build import Period

FORMATS = ("json", "csv", "xlsx", "html")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: not a date; use YYYY-MM-DD", 2) from None


def period_options(quarter: str | None, from_: str | None, to: str | None) -> Period:
    """The period of --quarter, or of --from and --to."""
    from omstilling.reports.build import period_from  # the report's imports only when asked

    first = _day(from_, "--from") if from_ else None
    last = _day(to, "--to") if to else None
    return period_from(quarter, first, last, ("--quarter", "--from", "--to"))


QuarterOption = Annotated[
    str | None, typer.Option("--quarter", help="A quarter, e.g. 2026Q4", show_default=False)
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="First day, YYYY-MM-DD", show_default=False)
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last day (included)", show_default=False)
]


@app.command("report")
def report_cmd(
    quarter: QuarterOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    threshold: Annotated[
        int, typer.Option("--threshold", help="Service level threshold in seconds")
    ] = DEFAULT_THRESHOLD,
    format_: Annotated[str, typer.Option("--format", help="json, csv, xlsx or html")] = "json",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file", show_default=False)
    ] = None,
    publish: Annotated[
        Path | None,
        typer.Option(
            "--publish",
            help="Write a static site (a page per quarter, an index) to DIR",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """The statistics of the telephone service for a quarter or a period (R3.13)."""
    from omstilling.reports.build import build_report

    if format_ not in FORMATS:
        raise fail(f"--format: one of {', '.join(FORMATS)}", 2)
    if not 0 <= threshold <= MAX_WAIT_BUCKET:
        raise fail(f"--threshold: 0 to {MAX_WAIT_BUCKET} seconds", 2)
    engine = open_engine(db)
    if publish is not None:
        from omstilling.reports.publish import publish_site

        pages = publish_site(engine, publish, threshold=threshold)
        typer.echo(f"wrote {len(pages)} quarter page(s) and an index to {publish}")
        return
    period = period_options(quarter, from_, to)
    report = build_report(engine, period, threshold, measurements=format_ in ("html", "xlsx"))
    if format_ == "json":
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        _write_text(text, output)
    elif format_ == "csv":
        from omstilling.reports.formats import to_csv

        _write_text(to_csv(report), output)
    elif format_ == "html":
        from omstilling.reports.html import render_report
        from omstilling.store.organisation import load_organisation

        with engine.connect() as conn:
            org = load_organisation(conn)
        label = f"{quarter[-1]}. kvartal {quarter[:4]}" if quarter else None
        title = f"Telefonstatistik {label}" if label else "Telefonstatistik"
        _write_text(render_report(report, org=org, title=title), output)
    else:
        from omstilling.reports.formats import to_xlsx

        if output is None:
            raise fail("--format xlsx needs -o FILE", 2)
        output.write_bytes(to_xlsx(report))
        typer.echo(f"wrote {output}", err=True)


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
