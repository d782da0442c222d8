"""validate, import, export, db: the organisation file and the schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from omstilling import orgfile
from omstilling.cli import app
from omstilling.cli.common import CommandGroup, DbOption, database_url, fail, open_engine
from omstilling.domain.orgdiff import Change
from omstilling.store import db as store_db
from omstilling.store.org_write import TooLong, check_organisation_widths
from omstilling.store.organisation import StaleRevision, import_organisation, load_organisation

db_app = CommandGroup(help="The database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

FileArg = Annotated[
    Path,
    typer.Argument(help="The organisation file (YAML, format omstilling/1)", readable=False),
]


def _check_file(path: Path) -> None:
    """One line naming the file when it is no file to read."""
    if path.is_dir():
        raise fail(f"{path}: is a directory, not an organisation file")
    if not path.is_file():
        raise fail(f"{path}: no such file")
    try:
        path.open("rb").close()
    except OSError as exc:
        raise fail(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_file(path: Path) -> orgfile.ParseResult:
    """Parse and validate a file, or print every problem and exit 1."""
    _check_file(path)
    try:
        size = path.stat().st_size
        if size > orgfile.MAX_BYTES:
            raise orgfile.OrgFileError(
                [
                    f"file: {size // (1024 * 1024)} MB is larger than "
                    f"{orgfile.MAX_BYTES // (1024 * 1024)} MB"
                ]
            )
        return orgfile.parse_bytes(path.read_bytes())
    except orgfile.OrgFileError as exc:
        for line in exc.errors:
            typer.echo(f"{path}: {line}", err=True)
        for line in exc.warnings:
            typer.echo(f"{path}: warning: {line}", err=True)
        typer.echo(f"{path}: {len(exc.errors)} error(s); nothing was written", err=True)
        raise typer.Exit(1) from None


@app.command()
def validate(file: FileArg) -> None:
    """Check an organisation file and list every problem as `path: message`."""
    result = read_file(file)
    for w in result.warnings:
        typer.echo(f"{file}: warning: {w}", err=True)
    org = result.organisation
    try:
        check_organisation_widths(org)  # what an import would refuse, said now
    except TooLong as exc:
        for problem in exc.problems:
            typer.echo(f"{file}: {problem}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{file}: valid ({len(org.units)} units, {len(org.employees)} employees, "
        f"{len(org.tasks)} tasks, {len(org.mailings)} mailings)"
    )


def _print_changes(changes: list[Change]) -> None:
    for c in changes:
        sign = {"added": "+", "changed": "~", "removed": "-"}[c.action]
        typer.echo(f"  {sign} {c.describe()}")


@app.command("import")
def import_(
    file: FileArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change")] = False,
    force: Annotated[bool, typer.Option("--force", help="Import an older revision anyway")] = False,
    db: DbOption = None,
) -> None:
    """Import an organisation file: all or nothing; unchanged entities are left alone."""
    result = read_file(file)
    for w in result.warnings:
        typer.echo(f"{file}: warning: {w}", err=True)
    engine = open_engine(db)
    try:
        summary = import_organisation(
            engine,
            result.organisation,
            file_revision=result.revision,
            actor=f"import:{file.name}",
            dry_run=dry_run,
            force=force,
        )
    except StaleRevision as exc:
        raise fail(str(exc)) from None
    counts = summary.counts()
    _print_changes(summary.changes)
    if summary.overwritten_edits:
        typer.echo("This file overwrites edits made outside the file (kept in the audit trail):")
        for line in summary.overwritten_edits:
            typer.echo(f"  ! {line}")
    verb = "would add" if dry_run else "added"
    typer.echo(
        f"{verb} {counts['added']}, changed {counts['changed']}, "
        f"removed {counts['removed']}"
        + (
            "; nothing written (dry run)"
            if dry_run
            else f"; revision {summary.revision}"
            if summary.written
            else "; no changes"
        )
    )


@app.command()
def export(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file")
    ] = None,
    db: DbOption = None,
) -> None:
    """Export the organisation as a file that imports back identically."""
    engine = open_engine(db)
    with engine.connect() as conn:
        org = load_organisation(conn)
    if org is None:
        raise fail("the database holds no organisation yet; import a file first")
    text = orgfile.dump(org, org.revision)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output} (revision {org.revision})", err=True)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Bring the database to the latest schema."""
    engine = store_db.make_engine(database_url(db))
    store_db.upgrade(engine)
    typer.echo(f"schema at {store_db.current_revision(engine)}")


@db_app.command("check")
def db_check(db: DbOption = None) -> None:
    """Fail when the models and the migrations disagree (alembic check)."""
    engine = store_db.make_engine(database_url(db))
    try:
        store_db.check(engine)
    except Exception as exc:
        raise fail(f"models and migrations disagree: {exc}") from None
    typer.echo("models and migrations agree")
