"""report: the quarterly statistics (R3.13) as JSON, CSV, XLSX or HTML, or a static site."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from omstilling.cli import app
from omstilling.cli.common import DbOption, fail, open_engine
from omstilling.domain.kpi import MAX_WAIT_BUCKET, Targets

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


def _percent(flag: str, setting: str) -> Any:
    return typer.Option(
        flag,
        min=0,
        max=100,
        help=f"Target in whole percent for this report [default: {setting}]",
        show_default=False,
    )


ServiceLevelOption = Annotated[
    int | None, _percent("--service-level", "OMSTILLING_SERVICE_LEVEL_TARGET")
]
AnswerRateOption = Annotated[int | None, _percent("--answer-rate", "OMSTILLING_ANSWER_RATE_TARGET")]
AbandonRateOption = Annotated[int | None, _percent("--abandon-rate", "OMSTILLING_ABANDON_RATE_MAX")]


def _targets(
    threshold: int | None, service_level: int | None, answer_rate: int | None, abandon: int | None
) -> Targets:
    """The settings' service targets, with those this report names (percents) instead."""
    from omstilling.settings import get_settings

    shares = (None if v is None else v / 100 for v in (service_level, answer_rate, abandon))
    return get_settings().targets(threshold, *shares)


@app.command("report")
def report_cmd(
    quarter: QuarterOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    threshold: Annotated[
        int | None,
        typer.Option(
            "--threshold",
            help="Service level threshold in seconds [default: the setting]",
            show_default=False,
        ),
    ] = None,
    service_level: ServiceLevelOption = None,
    answer_rate: AnswerRateOption = None,
    abandon_rate: AbandonRateOption = None,
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
    if threshold is not None and not 0 <= threshold <= MAX_WAIT_BUCKET:
        raise fail(f"--threshold: 0 to {MAX_WAIT_BUCKET} seconds", 2)
    targets = _targets(threshold, service_level, answer_rate, abandon_rate)
    threshold = targets.threshold_seconds
    engine = open_engine(db)
    if publish is not None:
        from omstilling.reports.publish import publish_site

        pages = publish_site(engine, publish, threshold=threshold, targets=targets)
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
        _write_text(render_report(report, org=org, targets=targets, title=title), output)
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
