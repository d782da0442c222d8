"""What the served app shows of a sync (issue 14 items 4 and 6): the new organisation
within seconds while it keeps answering, the advice to the unit after a leaver (R3.5),
the flag on the unit editor's page and on the boards until decided, the admin page."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from omstilling import accounts
from omstilling.settings import Settings
from omstilling.store.sync_runs import open_flags
from omstilling.sync.apply import run_sync
from omstilling.web.app import create_app
from tests.conftest import api_client
from tests.sync.helpers import csv_sync, import_mini, write_csv
from tests.sync.test_apply import OWNED, ROWS
from tests.sync.test_cli import sync_file
from tests.web.session import PASSWORD, csrf, sign_in

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def advice(client: Any) -> Any:
    r = client.post(
        "/api/v1/advice", json={"task": "kontanthjaelp", "birth_day": 5, "at": "2026-11-30T10:00"}
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_r2_6_r3_5_the_served_app_follows_a_sync_run_by_another_process(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    """A sync run by `omstilling sync` in another process: the running app answers from the
    new organisation within seconds (it never stopped answering), and the advice for
    Mette's cases, after she left, goes to her unit (R3.5)."""
    import_mini(engine, **OWNED)
    app = create_app(Settings(database_url=db_url), engine=engine)
    with api_client(app) as client:
        assert advice(client)["employee"] == "mette-jobcenter"
        rows = [list(r) for r in ROWS if r[0] != "3"]
        rows[0][1] = "Jens Krog-Hansen"
        path = sync_file(tmp_path, rows)
        done = subprocess.run(
            [sys.executable, "-m", "omstilling", "sync", "--force", str(path), "--db", db_url],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 30  # seconds as a rule; a loaded test machine is slow
        while time.monotonic() < deadline:
            jens = client.get("/api/v1/employees/jens-jobcenter").json()
            if jens.get("name") == "Jens Krog-Hansen":
                break
            time.sleep(0.1)
        assert jens["name"] == "Jens Krog-Hansen"
        assert client.get("/api/v1/employees/mette-jobcenter").status_code == 404
        after = advice(client)
        assert after.get("employee") is None and after["unit"] == "jobcenter"


def test_r3_5_the_flag_shows_on_the_editor_page_and_the_boards_until_decided(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    import_mini(engine, **OWNED)
    rows = [r for r in ROWS if r[0] != "3"]
    result = run_sync(engine, csv_sync(write_csv(tmp_path / "hr.csv", rows)), now=NOW)
    assert result.outcome == "done", result.errors
    accounts.add_user(engine, "red", "editor", PASSWORD, unit_id="jobcenter")
    accounts.add_user(engine, "admin", "admin", PASSWORD)
    accounts.add_user(engine, "op", "operator", PASSWORD)
    app = create_app(Settings(database_url=db_url), engine=engine)
    with sign_in(app, "op") as client:
        boards = client.get("/tavler").text
        assert "Fratrådt" in boards and "fordelingen 1-15 gik til Mette Dahl" in boards
    with sign_in(app, "admin") as client:
        page = client.get("/synkronisering")
        assert page.status_code == 200
        assert "Fratrådt: Mette Dahl" in page.text and "Gennemført" in page.text
    with sign_in(app, "red") as client:
        page = client.get("/enheder/jobcenter").text
        assert 'id="fratraadte"' in page and "fordelingen 1-15 gik til Mette Dahl" in page
        flag = open_flags(engine, ["jobcenter"])[0]
        r = client.post(
            f"/enheder/jobcenter/fratraadt/{flag.id}", data={"csrf_token": csrf(client)}
        )
        assert r.status_code == 303
        assert 'id="fratraadte"' not in client.get("/enheder/jobcenter").text
        assert client.get("/synkronisering").status_code == 403
    assert open_flags(engine) == []
    with sign_in(app, "op") as client:
        assert "fordelingen 1-15" not in client.get("/tavler").text
