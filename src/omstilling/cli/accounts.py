"""user and token: accounts for people, bearer tokens for systems."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from omstilling import accounts
from omstilling.cli import app
from omstilling.cli.common import CommandGroup, DbOption, fail, open_engine

user_app = CommandGroup(help="Accounts for people (argon2id passwords).", no_args_is_help=True)
token_app = CommandGroup(help="Bearer tokens for systems (stored hashed).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="User name (for SSO: the login name)")],
    role: Annotated[str, typer.Option("--role", help=", ".join(accounts.ROLES))],
    unit: Annotated[str | None, typer.Option("--unit", help="Unit id (unit editors)")] = None,
    employee: Annotated[str | None, typer.Option("--employee", help="Employee id")] = None,
    name: Annotated[str, typer.Option("--name", help="Display name")] = "",
    agent: Annotated[
        str | None,
        typer.Option("--agent", help="The PBX agent the operator answers on, e.g. PJSIP/3101"),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    sso_only: Annotated[bool, typer.Option("--sso-only", help="No password: SSO only")] = False,
    db: DbOption = None,
) -> None:
    """Add a person who signs in."""
    engine = open_engine(db)
    password = None if sso_only else _read_password(password_stdin)
    accounts.add_user(
        engine,
        username,
        role,
        password,
        unit_id=unit,
        employee_id=employee,
        display_name=name,
        agent=agent,
    )
    typer.echo(f"added {username} ({role})")


@user_app.command("agent")
def user_agent(
    username: Annotated[str, typer.Argument()],
    agent: Annotated[
        str | None, typer.Argument(help="PBX agent id, e.g. PJSIP/3101; omit with --clear")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="The user answers on no agent")] = False,
    db: DbOption = None,
) -> None:
    """Set the PBX agent an operator answers calls on (their console then follows their call)."""
    if (agent is None) == (not clear):
        raise typer.BadParameter("give an agent id, or --clear")
    accounts.set_agent(open_engine(db), username, None if clear else agent)
    typer.echo(f"{username}: {'no agent' if clear else agent}")


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    db: DbOption = None,
) -> None:
    """Set a new password."""
    engine = open_engine(db)
    accounts.set_password(engine, username, _read_password(password_stdin))
    typer.echo(f"password set for {username}")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'pbx'")],
    scope: Annotated[list[str], typer.Option("--scope", help=", ".join(accounts.SCOPES))],
    db: DbOption = None,
) -> None:
    """Create a bearer token. It is printed once; only its hash is stored."""
    engine = open_engine(db)
    try:
        token = accounts.create_token(engine, name, scope)
    except accounts.AccountError as exc:
        raise fail(str(exc), 2) from None
    typer.echo(token)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """Revoke every token with this name."""
    n = accounts.revoke_token(open_engine(db), name)
    typer.echo(f"revoked {n} token(s)")
