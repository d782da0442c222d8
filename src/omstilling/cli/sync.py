"""sync: people, their numbers and their units from LDAP/AD or an HR export (spec/sync.md).

A thin shell over `omstilling.sync`: it prints, per unit, who was added, changed (field
by field), moved, left and returned, with a progress bar on a terminal, and exits 0
(done), 1 (error, nothing changed) or 3 (refused by left.max_share, nothing changed).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from omstilling.cli import app
from omstilling.cli.common import DbOption, open_engine
from omstilling.store.joblock import job_lock
from omstilling.sync.apply import RunResult, run_sync
from omstilling.sync.config import SyncConfig, SyncFileError, read_sync_file

LOCK = "directory-sync"  # one sync at a time across processes, whichever file
LEASE = 300.0
NICE = 10  # CPU priority of a sync (0 is a server's, 19 the lowest)
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float:
    """ "15m" -> 900.0; "30s", "1h", "1d", or plain seconds; at least 10 seconds."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not found:
        raise typer.BadParameter(f"'{text}' is no interval: write e.g. 15m, 1h or 90s")
    seconds = float(found.group(1)) * UNITS[found.group(2) or "s"]
    if seconds < 10:
        raise typer.BadParameter("at least 10s between two runs")
    return seconds


@app.command("sync")
def sync_cmd(
    sync_file: Annotated[Path, typer.Argument(help="The sync file (YAML, omstilling-sync/1)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Run even when more than left.max_share would leave")
    ] = False,
    every: Annotated[
        str | None,
        typer.Option("--every", help="Run again and again, e.g. 15m (one run at a time)"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Bring people, their numbers and their units in from LDAP/AD or an HR export."""
    interval = parse_interval(every) if every is not None else None
    # A background job: a server answering calls on the same machine comes first.
    with contextlib.suppress(OSError):
        os.nice(NICE)
    first = _config(sync_file)
    assert first is not None  # an error exits
    config = first
    engine = open_engine(db)
    # The lease outlasts a long run; a process that dies holds it at most this long (SQLite;
    # PostgreSQL's advisory lock goes with the connection at once).
    lock = job_lock(engine, LOCK, lease=LEASE)
    if interval is not None:  # a timer or systemd stops it with SIGTERM: let go of the lock
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    waiting = False
    try:
        while True:
            if lock.acquire():
                waiting = False
                if interval is not None:
                    config = _config(sync_file, exit_on_error=False) or config
                with _progress() as progress:
                    result = run_sync(
                        engine, config, dry_run=dry_run, force=force, progress=progress
                    )
                print_result(config, result)
                if interval is None:
                    raise typer.Exit(result.exit_code)
            elif interval is None:
                typer.echo(
                    "error: another sync is running (one at a time); nothing was changed", err=True
                )
                raise typer.Exit(1)
            elif not waiting:
                typer.echo("another process runs the sync; waiting", err=True)
                waiting = True
            time.sleep(interval)
    finally:
        lock.release()


def _config(path: Path, *, exit_on_error: bool = True) -> SyncConfig | None:
    try:
        return read_sync_file(path)
    except SyncFileError as exc:
        for line in exc.errors:
            typer.echo(f"{path}: {line}", err=True)
        typer.echo(f"{path}: {len(exc.errors)} error(s); nothing was read or changed", err=True)
        if exit_on_error:
            raise typer.Exit(1) from None
        return None


@contextmanager
def _progress() -> Iterator[Callable[[int], None]]:
    """A progress bar of the entries read, on a terminal only (a timer's log stays clean)."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} personer læst"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("Læser kilden", total=None)
        yield lambda n: bar.update(task, completed=n)


def _value(v: Any) -> str:
    return "–" if v in (None, "") else str(v)


def print_result(config: SyncConfig, result: RunResult) -> None:
    report = result.report()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    typer.echo(f"sync {config.name} ({when}){' — dry run' if result.dry_run else ''}")
    for unit, r in report["units"].items():
        typer.echo(f"{unit}:")
        for name in r["added"]:
            typer.echo(f"  + {name}")
        for c in r["changed"]:
            fields = "; ".join(
                f"{k} {_value(a)} → {_value(b)}" for k, (a, b) in c["fields"].items()
            )
            typer.echo(f"  ~ {c['name']}: {fields}")
        for m in r["moved"]:
            typer.echo(f"  > {m['name']}: {m['from']} → {m['to']}")
        for name in r["left"]:
            typer.echo(f"  - {name} (left)")
        for name in r["returned"]:
            typer.echo(f"  ↩ {name} (returned)")
    for value, n in sorted(report["unmapped"].items()):
        typer.echo(f"unmapped unit value {value!r}: {n} person(s)")
    for column in report["ignored_columns"]:
        typer.echo(
            f"ignored column {column!r}: it holds CPR numbers (never read, stored or logged)"
        )
    for flag in report["flags"]:
        typer.echo(f"flagged: {flag}")
    for w in report["warnings"]:
        typer.echo(f"warning: {w}", err=True)
    if report["warnings_total"] > len(report["warnings"]):
        typer.echo(
            f"warning: … {report['warnings_total'] - len(report['warnings'])} more", err=True
        )
    for e in result.errors:
        typer.echo(f"error: {e}", err=True)
    p = result.plan
    if p is not None:
        counts = (
            f"added {p.count('added')}, changed {p.count('changed')}, moved {p.count('moved')}, "
            f"left {len(p.left_ids)}, returned {p.count('returned')}"
        )
        if result.outcome == "refused" or result.dry_run:
            verb = "would have" if result.outcome == "refused" else "would be"
            typer.echo(f"{verb}: {counts}; nothing was changed")
        elif result.revision is not None:
            typer.echo(
                f"{counts}; revision {result.revision}; {result.messages_moved} message(s) to units"
            )
        else:
            typer.echo(f"{counts}; no changes")
    typer.echo(f"took {report['seconds'].get('total', 0):.1f} s")
