"""How a log import ends when the file is not what it should be (issue 12 item 11): a
truncated .gz says how far it got and that re-running is safe; a file of mostly malformed
lines exits non-zero past a set share."""

from __future__ import annotations

import gzip
import os
import random
import re
import subprocess
import sys
from pathlib import Path

from tests.calls.conftest import HANDCOUNT


def run(*args: str, cwd: Path, db: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "omstilling", "calls", *args, "--db", db]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def added(out: str) -> int:
    found = re.search(r"(\d+) call\(s\) added", out)
    assert found, out
    return int(found.group(1))


def test_a_truncated_gzip_says_how_far_it_got_and_rerunning_is_safe(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'calls.db'}"
    whole = tmp_path / "queue_log.gz"
    with gzip.open(whole, "wb") as f:
        f.write(HANDCOUNT.read_bytes())
    broken = tmp_path / "queue_log.1.gz"
    broken.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    r = run("import-queue-log", str(broken), cwd=tmp_path, db=db)
    assert r.returncode == 1, r.stderr
    assert "the import stopped after" in r.stderr and "byte(s) of text" in r.stderr
    assert "running the same import again is safe" in r.stderr
    assert "Traceback" not in r.stderr and r.stderr.strip() != "Aborted."
    first = run("import-queue-log", str(whole), cwd=tmp_path, db=db)
    assert first.returncode == 0, first.stderr
    again = run("import-queue-log", str(whole), cwd=tmp_path, db=db)
    assert again.returncode == 0 and added(again.stdout) == 0
    assert added(first.stdout) > 0


def test_random_bytes_exit_non_zero_past_the_share_of_malformed_lines(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'calls.db'}"
    noise = tmp_path / "noise.log"
    noise.write_bytes(random.Random(12).randbytes(200_000))
    r = run("import-queue-log", str(noise), cwd=tmp_path, db=db)
    assert r.returncode == 1
    assert "malformed (more than 50 %)" in r.stderr and "is this the right file?" in r.stderr
    assert added(r.stdout) == 0
    lenient = run("import-queue-log", str(noise), "--max-malformed", "100", cwd=tmp_path, db=db)
    assert lenient.returncode == 0, lenient.stderr


def test_a_few_malformed_lines_still_exit_zero(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'calls.db'}"
    log = tmp_path / "queue_log"
    log.write_text(HANDCOUNT.read_text() + "not a queue_log line\n")
    r = run("import-queue-log", str(log), cwd=tmp_path, db=db)
    assert r.returncode == 0, r.stderr
    assert "malformed line(s) skipped" in r.stdout and "53" in r.stdout  # the added line


def test_a_cdr_file_of_noise_exits_non_zero(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'calls.db'}"
    noise = tmp_path / "Master.csv"
    noise.write_bytes(os.urandom(50_000).replace(b"\x00", b"x"))
    r = run("import-cdr", str(noise), cwd=tmp_path, db=db)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
