"""Hostile organisation files (issue 12 item 1): aliases refused before they expand, and
no error prints more than an excerpt of a value. Memory is measured, not timed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from omstilling import orgfile
from tests.conftest import mini_text


def bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["format: omstilling/1", f"a0: &a0 [{', '.join(['xxxxxxxxxx'] * width)}]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    lines.append(f"revision: *a{levels}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_naming_where_without_expanding() -> None:
    text = bomb()
    assert len(text) < 1000  # a few hundred bytes that would expand to 9**10 scalars
    with pytest.raises(orgfile.OrgFileError) as caught:
        orgfile.parse_text(text)
    [error] = caught.value.errors
    # It points at the anchored value (line 2: a0), found before anything is expanded.
    assert error.startswith("line 2, column ") and "alias" in error and len(error) < 200


def test_any_alias_is_refused_even_a_harmless_one() -> None:
    text = mini_text().replace("format: omstilling/1", "format: &f omstilling/1\nx: *f", 1)
    with pytest.raises(orgfile.OrgFileError, match=r"repeated by an alias \(\*name\)"):
        orgfile.parse_text(text)


def test_a_huge_value_is_quoted_as_an_excerpt_only() -> None:
    huge = "9" * 5_000_000
    text = mini_text().replace(
        "kind: directorate", f"kind: directorate\n    sensitive: '{huge}'", 1
    )
    with pytest.raises(orgfile.OrgFileError) as caught:
        orgfile.parse_text(text)
    assert all(len(e) < 700 for e in caught.value.errors)
    assert any("characters)" in e for e in caught.value.errors)


def test_validate_of_a_bomb_file_stays_small_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(levels=12, width=12))
    code = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-m', 'omstilling', 'validate', sys.argv[1]],"
        " capture_output=True, text=True, timeout=60)\n"
        "print(r.returncode, len(r.stderr) + len(r.stdout),"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    returncode, printed, peak_kb = (int(x) for x in out.stdout.split())
    assert returncode != 0
    assert printed < 2_000
    assert peak_kb < 400 * 1024, f"peak RSS {peak_kb // 1024} MB"
