"""calls import-queue-log, import-cdr, rebuild: call data from the PBX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from omstilling.calls.logfiles import Unreadable
from omstilling.cli import app
from omstilling.cli.common import CommandGroup, DbOption, fail, open_engine

calls_app = CommandGroup(
    help="Call data from the PBX: queue_log, CDR, rebuild.", no_args_is_help=True
)
app.add_typer(calls_app, name="calls")

LISTED = 100  # malformed lines printed one by one; the rest are counted


def _progress(total: int) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        transient=True,
        disable=total < 2_000_000,  # short imports finish before a bar helps
    )


def _check_files(files: list[Path]) -> None:
    """Every file there and readable before anything is imported: one line naming it."""
    for f in files:
        if f.is_dir():
            raise fail(f"{f}: is a directory, not a log file", 2)
        if not f.exists():
            raise fail(f"{f}: no such file", 2)
        if not f.is_file():
            raise fail(f"{f}: not a regular file", 2)
        try:
            f.open("rb").close()
        except OSError as exc:
            raise fail(f"{f}: cannot be read ({exc.strerror or exc})", 2) from None


def _print_malformed(malformed: list[tuple[str, int, str]], count: int) -> None:
    for name, number, reason in malformed[:LISTED]:
        typer.echo(f"{name}:{number}: skipped: {reason}", err=True)
    if count > min(len(malformed), LISTED):
        typer.echo(
            f"... and {count - min(len(malformed), LISTED)} more malformed line(s)", err=True
        )


def _malformed_lines(malformed: list[tuple[str, int, str]], count: int) -> str:
    if not count:
        return ""
    listed = ", ".join(str(n) for _, n, _ in malformed[:20])
    return f" (lines {listed}{', ...' if count > 20 else ''})"


MaxMalformed = Annotated[
    float,
    typer.Option(
        "--max-malformed",
        min=0,
        max=100,
        help="Exit with an error when more than this share of the lines (%) were malformed",
    ),
]


def _check_share(files: list[Path], lines: int, malformed: int, max_share: float) -> None:
    """A file that is mostly not call data was probably the wrong file: say so, exit 1."""
    if lines and malformed * 100 > max_share * lines:
        named = str(files[0]) if len(files) == 1 else f"{len(files)} files"
        raise fail(
            f"{named}: {malformed} of {lines} line(s) were malformed (more than "
            f"{max_share:g} %): is this the right file? The valid lines are stored; "
            "importing again adds nothing",
            1,
        )


class _Read:
    """How far an import got, from its progress callbacks, for when a file breaks off."""

    def __init__(self, bar: Progress, task: TaskID) -> None:
        self.bytes = 0
        self.bar, self.task = bar, task

    def __call__(self, n: int) -> None:
        self.bytes += n
        self.bar.advance(self.task, n)


def _broken_off(exc: Unreadable, read: _Read) -> typer.Exit:
    return fail(
        f"{exc.path}: the import stopped after {read.bytes:,} byte(s) of text: "
        f"{str(exc).removeprefix(f'{exc.path}: ')} (a truncated or damaged file?). What was "
        "read before that is stored; running the same import again is safe: lines already "
        "stored are recognised and skipped",
        1,
    )


@calls_app.command("import-queue-log")
def import_queue_log(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Asterisk queue_log file(s), plain or .gz, in any order", readable=False
        ),
    ],
    max_malformed: MaxMalformed = 50.0,
    db: DbOption = None,
) -> None:
    """Import Asterisk queue_log files; importing the same lines again adds nothing."""
    from omstilling.calls.logfiles import text_size
    from omstilling.calls.queue_log import import_files

    _check_files(files)
    engine = open_engine(db)
    total = sum(text_size(f) for f in files)
    with _progress(total) as bar:
        read = _Read(bar, bar.add_task("queue_log", total=total))
        try:
            summary = import_files(engine, files, progress=read)
        except Unreadable as exc:
            raise _broken_off(exc, read) from None
    _print_malformed(summary.malformed, summary.malformed_count)
    typer.echo(
        f"read {summary.lines} line(s) from {summary.files} file(s): "
        f"{summary.calls_added} call(s) added, {summary.events} event(s) stored, "
        f"{summary.duplicates} duplicate(s), {summary.ignored} ignored (agent/system events), "
        f"{summary.malformed_count} malformed line(s) skipped"
        + _malformed_lines(summary.malformed, summary.malformed_count)
    )
    if summary.unmapped_queues:
        typer.echo(
            "queues that map to no unit (kept, reported as unmapped): "
            + ", ".join(summary.unmapped_queues)
        )
    _check_share(files, summary.lines, summary.malformed_count, max_malformed)


@calls_app.command("import-cdr")
def import_cdr(
    file: Annotated[
        Path,
        typer.Argument(help="Asterisk cdr_csv file (Master.csv), plain or .gz", readable=False),
    ],
    max_malformed: MaxMalformed = 50.0,
    db: DbOption = None,
) -> None:
    """Import direct calls from an Asterisk CDR CSV; calls through a queue are left to queue_log."""
    from omstilling.calls.cdr import import_cdr_file
    from omstilling.calls.logfiles import text_size

    _check_files([file])
    engine = open_engine(db)
    total = text_size(file)
    with _progress(total) as bar:
        read = _Read(bar, bar.add_task("CDR", total=total))
        try:
            summary = import_cdr_file(engine, file, progress=read)
        except Unreadable as exc:
            raise _broken_off(exc, read) from None
    _print_malformed(summary.malformed, summary.malformed_count)
    typer.echo(
        f"read {summary.lines} line(s): {summary.calls_added} direct call(s) added, "
        f"{summary.duplicates} duplicate(s), {summary.queued} through a queue (counted from "
        f"queue_log), {summary.malformed_count} malformed line(s) skipped"
        + _malformed_lines(summary.malformed, summary.malformed_count)
    )
    _check_share([file], summary.lines, summary.malformed_count, max_malformed)


@calls_app.command("rebuild")
def rebuild_cmd(db: DbOption = None) -> None:
    """Recompute call records and aggregates from the raw events (after a definition changed)."""
    from omstilling.calls.rebuild import count_events, rebuild

    engine = open_engine(db)
    total = count_events(engine)
    with Progress(transient=True, disable=total < 1_000_000) as bar:
        task = bar.add_task("rebuild", total=total)
        summary = rebuild(engine, progress=lambda n: bar.advance(task, n))
    typer.echo(
        f"rebuilt from {summary.events} raw event(s): {summary.records} call record(s)"
        + (f"; {summary.unreadable} event(s) could not be read" if summary.unreadable else "")
    )
