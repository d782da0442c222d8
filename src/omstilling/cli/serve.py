"""serve and demo: run the web app."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Annotated, Any

import typer

from omstilling.cli import app
from omstilling.cli.common import DbOption, database_url, fail

if TYPE_CHECKING:
    from omstilling.settings import Settings

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on")]
PortOption = Annotated[int, typer.Option("--port", help="Port to listen on")]


def _run(
    url: str,
    host: str,
    port: int,
    secret_key: str | None,
    cookie_secure: bool = True,
    workers: int = 1,
) -> None:
    import uvicorn

    from omstilling.settings import Settings
    from omstilling.web.app import create_app

    settings = Settings(
        database_url=url,
        secret_key=secret_key,
        host=host,
        port=port,
        cookie_secure=cookie_secure,
        workers=workers,
    )
    # On SIGTERM uvicorn waits for open requests to finish, and a console's live
    # stream never does: without a limit a restart hung until the service manager
    # killed it. Ordinary requests end well within 3 s; consoles reconnect.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "log_config": log_config(),
        "timeout_graceful_shutdown": 3,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    _several(settings)
    uvicorn.run("omstilling.web.app:create_app", factory=True, workers=workers, **options)


SQLITE_ONE_PROCESS = (
    "--workers above 1 needs PostgreSQL: on SQLite the live events (incoming calls on "
    "their way to the consoles) and news of each change stay inside one process, so a "
    "console on one worker would miss calls received by another; run one worker, or "
    "serve a postgresql:// database"
)


def _several(settings: Settings) -> None:
    """Before several worker processes start: refused on SQLite; the schema brought up to
    date once, here, not by every worker at once; the settings handed to the workers
    through the environment (each builds its app with `create_app()`)."""
    import os

    from omstilling.store.db import ensure_schema, make_engine

    engine = make_engine(settings.database_url)
    try:
        if engine.dialect.name != "postgresql":
            raise fail(SQLITE_ONE_PROCESS, 2)
        ensure_schema(engine)
    finally:
        engine.dispose()
    os.environ.update(
        OMSTILLING_DATABASE_URL=settings.database_url,
        OMSTILLING_HOST=settings.host,
        OMSTILLING_PORT=str(settings.port),
        OMSTILLING_COOKIE_SECURE=str(settings.cookie_secure).lower(),
        OMSTILLING_WORKERS=str(settings.workers),
    )
    if settings.secret_key is not None:
        os.environ["OMSTILLING_SECRET_KEY"] = settings.secret_key


def log_config() -> dict[str, Any]:
    """Uvicorn's own logging, and ours beside it at INFO in the same format: without it
    the app's messages below WARNING (a login, how long the organisation took to load)
    went nowhere."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["omstilling"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _refused(exc: Any) -> str:
    why = []
    for e in exc.errors():
        text = str(e["msg"]).removeprefix("Value error, ")
        name = "OMSTILLING_" + "_".join(str(part) for part in e["loc"]).upper()
        why.append(text if text.startswith(name) else f"{name}: {text}")
    return "; ".join(why)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on [OMSTILLING_HOST, 127.0.0.1]")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port to listen on [OMSTILLING_PORT, 8000]")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Server processes [OMSTILLING_WORKERS, 1]; above 1 needs PostgreSQL",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Run the web app (API and console) on the given address."""
    from pydantic import ValidationError

    from omstilling.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        # Refused at start-up: each setting by its name and why, not a traceback.
        raise fail(_refused(exc), 2) from None
    _run(
        database_url(db),
        host if host is not None else settings.host,
        port if port is not None else settings.port,
        settings.secret_key,
        settings.cookie_secure,
        workers if workers is not None else settings.workers,
    )


@app.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    build_only: Annotated[
        bool, typer.Option("--build-only", help="Build the demo, do not serve")
    ] = False,
) -> None:
    """Build the demo municipality (Randers) in ./omstilling-demo.db and serve it."""
    from omstilling.demo.build import DEMO_DB, DEMO_SECRET, build_demo

    info = build_demo()
    typer.echo(
        f"Demo: Randers Kommune, {info.units} enheder, {info.employees} medarbejdere, "
        f"{info.tasks} opgaver ({DEMO_DB}, revision {info.revision})."
    )
    # Call history (omstilling.demo.calls): a simulated 4th quarter 2026 of
    # queue_log, so the statistics have a story; a second build adds nothing.
    from omstilling.demo.calls import import_demo_calls
    from omstilling.demo.quality import import_demo_test_calls
    from omstilling.store.db import make_engine
    from omstilling.store.organisation import load_organisation

    engine = make_engine(info.url)
    with engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None  # build_demo imported it
    calls = import_demo_calls(engine, org)
    measured = import_demo_test_calls(engine, org)
    engine.dispose()
    typer.echo(f"Opkaldshistorik: {calls.calls_added} nye opkald (4. kvartal 2026).")
    typer.echo(f"Servicemålinger: {measured} nye testopkald (4. kvartal 2026).")
    if build_only:
        return
    typer.echo(f"Åbn http://{host}:{port}/ og log ind (adgangskoderne står i {DEMO_SECRET}):")
    for username, password in info.passwords.items():
        typer.echo(f"  {username:12} {password}")
    typer.echo(f"API'et: http://{host}:{port}/docs")
    # Browsers treat http://127.0.0.1 and localhost as secure, but not every browser
    # does; on a loopback demo the cookie may travel without the Secure flag.
    loopback = host in ("127.0.0.1", "localhost", "::1")
    _run(info.url, host, port, info.secret_key, cookie_secure=not loopback)
