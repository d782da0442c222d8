"""`omstilling demo`: the demo municipality builds into its own file and answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omstilling", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_builds_its_own_database_and_advises_the_right_caseworker(tmp_path: Path) -> None:
    r = run("demo", "--build-only", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Randers Kommune" in r.stdout
    assert (tmp_path / "omstilling-demo.db").exists()
    assert not (tmp_path / "omstilling.db").exists()  # never the default database
    secret = tmp_path / "omstilling-demo.secret"
    assert len(secret.read_text().strip()) >= 32
    # Building again is idempotent and keeps the same secret.
    before = secret.read_text()
    assert run("demo", "--build-only", cwd=tmp_path).returncode == 0
    assert secret.read_text() == before
    r = run(
        "advise",
        "kontanthjalp",
        "--birth-day",
        "12",
        "--at",
        "2026-11-30T10:00",
        "--json",
        "--db",
        "sqlite:///omstilling-demo.db",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    advice = json.loads(r.stdout)
    assert advice["action"] == "transfer"
    assert advice["employee"] == "mette-kth-oest"
    assert advice["to"] == {
        "kind": "employee",
        "id": "mette-kth-oest",
        "number": advice["to"]["number"],
        "display": advice["to"]["display"],
        **({"extension": advice["to"]["extension"]} if "extension" in advice["to"] else {}),
    }
    assert "R2.2" in advice["rules"]
    assert advice["say"].startswith("Jeg stiller dig om til")


def test_the_example_file_is_the_demo(tmp_path: Path) -> None:
    from omstilling.demo.org import demo_yaml

    example = Path(__file__).resolve().parent.parent / "examples" / "randers.yaml"
    assert example.read_text(encoding="utf-8") == demo_yaml()
    r = run("validate", str(example), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
