"""Every public scenario: through the CLI on SQLite, and through the API on PostgreSQL."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from typer.testing import CliRunner

from omstilling import orgfile
from omstilling.cli import app as cli_app
from omstilling.cli import org as _org  # noqa: F401  (registers the commands)
from omstilling.cli import routing as _routing  # noqa: F401
from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.models import AbsenceRow, UnitAwayRow
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.acceptance.scenarios import load_scenarios, mismatches
from tests.conftest import api_client

FIXTURE, SCENARIOS = load_scenarios()
pytestmark = pytest.mark.skipif(not SCENARIOS, reason="../shared/acceptance is absent")
IDS = [s["id"] for s in SCENARIOS]
ASK_OPTIONS = {
    "employee": "--employee",
    "unit": "--unit",
    "task": "--task",
    "birth_day": "--birth-day",
    "surname": "--surname",
    "postcode": "--postcode",
}


def cli(runner: CliRunner, db: str, *args: str) -> str:
    result = runner.invoke(cli_app, [*args, "--db", db])
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("acceptance") / "template.db"
    result = CliRunner().invoke(cli_app, ["import", str(FIXTURE), "--db", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(path) as conn:  # fold the WAL into the file before copying it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_scenario_through_the_cli_on_sqlite(
    scenario: dict[str, Any], template_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "scenario.db"
    shutil.copy(template_db, path)
    db = f"sqlite:///{path}"
    runner = CliRunner()
    given = scenario.get("given") or {}
    for a in given.get("absences", []):
        args = ["absence", "set", a["employee"], a["code"], "--from", a["from"]]
        if a.get("until"):
            args += ["--until", a["until"]]
        cli(runner, db, *args)
    for w in given.get("unit_away", []):
        cli(
            runner,
            db,
            "unit-away",
            w["unit"],
            "--from",
            w["from"],
            "--until",
            w["until"],
            "--note",
            w.get("note", ""),
        )
    for b in given.get("unit_back", []):
        cli(runner, db, "unit-back", b["unit"], "--at", b["at"])
    args = ["advise"]
    ask = scenario["ask"]
    if ask.get("query"):
        args.append(ask["query"])
    for key, option in ASK_OPTIONS.items():
        if ask.get(key) is not None:
            args += [option, str(ask[key])]
    answer = json.loads(cli(runner, db, *args, "--at", scenario["at"], "--json"))
    assert mismatches(scenario["expect"], answer) == [], scenario["title"]


@pytest.fixture(scope="module")
def pg_client(request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, Engine]]:
    url = request.getfixturevalue("postgres_module_url")
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(
        engine,
        orgfile.parse_text(FIXTURE.read_text(encoding="utf-8")),
        file_revision=None,
        actor="test",
    )
    with api_client(create_app(Settings(database_url=url), engine=engine)) as client:
        yield client, engine
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_scenario_through_the_api_on_postgresql(
    scenario: dict[str, Any], pg_client: tuple[TestClient, Engine]
) -> None:
    client, engine = pg_client
    with engine.begin() as conn:
        conn.execute(delete(AbsenceRow))
        conn.execute(delete(UnitAwayRow))
    given = scenario.get("given") or {}
    for a in given.get("absences", []):
        r = client.put(
            f"/api/v1/employees/{a['employee']}/absence",
            json={"code": a["code"], "from": a["from"], "until": a.get("until")},
        )
        assert r.status_code == 200, r.text
    for w in given.get("unit_away", []):
        r = client.post(
            f"/api/v1/units/{w['unit']}/away",
            json={"from": w["from"], "until": w["until"], "note": w.get("note", "")},
        )
        assert r.status_code == 201, r.text
    for b in given.get("unit_back", []):
        r = client.post(f"/api/v1/units/{b['unit']}/back", json={"at": b["at"]})
        assert r.status_code == 200, r.text
    ask = dict(scenario["ask"])
    body = {("q" if k == "query" else k): v for k, v in ask.items()}
    r = client.post("/api/v1/advice", json={**body, "at": scenario["at"]})
    assert r.status_code == 200, r.text
    assert mismatches(scenario["expect"], r.json()) == [], scenario["title"]
