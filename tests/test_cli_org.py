"""The command line over the organisation file, as an operator or IT would run it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import MINI, mini_text


def run(*args: str, cwd: Path, db: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "omstilling", *args]
    if db:
        cmd += ["--db", db]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def mini_file(tmp_path: Path) -> Path:
    mini_text()
    path = tmp_path / "mini.yaml"
    shutil.copy(MINI, path)
    return path


def test_validate_reports_a_valid_file(mini_file: Path, tmp_path: Path) -> None:
    r = run("validate", str(mini_file), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "valid (7 units, 10 employees, 7 tasks, 1 mailings)" in r.stdout


def test_validate_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    doc = yaml.safe_load(mini_text())
    doc["units"][3]["sensitiv"] = True
    doc["units"][3]["hours"]["phone"] = "Mo-Fx"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = run("validate", str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert f"{bad}: units[3].sensitiv: unknown key 'sensitiv'" in r.stderr
    assert f"{bad}: units[3].hours.phone: invalid opening_hours expression" in r.stderr
    assert "2 error(s); nothing was written" in r.stderr


def test_import_into_an_empty_database_then_export_then_reimport(
    mini_file: Path, tmp_path: Path, db_url: str
) -> None:
    r = run("import", str(mini_file), cwd=tmp_path, db=db_url)
    assert r.returncode == 0, r.stderr
    assert "added 26, changed 0, removed 0; revision 1" in r.stdout
    out = tmp_path / "export.yaml"
    r = run("export", "-o", str(out), cwd=tmp_path, db=db_url)
    assert r.returncode == 0, r.stderr
    r = run("import", str(out), cwd=tmp_path, db=db_url)
    assert "added 0, changed 0, removed 0; no changes" in r.stdout
    r = run("export", cwd=tmp_path, db=db_url)
    assert r.stdout == out.read_text(encoding="utf-8")


def test_dry_run_prints_changes_and_writes_nothing(
    mini_file: Path, tmp_path: Path, sqlite_url: str
) -> None:
    r = run("import", str(mini_file), "--dry-run", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 0, r.stderr
    assert "+ unit jobcenter: added" in r.stdout
    assert "nothing written (dry run)" in r.stdout
    r = run("export", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 1 and "import a file first" in r.stderr


def test_the_default_database_is_a_local_sqlite_file(mini_file: Path, tmp_path: Path) -> None:
    r = run("import", str(mini_file), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "omstilling.db").exists()


def test_db_upgrade_and_check(tmp_path: Path, sqlite_url: str) -> None:
    r = run("db", "upgrade", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 0 and "schema at" in r.stdout
    r = run("db", "check", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 0 and "agree" in r.stdout


def test_stale_revision_is_refused_naming_the_force_option(
    mini_file: Path, tmp_path: Path, sqlite_url: str
) -> None:
    run("import", str(mini_file), cwd=tmp_path, db=sqlite_url)
    doc = yaml.safe_load(mini_text())
    doc["municipality"]["name"] = "Randers"
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert run("import", str(changed), cwd=tmp_path, db=sqlite_url).returncode == 0
    doc["revision"] = 1
    old = tmp_path / "old.yaml"
    old.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = run("import", str(old), cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 1
    assert "revision 1" in r.stderr and "--force" in r.stderr


def test_advise_names_the_action_and_the_needed_fact_as_the_console_does(
    mini_file: Path, tmp_path: Path, sqlite_url: str
) -> None:
    from omstilling.domain.labels import ADVICE_ACTION, CITIZEN_FACT

    run("import", str(mini_file), cwd=tmp_path, db=sqlite_url)
    args = ("advise", "--task", "kontanthjaelp", "--at", "2026-11-30T10:00")
    r = run(*args, cwd=tmp_path, db=sqlite_url)
    as_json = yaml.safe_load(run(*args, "--json", cwd=tmp_path, db=sqlite_url).stdout)
    assert r.returncode == 0
    first = r.stdout.splitlines()[0]
    assert first.startswith(ADVICE_ACTION.label(as_json["action"]))
    assert f"Spørg om: {CITIZEN_FACT.label('birth_day')}" in r.stdout
    r = run(*args, "--birth-day", "03.11.85-1234", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 2 and "never a whole CPR number" in r.stderr
    assert "03.11.85" not in r.stderr + r.stdout


def test_advise_errors_exit_2_and_never_echo_a_cpr_number(
    mini_file: Path, tmp_path: Path, sqlite_url: str
) -> None:
    run("import", str(mini_file), cwd=tmp_path, db=sqlite_url)
    r = run(
        "advise",
        "--task",
        "kontanthjaelp",
        "--birth-day",
        "031185-1234",
        cwd=tmp_path,
        db=sqlite_url,
    )
    assert r.returncode == 2
    assert "only the day of the month" in r.stderr and "031185" not in r.stderr + r.stdout
    r = run("advise", "--employee", "ghost", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 2 and "unknown employee 'ghost'" in r.stderr
    r = run("advise", "--unit", "familie", "--at", "30/11 10:00", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 2 and "YYYY-MM-DDTHH:MM" in r.stderr
    r = run("advise", "", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 2 and "search for" in r.stderr
    r = run("absence", "set", "mette-jobcenter", "nap", cwd=tmp_path, db=sqlite_url)
    assert r.returncode == 2 and "unknown absence code 'nap'" in r.stderr
