"""A path that is a directory or a file that cannot be read, given to each importer
(issue 12, the bad-file tests): one line naming it, a non-zero exit, nothing written.
Before, a directory was "no such file", and an unreadable file was refused by the
command-line parser in a box of several lines that cut its name in two."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_files.conftest import cli, snapshot, unreadable
from tests.calls.conftest import HANDCOUNT
from tests.conftest import MINI

COMMANDS = {
    "organisation file": (["import"], MINI, 1),
    "queue_log": (["calls", "import-queue-log"], HANDCOUNT, 2),
    "CDR": (["calls", "import-cdr"], HANDCOUNT, 2),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("problem", ["a directory", "unreadable"])
def test_a_path_that_is_no_file_to_read(
    command: str, problem: str, seeded_sqlite: str, tmp_path: Path
) -> None:
    """issue 12: a directory or an unreadable file: a clear line naming it, exit non-zero."""
    args, good, code = COMMANDS[command]
    path = tmp_path / "input"
    no_dac = False
    if problem == "a directory":
        path.mkdir()
        expected = f"error: {path}: is a directory"
    else:
        path.write_bytes(good.read_bytes())
        no_dac = unreadable(path)
        expected = f"error: {path}: cannot be read (Permission denied)"
    before = snapshot(seeded_sqlite)
    run = cli(*args, path, "--db", seeded_sqlite, cwd=tmp_path, no_dac=no_dac)
    assert run.code == code, run.err
    assert run.err_lines[0].startswith(expected), run.err
    assert len(run.err_lines) == 1 and "Traceback" not in run.err
    assert snapshot(seeded_sqlite) == before
