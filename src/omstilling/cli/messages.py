"""messages list / deliver / escalate: the message queue on the command line (R1.6, R3.6).

`deliver` and `escalate` are what a scheduler runs (cron or a systemd timer) when
the web app's own worker is not running.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from omstilling import messages
from omstilling.cli import app
from omstilling.cli.common import CommandGroup, DbOption, fail, open_engine
from omstilling.domain.danish import format_phone
from omstilling.domain.hours import to_local
from omstilling.domain.labels import MESSAGE_STATUS
from omstilling.settings import Settings
from omstilling.store.joblock import job_lock
from omstilling.store.organisation import load_organisation

messages_app = CommandGroup(help="Messages and callbacks (R1.6, R3.6).", no_args_is_help=True)
app.add_typer(messages_app, name="messages")


@messages_app.command("list")
def list_cmd(
    unit: Annotated[str | None, typer.Option("--unit", help="Only this unit and its teams")] = None,
    employee: Annotated[str | None, typer.Option("--employee", help="Only this employee")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only broken promises")] = False,
    status: Annotated[
        str, typer.Option("--status", help="new, seen, called_back, closed, open or all")
    ] = "open",
    as_json: Annotated[bool, typer.Option("--json", help="As JSON")] = False,
    db: DbOption = None,
) -> None:
    """Open messages, the soonest due first; overdue ones marked with !."""
    engine = open_engine(db)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        org = load_organisation(conn)
    if org is None:
        raise fail("the database holds no organisation yet; import a file first", 2)
    found = messages.list_messages(
        engine, now=now, unit=unit, employee=employee, status=status, overdue=overdue, org=org
    )
    if as_json:
        out = [messages.message_json(org, m, now) for m in found]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    tz = ZoneInfo(org.municipality.timezone)
    for listed in found:
        m = listed.message
        mark = "!" if m.is_open and m.overdue(now) else " "
        due = to_local(m.callback_due, tz).strftime("%Y-%m-%d %H:%M")
        who = m.employee or m.unit
        typer.echo(
            f"{mark} {m.id:>6}  {due}  {MESSAGE_STATUS.label(m.status).lower():10} {who:25} "
            f"{m.caller_name} ({format_phone(m.caller_phone)})  mail: {listed.delivery}"
        )
    if not found:
        typer.echo("no messages")


@messages_app.command("deliver")
def deliver_cmd(
    watch: Annotated[
        float | None,
        typer.Option("--watch", help="Keep running, one round every this many seconds"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Escalate broken promises and send the notices whose time has come (retrying).

    With --watch, rounds run only while this process holds the job's lock, as the
    server's own worker does: one process delivers at a time."""
    settings = Settings()
    engine = open_engine(db)
    lock = None
    if watch is not None:  # the lease outlasts the pause between two rounds
        lock = job_lock(engine, "message-delivery", lease=max(60.0, 3 * watch))
    waiting = False
    try:
        while True:
            if lock is None or lock.acquire():
                waiting = False
                report = messages.run_once(engine, settings, datetime.now(UTC))
                typer.echo(
                    f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}, "
                    f"escalated {report.escalated}"
                )
            elif not waiting:
                typer.echo("message delivery runs in another process (a server); waiting")
                waiting = True
            if watch is None:
                return
            time.sleep(max(watch, 1.0))
    finally:
        if lock is not None:
            lock.release()


@messages_app.command("escalate")
def escalate_cmd(db: DbOption = None) -> None:
    """Queue a mail to the unit's leader for each callback past its due time (once each)
    and send it."""
    settings = Settings()
    engine = open_engine(db)
    now = datetime.now(UTC)
    n = messages.escalate_overdue(engine, settings, now)
    report = messages.deliver_pending(engine, settings, now)
    typer.echo(f"escalated {n}; sent {report.sent}, retrying {report.retrying}")
