"""serve and demo: run the web app."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from omstilling.cli import app
from omstilling.cli.common import DbOption, database_url

DEMO_DB = Path("omstilling-demo.db")
DEMO_SECRET = Path("omstilling-demo.secret")

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on")]
PortOption = Annotated[int, typer.Option("--port", help="Port to listen on")]


def _run(url: str, host: str, port: int, secret_key: str | None) -> None:
    import uvicorn

    from omstilling.settings import Settings
    from omstilling.web.app import create_app

    settings = Settings(database_url=url, secret_key=secret_key, host=host, port=port)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000, db: DbOption = None) -> None:
    """Run the web app (API and console) on the given address."""
    from omstilling.settings import Settings

    _run(database_url(db), host, port, Settings().secret_key)


@app.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    build_only: Annotated[
        bool, typer.Option("--build-only", help="Build the demo, do not serve")
    ] = False,
) -> None:
    """Build the demo municipality (Randers) in ./omstilling-demo.db and serve it."""
    from omstilling import orgfile
    from omstilling.demo_org import demo_yaml
    from omstilling.store.db import ensure_schema, make_engine
    from omstilling.store.organisation import import_organisation

    url = f"sqlite:///{DEMO_DB}"
    engine = make_engine(url)
    ensure_schema(engine)
    result = orgfile.parse(demo_yaml())
    summary = import_organisation(
        engine, result.organisation, file_revision=None, actor="demo", force=True
    )
    if not DEMO_SECRET.exists():
        DEMO_SECRET.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        DEMO_SECRET.chmod(0o600)
    org = result.organisation
    typer.echo(
        f"Demo: {org.municipality.name}, {len(org.units)} enheder, "
        f"{len(org.employees)} medarbejdere, {len(org.tasks)} opgaver "
        f"({DEMO_DB}, revision {summary.revision})."
    )
    if build_only:
        return
    typer.echo(
        f"Åbn http://{host}:{port}/docs for API'et (JSON under /api/v1). "
        "Der er endnu ingen login: API'et er åbent på denne maskine."
    )
    _run(url, host, port, DEMO_SECRET.read_text(encoding="utf-8").strip())
