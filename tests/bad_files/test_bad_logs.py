"""Bad queue_log and CDR files through `omstilling calls import-queue-log` and `import-cdr`
(issue 12, the bad-file tests). A malformed line is skipped and reported as FILE:LINE, the
valid lines are stored (compared row for row with an import of the valid lines alone), a
file that is mostly not call data exits 1 naming it, a file that breaks off stores nothing
half-done, and memory stays within a bound of a good import's.

Not repeated here: a long line amid valid ones (tests/calls/test_long_fields.py), the
re-run after a truncated .gz and --max-malformed (tests/calls/test_import_endings.py).
"""

from __future__ import annotations

import gzip
import random
import re
from pathlib import Path

import pytest

from tests.bad_files.conftest import (
    GOOD_CDR,
    MB,
    References,
    assert_bounded,
    assert_clean,
    call_data,
    cli,
    expected_call_data,
    gzip_bomb,
    snapshot,
    write_repeated,
)
from tests.calls.conftest import HANDCOUNT

COMMANDS = {"queue_log": "import-queue-log", "cdr": "import-cdr"}
NAMES = {"queue_log": "queue_log", "cdr": "Master.csv"}
# Megabytes of one line, and of a gzip bomb's one line: the CDR importer reads its lines
# with the same bounded reader as queue_log's, so its files are smaller (seconds count).
HUGE = {"queue_log": 300, "cdr": 100}
BOMB = {"queue_log": 1024, "cdr": 256}
SKIPPED_LONG = "skipped: longer than 4,096 characters (the rest was not read)"


def good(kind: str) -> bytes:
    return HANDCOUNT.read_bytes() if kind == "queue_log" else GOOD_CDR.encode()


def good_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"good-{NAMES[kind]}"
    path.write_bytes(good(kind))
    return path


