"""`omstilling sync` as IT runs it (issue 14 item 6): the report per unit, the exit codes
of spec/sync.md, --dry-run, and --every with one run at a time across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
import yaml
from sqlalchemy import Engine, select

from omstilling.cli.sync import parse_interval
from omstilling.store.models import AuditEntry
from omstilling.store.sync_models import SyncRunRow
from omstilling.store.sync_runs import last_runs
from tests.sync.helpers import import_mini, org_of, write_csv
from tests.sync.test_apply import OWNED, ROWS


def omstilling(
    *args: str, db: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omstilling", *args, "--db", db],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def sync_file(tmp_path: Path, rows: list[list[str]], **extra: object) -> Path:
    write_csv(tmp_path / "hr.csv", rows)
    doc = {
        "format": "omstilling-sync/1",
        "name": "hr",
        "source": {"kind": "csv", "path": "hr.csv"},  # relative to the sync file
        "fields": {"external_id": "Medarbejdernr", "name": "Navn", "title": "Stilling",
                   "phone": "Telefon", "email": "Email"},
        "units": {"by": "Afdeling", "map": {"Jobcenter": "jobcenter", "Familie": "familie"}},
        **extra,
    }  # fmt: skip
    path = tmp_path / "hr-sync.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_dry_run_then_run_print_per_unit_and_exit_0(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    import_mini(engine, **OWNED)
    rows = [list(r) for r in ROWS]
    rows[0][1] = "Jens Krog-Hansen"
    rows[4][5] = "Jobcenter"
    rows[5][6] = "010170-1234"  # a CPR column, named, never shown
    path = sync_file(tmp_path, rows)
    before = org_of(engine).revision
    dry = omstilling("sync", "--dry-run", str(path), db=db_url, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert org_of(engine).revision == before
    assert "jobcenter:\n" in dry.stdout
    assert "  ~ Jens Krog-Hansen: name Jens Krog → Jens Krog-Hansen" in dry.stdout
    assert "  > Anne Andersen: familie → jobcenter" in dry.stdout
    assert "ignored column 'CPR'" in dry.stdout
    assert (
        "would be: added 0, changed 1, moved 1, left 0, returned 0; nothing was changed"
        in dry.stdout
    )
    real = omstilling("sync", str(path), db=db_url, cwd=tmp_path)
    assert real.returncode == 0, real.stderr
    assert f"revision {before + 1}" in real.stdout
    assert "1234" not in dry.stdout + dry.stderr + real.stdout + real.stderr
    assert org_of(engine).employees["anne-familie"].unit == "jobcenter"
    # Nor in the audit trail or the runs' records.
    with engine.connect() as conn:
        stored = repr(conn.execute(select(AuditEntry.__table__)).all())
        stored += repr(conn.execute(select(SyncRunRow.__table__)).all())
    assert "hr" in stored and "010170" not in stored and "1234" not in stored


def test_exit_3_when_refused_and_1_on_an_error(engine: Engine, db_url: str, tmp_path: Path) -> None:
    import_mini(engine, **OWNED)
    path = sync_file(tmp_path, ROWS[:4])  # 2 of 6 would leave
    refused = omstilling("sync", str(path), db=db_url, cwd=tmp_path)
    assert refused.returncode == 3, refused.stderr
    assert "would leave, more than left.max_share 10%" in refused.stderr
    assert omstilling("sync", "--dry-run", str(path), db=db_url, cwd=tmp_path).returncode == 3
    forced = omstilling("sync", "--force", str(path), db=db_url, cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "  - Anne Andersen (left)" in forced.stdout
    bad = sync_file(tmp_path, ROWS, left={"max_share": "ti procent"})
    r = omstilling("sync", str(bad), db=db_url, cwd=tmp_path)
    assert r.returncode == 1
    assert f"{bad}: left.max_share: must be a share between 0 and 1" in r.stderr
    nowhere = tmp_path / "nowhere.yaml"
    r = omstilling("sync", str(nowhere), db=db_url, cwd=tmp_path)
    assert r.returncode == 1
    assert f"{nowhere}: cannot be read (No such file or directory)" in r.stderr
    missing = sync_file(tmp_path, ROWS, fields={"external_id": "Id", "name": "Navn"})
    r = omstilling("sync", str(missing), db=db_url, cwd=tmp_path)
    assert r.returncode == 1 and "external_id: column 'Id'" in r.stderr


def test_every_runs_one_sync_at_a_time_across_processes(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    """--every holds the sync's lock between rounds: a second run elsewhere is refused."""
    import_mini(engine, **OWNED)
    path = sync_file(tmp_path, ROWS)
    cmd = [sys.executable, "-m", "omstilling", "sync", "--every", "10m", str(path), "--db", db_url]
    every = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not last_runs(engine) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert last_runs(engine), "the scheduled sync did not run"
        other = omstilling("sync", str(path), db=db_url, cwd=tmp_path)
        assert other.returncode == 1
        assert "another sync is running" in other.stderr
    finally:
        every.terminate()
        every.wait(20)
    assert every.returncode == 143
    assert len(last_runs(engine)) == 1
    # It let go of the lock when stopped: the next run goes ahead.
    assert omstilling("sync", str(path), db=db_url, cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h", 3600), ("90", 90), ("30s", 30)])
def test_intervals(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["5s", "kvarter", "15 min"])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_interval(text)
