"""advise, absence, unit-away, unit-back: the routing brain on the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, cast

import typer

from omstilling.cli import app
from omstilling.cli.common import CommandGroup, DbOption, fail, open_engine
from omstilling.directory import Directory
from omstilling.domain.advice import Advice
from omstilling.domain.citizen import inquiry_from
from omstilling.domain.labels import ADVICE_ACTION, CITIZEN_FACT
from omstilling.domain.presence import CODES, shown_as
from omstilling.errors import NoOrganisation
from omstilling.store import presence as store

absence_app = CommandGroup(help="Employees' absence codes (R3.11).", no_args_is_help=True)
app.add_typer(absence_app, name="absence")

AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Local time YYYY-MM-DDTHH:MM (default: now)", show_default=False),
]


def _directory(db: str | None) -> Directory:
    directory = Directory(open_engine(db))
    if directory.organisation() is None:
        raise NoOrganisation("the database holds no organisation yet; import a file first")
    return directory


def _moment(directory: Directory, at: str | None, option: str = "--at") -> datetime:
    return directory.moment(at, datetime.now(UTC), option)


def _print_advice(advice: Advice) -> None:
    data = advice.to_json()
    to = data.get("to") or {}
    assert isinstance(to, dict)
    typer.echo(
        f"{ADVICE_ACTION.label(advice.action)}"
        + (f": {to.get('display')}" if to.get("display") else "")
        + (f" ({to.get('kind')} {to.get('id')})" if to.get("id") else "")
    )
    typer.echo(f"Sig: {data['say']}")
    if advice.needs:
        typer.echo(f"Spørg om: {', '.join(CITIZEN_FACT.label(n) for n in advice.needs)}")
    typer.echo(f"Regler: {', '.join(cast('list[str]', data['rules']))}")


@app.command("advise")
def advise_cmd(
    query: Annotated[
        str | None, typer.Argument(help="What the call is about, in free text")
    ] = None,
    employee: Annotated[str | None, typer.Option("--employee", help="Employee id")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Unit id")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Task id")] = None,
    at: AtOption = None,
    birth_day: Annotated[
        str | None, typer.Option("--birth-day", help="Day of the month of birth, 1-31")
    ] = None,
    surname: Annotated[str | None, typer.Option("--surname", help="The citizen's surname")] = None,
    postcode: Annotated[
        str | None, typer.Option("--postcode", help="The citizen's postcode")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The advice as JSON")] = False,
    db: DbOption = None,
) -> None:
    """Where does this call go, and what do we tell the citizen?"""
    # Errors name fields, never the citizen's facts (CitizenFactError, InvalidInquiry).
    inquiry = inquiry_from(
        query=query,
        employee=employee,
        unit=unit,
        task=task,
        birth_day=birth_day,
        surname=surname,
        postcode=postcode,
    )
    directory = _directory(db)
    advice = directory.advise(inquiry, _moment(directory, at))
    if as_json:
        typer.echo(json.dumps(advice.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_advice(advice)


@absence_app.command("set")
def absence_set(
    employee: Annotated[str, typer.Argument(help="Employee id")],
    code: Annotated[str, typer.Argument(help=f"One of: {', '.join(CODES)}")],
    from_: Annotated[str | None, typer.Option("--from", help="Start (default: now)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Expected return")] = None,
    note: Annotated[str, typer.Option("--note", help="Internal note, never told citizens")] = "",
    db: DbOption = None,
) -> None:
    """Give an employee an absence code (from now, or --from), until --until or unknown."""
    if code not in CODES:
        raise fail(f"unknown absence code '{code}'; known codes: {', '.join(CODES)}", 2)
    directory = _directory(db)
    start = _moment(directory, from_, "--from")
    end = _moment(directory, until, "--until") if until else None
    store.set_absence(
        directory.engine,
        employee,
        code,
        start,
        end,
        note,
        actor="cli",
        now=datetime.now(UTC),
        source="operator",
    )
    when = f" until {end.isoformat(timespec='minutes')}" if end else " (return unknown)"
    typer.echo(f"{employee}: {shown_as(code)} from {start.isoformat(timespec='minutes')}{when}")


@absence_app.command("clear")
def absence_clear(
    employee: Annotated[str, typer.Argument(help="Employee id")], db: DbOption = None
) -> None:
    """End the employee's code now: they are present again."""
    directory = _directory(db)
    n = store.clear_absence(directory.engine, employee, now=datetime.now(UTC))
    typer.echo(f"{employee}: present ({n} code(s) ended)")


@absence_app.command("list")
def absence_list(
    unit: Annotated[str | None, typer.Option("--unit", help="Only this unit")] = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Who has an active code, as operators may see it (sick and private: Fraværende)."""
    directory = _directory(db)
    moment = _moment(directory, at)
    with directory.engine.connect() as conn:
        rows = store.list_absences(conn, moment, unit)
    tz = moment.tzinfo
    for absence, name in rows:
        until = absence.until.astimezone(tz).strftime("%Y-%m-%d %H:%M") if absence.until else "?"
        typer.echo(f"{absence.employee:30} {name:30} {shown_as(absence.code):15} til {until}")
    if not rows:
        typer.echo("nobody is away")


@app.command("unit-away")
def unit_away_cmd(
    unit: Annotated[str, typer.Argument(help="Unit id")],
    from_: Annotated[str, typer.Option("--from", help="Start, local time")],
    until: Annotated[str, typer.Option("--until", help="Expected back, local time")],
    note: Annotated[str, typer.Option("--note", help="Internal note")] = "",
    db: DbOption = None,
) -> None:
    """Report a whole unit away (R3.9): calls get a message and the time they are back."""
    directory = _directory(db)
    start, end = _moment(directory, from_, "--from"), _moment(directory, until, "--until")
    store.unit_away(directory.engine, unit, start, end, note, actor="cli", now=datetime.now(UTC))
    typer.echo(
        f"{unit}: away {start.isoformat(timespec='minutes')} - {end.isoformat(timespec='minutes')}"
    )


@app.command("unit-back")
def unit_back_cmd(
    unit: Annotated[str, typer.Argument(help="Unit id")],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Report a unit back (R3.9): transfers work again at once."""
    directory = _directory(db)
    moment = _moment(directory, at)
    n = store.unit_back(directory.engine, unit, moment)
    typer.echo(f"{unit}: back at {moment.isoformat(timespec='minutes')} ({n} absence(s) ended)")


@app.command("purge")
def purge_cmd(
    days: Annotated[
        int | None,
        typer.Option(
            "--absence-days",
            help="Keep sick/private codes this many days "
            "(default: OMSTILLING_SENSITIVE_ABSENCE_RETENTION_DAYS, 90)",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Delete personal data past its retention: sick and private codes, closed messages,
    caller numbers (to keyed hashes), the console's errands."""
    from omstilling.retention import run_retention
    from omstilling.settings import Settings

    if days is not None and days < 1:
        raise fail("--absence-days must be at least 1", 2)
    run = run_retention(open_engine(db), datetime.now(UTC), Settings(), absence_days=days)
    typer.echo(
        f"purged {run.absences} sick/private absence code(s) older than {run.absence_days} days"
    )
    typer.echo(f"purged {run.messages} closed message(s) older than {run.message_days} days")
    typer.echo(f"hashed {run.caller_numbers} caller number(s) older than {run.caller_days} days")
    typer.echo(f"blanked {run.errands} console errand(s) older than {run.caller_days} days")
