"""calendars poll / status / set / remove: presence from calendars on the command line (issue 15).

`poll` is what a scheduler runs when the server's own poller is off
(OMSTILLING_CALENDAR_POLL=0); without --once it keeps polling every
OMSTILLING_CALENDAR_POLL_SECONDS, in one process at a time (the job's lock, shared with
the server's poller). A feed's address is a secret: nothing here prints it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from omstilling.calendars.feeds import feed_status, set_feed
from omstilling.calendars.poller import Parser, PollReport, poll_once
from omstilling.cli import app
from omstilling.cli.common import CommandGroup, DbOption, open_engine
from omstilling.settings import Settings
from omstilling.store.joblock import job_lock

calendars_app = CommandGroup(help="Presence from calendar feeds (issue 15).", no_args_is_help=True)
app.add_typer(calendars_app, name="calendars")

JOB = "calendar-poll"  # the same lock as the server's poller


def _summary(r: PollReport) -> str:
    return (
        f"{r.feeds} feeds, {r.due} polled: {r.read} read, {r.unchanged} unchanged, "
        f"{r.failed} failing; {r.codes_changed} codes changed, {r.skipped_events} events "
        f"skipped ({r.seconds:.1f} s)"
    )


@calendars_app.command("poll")
def poll_cmd(
    once: Annotated[bool, typer.Option("--once", help="One round, then stop")] = False,
    db: DbOption = None,
) -> None:
    """Read every calendar feed that is due and bring the codes from them up to date."""
    settings = Settings()
    engine = open_engine(db)
    interval = float(settings.calendar_poll_seconds)
    lock = job_lock(engine, JOB, lease=max(60.0, 3 * interval))
    parser = Parser(settings.calendar_parse_processes)
    waiting = False
    try:
        while True:
            if lock.acquire():
                waiting = False
                report = poll_once(engine, settings, datetime.now(UTC), parser=parser)
                typer.echo(_summary(report))
                for who, reason in sorted(report.errors.items()):
                    typer.echo(f"  {who}: {reason}")
            elif not waiting:
                typer.echo("calendar polling runs in another process (a server); waiting")
                waiting = True
            if once:
                return
            time.sleep(interval)
    finally:
        parser.close()
        lock.release()


@calendars_app.command("status")
def status_cmd(db: DbOption = None) -> None:
    """Each feed: when it was last read, and why it fails (never its address)."""
    engine = open_engine(db)
    found = feed_status(engine)
    for s in found:
        ok = s.ok_at.strftime("%Y-%m-%d %H:%M") if s.ok_at else "never"
        state = f"FAILING ({s.failures}x): {s.error}" if s.failing else "ok"
        typer.echo(f"{s.employee_id:30} last read {ok:16} {s.codes:3} codes  {state}")
    failing = sum(1 for s in found if s.failing)
    typer.echo(f"{len(found)} feeds, {failing} failing")


@calendars_app.command("set")
def set_cmd(
    employee: Annotated[str, typer.Argument(help="Employee id")],
    url: Annotated[str, typer.Argument(help="The feed's address (iCalendar, or CalDAV ending /)")],
    db: DbOption = None,
) -> None:
    """Give an employee a calendar feed (checked; stored as a secret)."""
    settings = Settings()
    set_feed(
        open_engine(db),
        employee,
        url,
        actor="cli",
        source="cli",
        now=datetime.now(UTC),
        allow_loopback=settings.calendar_allow_loopback,
    )
    typer.echo(f"{employee}: calendar feed set")


@calendars_app.command("remove")
def remove_cmd(
    employee: Annotated[str, typer.Argument(help="Employee id")], db: DbOption = None
) -> None:
    """Remove an employee's calendar feed; its codes end now."""
    set_feed(
        open_engine(db),
        employee,
        None,
        actor="cli",
        source="cli",
        now=datetime.now(UTC),
        allow_loopback=True,
    )
    typer.echo(f"{employee}: calendar feed removed")