@pytest.fixture(scope="module")
def huge_first_lines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A line of 300 MB (CDR: 100 MB) first, then the good lines, written as it goes. The
    line comes first because choosing the order of queue_log files reads the first lines."""
    where = tmp_path_factory.mktemp("huge")
    files = {}
    for kind in COMMANDS:
        path = where / NAMES[kind]
        with path.open("wb") as fh:
            write_repeated(fh, b"8", HUGE[kind])
            fh.write(b"\n" + good(kind))
        files[kind] = path
    return files


@pytest.mark.parametrize("kind", COMMANDS)
def test_a_300_mb_first_line_is_skipped_and_the_rest_stored(
    kind: str,
    huge_first_lines: dict[str, Path],
    seeded: str,
    tmp_path: Path,
    references: References,
) -> None:
    """issue 12: a 300 MB line is line 1, skipped, with bounded memory (queue_log's look at
    the first lines read it whole: 700 MB); the valid lines are stored on both engines."""
    path = huge_first_lines[kind]
    run = cli("calls", COMMANDS[kind], path, "--db", seeded, cwd=tmp_path)
    assert run.code == 0, run.err
    assert f"{path}:1: {SKIPPED_LONG}" in run.err_lines
    assert_bounded(run, references, kind)
    assert call_data(seeded) == expected_call_data(tmp_path, kind, good_file(tmp_path, kind))


@pytest.mark.parametrize("kind", COMMANDS)
def test_a_gzip_bomb_is_read_with_bounded_memory(
    kind: str, seeded_sqlite: str, tmp_path: Path, references: References
) -> None:
    """issue 12: a 1 MB .gz that holds the good lines and then 1 GB (CDR: 256 MB) of one
    line."""
    path = tmp_path / f"{NAMES[kind]}.1.gz"
    gzip_bomb(path, good(kind), b"7", BOMB[kind], b"\n")
    assert path.stat().st_size < 2 * MB
    run = cli("calls", COMMANDS[kind], path, "--db", seeded_sqlite, cwd=tmp_path)
    assert run.code == 0, run.err
    number = good(kind).count(b"\n") + 1
    assert f"{path}:{number}: {SKIPPED_LONG}" in run.err_lines
    assert_bounded(run, references, kind)
    expected = expected_call_data(tmp_path, kind, good_file(tmp_path, kind))
    assert call_data(seeded_sqlite) == expected


@pytest.mark.parametrize("kind", COMMANDS)
def test_a_truncated_gzip_stops_naming_the_file_and_stores_nothing_half_done(
    kind: str, seeded_sqlite: str, tmp_path: Path, references: References
) -> None:
    """issue 12: a .gz cut off: exit 1, the file named; its one batch is not stored."""
    whole = gzip.compress(good(kind) * 3)
    path = tmp_path / f"{NAMES[kind]}.2.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    before = snapshot(seeded_sqlite)
    run = cli("calls", COMMANDS[kind], path, "--db", seeded_sqlite, cwd=tmp_path)
    assert run.code == 1, run.err
    assert run.err_lines[-1].startswith(f"error: {path}: the import stopped after "), run.err
    assert "Compressed file ended before the end-of-stream marker" in run.err_lines[-1]
    assert_clean(run, path)
    assert_bounded(run, references, kind)
    assert snapshot(seeded_sqlite) == before


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(12).randbytes(MB))


def nul_bytes(path: Path) -> None:
    path.write_bytes(b"\0" * MB)


GARBAGE = {
    "random bytes": ("", random_bytes, r"\d+ of \d+ line\(s\) were malformed"),
    "random bytes .gz": (".gz", random_bytes, "the import stopped after 0 byte"),
    "NUL bytes": ("", nul_bytes, r"1 of 1 line\(s\) were malformed"),
}


@pytest.mark.parametrize("kind", COMMANDS)
@pytest.mark.parametrize("garbage", GARBAGE)
def test_a_file_of_garbage_exits_1_naming_it_and_stores_nothing(
    kind: str, garbage: str, seeded_sqlite: str, tmp_path: Path, references: References
) -> None:
    """issue 12: random bytes (plain and .gz) and NUL bytes: exit 1, the last line names
    the file, the database is unchanged."""
    suffix, write, message = GARBAGE[garbage]
    path = tmp_path / f"{NAMES[kind]}{suffix}"
    write(path)
    before = snapshot(seeded_sqlite)
    run = cli("calls", COMMANDS[kind], path, "--db", seeded_sqlite, cwd=tmp_path)
    assert run.code == 1, run.err
    assert run.err_lines[-1].startswith(f"error: {path}: "), run.err
    assert re.search(message, run.err_lines[-1]), run.err
    assert "Traceback" not in run.err
    assert_bounded(run, references, kind)
    assert snapshot(seeded_sqlite) == before


# Lines that must be skipped, each with the reason it is given: before issue 12's tests a
# NUL aborted the import on PostgreSQL, a number past 32 bits or "1e400" aborted it on
# both engines (with a traceback that quoted callers' numbers), "²" raised a ValueError,
# and bytes that are not UTF-8 were stored as U+FFFD.
BAD_QUEUE_LOG = [
    (b"1796112500|c50|borger\xe6service|NONE|ENTERQUEUE||+4520000050|1", "not UTF-8"),
    (b"1796112510|c51|borgerservice|NONE|ENTERQUEUE||+4520\x00000051|1", "holds a NUL byte"),
    (b"1796112520|c1|borgerservice|PJSIP/1501|CONNECT|99999999999|x|1", "holdtime is more"),
    ("1796112530|c1|borgerservice|PJSIP/1501|CONNECT|²|x|1".encode(), "holdtime is not a"),
    (b"1796112540|c3|borgerservice|NONE|ABANDON|1|1|1e400", "waittime is not a number"),
    (b"1796112550|c3|borgerservice|NONE|COMPLETECALLER|1|-99999999999", "calltime is more"),
]
_ROW = GOOD_CDR.splitlines()[0].replace("10:00:", "11:30:")
BAD_CDR = [
    (_ROW.replace('"89151500"', '"8915\xe61500"').encode("latin-1"), "dst is not UTF-8"),
    (_ROW.replace('"20304050"', '"2030\x004050"').encode(), "src holds a NUL byte"),
]
# Still stored: the caller's name (clid) in Latin-1, as an old PBX may write it (never kept).
LATIN1_CLID = _ROW.replace('"ctx",""', '"ctx","S\xf8ren"').replace("11:30:", "11:40:")


@pytest.mark.parametrize("kind", COMMANDS)
def test_bad_lines_among_good_ones_in_crlf_are_skipped_and_the_rest_stored(
    kind: str, seeded: str, tmp_path: Path, references: References
) -> None:
    """issue 12: a file with CRLF endings and lines that are not UTF-8, hold a NUL, or give
    numbers no column holds: each skipped as FILE:LINE with its reason, exit 0, and the
    database holds what the valid lines alone give, on both engines."""
    lines = good(kind).splitlines()
    if kind == "cdr":
        lines.append(LATIN1_CLID.encode("latin-1"))
    valid = good_file(tmp_path, kind)
    valid.write_bytes(b"\n".join(lines) + b"\n")
    bad = BAD_QUEUE_LOG if kind == "queue_log" else BAD_CDR
    mixed = lines[:10] + [line for line, _ in bad] + lines[10:]
    path = tmp_path / NAMES[kind]
    path.write_bytes(b"\r\n".join(mixed) + b"\r\n")
    run = cli("calls", COMMANDS[kind], path, "--db", seeded, cwd=tmp_path)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    skipped = {line.split(": skipped: ")[0]: line for line in run.err_lines if "skipped" in line}
    for number, (_, reason) in enumerate(bad, 11):
        assert reason in skipped.get(f"{path}:{number}", ""), (number, reason, run.err)
    assert_bounded(run, references, kind)
    assert call_data(seeded) == expected_call_data(tmp_path, kind, valid)
