"""Bad organisation files through `omstilling import` (issue 12, the bad-file tests): each is
refused with exit 1, every error line names the file (and the line where there is one),
memory stays within a bound of a good import's, and the database is unchanged, row for
row: the import is all or nothing. (A .gz is not read: it would be refused as not UTF-8,
like the invalid UTF-8 here.)

The refusal comes before the database is opened, so the engine makes no difference; one
case runs on PostgreSQL too, to show it. The alias bomb as such, and the excerpts of huge
values, are tested in process in tests/test_orgfile_hostile.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bad_files.conftest import (
    MB,
    References,
    Run,
    assert_bounded,
    assert_clean,
    cli,
    seed,
    snapshot,
    write_repeated,
)
from tests.conftest import MINI


def alias_bomb(path: Path) -> None:
    """Nested anchors and aliases: 500 bytes that would expand to 12**13 scalars."""
    lines = ["format: omstilling/1", "a0: &a0 [" + ", ".join(["lol"] * 12) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 12) + "]" for i in range(1, 13)]
    path.write_text("\n".join(lines) + "\n")


def laughs_in_a_list(path: Path) -> None:
    """Billion laughs where the units go: each unit a list of ten of the one before."""
    lines = [MINI.read_text().split("units:")[0] + "units:", "  - &u0 {id: lol, name: lol}"]
    lines += [f"  - &u{i} [" + ", ".join([f"*u{i - 1}"] * 10) + "]" for i in range(1, 10)]
    path.write_text("\n".join(lines) + "\n")


def huge_scalar(path: Path) -> None:
    """The good file but for a 50 MB main number (the limit is 64 MB a file)."""
    head, _, rest = MINI.read_text().partition("\n  main_number: ")
    with path.open("wb") as fh:
        fh.write((head + "\n  main_number: '").encode())
        write_repeated(fh, b"9", 50)
        fh.write(("'\n" + rest.split("\n", 1)[1]).encode())


def deep_nesting(path: Path) -> None:
    path.write_text("format: omstilling/1\nunits: " + "[" * 10_000 + "]" * 10_000 + "\n")


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(12).randbytes(MB))


def truncated(path: Path) -> None:
    """Cut off in the middle of a line: a quoted text never closed."""
    text = MINI.read_text()
    cut = text.index("name: ", len(text) // 2) + len("name: ") + 2
    path.write_text(text[:cut].replace("name: ", "name: '", 1))


def invalid_utf8(path: Path) -> None:
    text = MINI.read_bytes()
    at = text.index(b"Borgerservice")
    path.write_bytes(text[:at] + b"Borger\xe6service" + text[at + len(b"Borgerservice") :])


def nul_bytes(path: Path) -> None:
    path.write_bytes(b"\0" * MB)


# The case, the error it gives (after "FILE: "), and memory allowed beyond the bound: the
# 50 MB value is held by the parser's buffer and then as text while one becomes the other
# (the file itself, and a copy as text, were two more before issue 12's tests).
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "alias bomb": (alias_bomb, r"line 2, column 5: .*no anchors or aliases"),
    "billion laughs in a list": (laughs_in_a_list, r"line \d+, column \d+: .*no anchors"),
    "a 50 MB scalar": (huge_scalar, r"municipality\.main_number: .*\(52,428,800 characters\)"),
    "10,000 levels of nesting": (deep_nesting, r"line 2, column \d+: invalid YAML: .*depth"),
    "random bytes": (random_bytes, r"line 1: not UTF-8 \(byte \d+\)"),
    "a truncated file": (truncated, r"line \d+, column \d+: invalid YAML: "),
    "invalid UTF-8": (invalid_utf8, r"line \d+: not UTF-8 \(byte \d+\)"),
    "NUL bytes": (nul_bytes, r"line 1, column 1: invalid YAML: .*#x0000"),
}


def refused(run: Run, path: Path, pattern: str) -> None:
    assert run.code == 1, run.err
    assert_clean(run, path)
    assert any(re.match(f"{re.escape(str(path))}: {pattern}", line) for line in run.err_lines), (
        run.err
    )
    assert run.err_lines[-1].endswith("nothing was written")


@pytest.mark.parametrize("case", CASES)
def test_a_bad_organisation_file_is_refused_with_bounded_memory(
    case: str, seeded_sqlite: str, tmp_path: Path, references: References
) -> None:
    """issue 12: each bad file is refused naming the file and where; the database is
    unchanged; memory stays within the bound (the alias bomb would take gigabytes)."""
    write, pattern = CASES[case]
    path = tmp_path / "organisation.yaml"
    write(path)
    before = snapshot(seeded_sqlite)
    run = cli("import", path, "--db", seeded_sqlite, cwd=tmp_path)
    refused(run, path, pattern)
    assert_bounded(run, references, "org", extra_mb=100 if case == "a 50 MB scalar" else 0)
    assert snapshot(seeded_sqlite) == before


@pytest.mark.postgres
def test_a_refused_file_leaves_postgresql_unchanged(
    postgres_url: str, tmp_path: Path, references: References
) -> None:
    """issue 12: the same on PostgreSQL (the refusal comes before the database is opened)."""
    seed(postgres_url)
    path = tmp_path / "organisation.yaml"
    alias_bomb(path)
    before = snapshot(postgres_url)
    run = cli("import", path, "--db", postgres_url, cwd=tmp_path)
    refused(run, path, CASES["alias bomb"][1])
    assert_bounded(run, references, "org")
    assert snapshot(postgres_url) == before
