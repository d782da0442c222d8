"""Files imported in any order give the records a time-ordered import gives.

logrotate names Asterisk's logs queue_log (newest), queue_log.1, queue_log.2, so
`omstilling calls import-queue-log queue_log*` hands them over newest first, and
calls that span a rotation have their end in one file and their start in the
next. The importer must neither fail nor split such calls, whatever the order
and however far apart (the session forgets calls older than four hours).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from omstilling.calls.logfiles import text_size
from omstilling.calls.queue_log import import_files, import_lines, in_time_order
from omstilling.calls.rebuild import rebuild

DAY = 86_400
START = 1_796_112_000  # 2026-12-01 08:00 Copenhagen


def _lines(days: int) -> list[str]:
    out: list[tuple[int, str]] = []
    n = 0
    for day in range(days):
        for minute in range(0, 8 * 60, 3):  # a call every 3 minutes, 8 hours a day
            t, cid, q = START + day * DAY + minute * 60, f"{START}.{n}", f"q{n % 3}"
            out.append((t, f"{t}|{cid}|{q}|NONE|ENTERQUEUE||+4520{n:06d}|1"))
            if n % 5 == 0:
                out.append((t + 5, f"{t + 5}|{cid}|{q}|PJSIP/2|RINGNOANSWER|5000"))
            if n % 7 == 0:
                out.append((t + 20, f"{t + 20}|{cid}|{q}|NONE|ABANDON|1|1|20"))
            else:
                out.append((t + 12, f"{t + 12}|{cid}|{q}|PJSIP/1|CONNECT|12|{cid}|3"))
                out.append((t + 200, f"{t + 200}|{cid}|{q}|PJSIP/1|COMPLETEAGENT|12|188|1"))
            n += 1
    out.sort(key=lambda x: x[0])
    return [line for _, line in out]


def _write(tmp: Path, lines: list[str], cut: list[int]) -> list[Path]:
    """Rotated files: the oldest part gets the highest number."""
    parts = [lines[a:b] for a, b in zip([0, *cut], [*cut, len(lines)], strict=True)]
    names = ["queue_log"] + [f"queue_log.{i}" for i in range(1, len(parts))]
    files = []
    for name, part in zip(reversed(names), parts, strict=True):
        path = tmp / name
        path.write_text("\n".join(part) + "\n")
        files.append(path)
    return files


def _state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            "records": [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT call_id, queue, entered_at, caller, outcome, wait_seconds,"
                        " talk_seconds, ring_no_answer, has_enter FROM call_records"
                        " ORDER BY call_id, queue"
                    )
                )
            ],
            "hourly": [
                tuple(r)
                for r in conn.execute(
                    text("SELECT * FROM call_stats_hourly ORDER BY queue, day, hour")
                )
            ],
        }


@pytest.mark.parametrize("order", ["glob", "reversed"])
def test_rotated_logs_in_any_order_give_the_records_of_a_time_ordered_import(
    engine: Engine, tmp_path: Path, order: str
) -> None:
    lines = _lines(days=3)
    # Cut inside calls (their start in one file, their end in the next).
    cuts = [len(lines) // 3 + 1, 2 * len(lines) // 3 + 2]
    files = _write(tmp_path, lines, cuts)
    given = sorted(files) if order == "glob" else list(reversed(files))
    assert given[0].name == "queue_log"  # newest first
    summary = import_files(engine, given, chunk_size=400)
    assert summary.files == 3 and summary.lines == len(lines)
    calls = sum(1 for line in lines if "|ENTERQUEUE|" in line)
    assert summary.calls_added == calls
    imported = _state(engine)
    rebuild(engine)  # replays the raw log in time order
    assert imported == _state(engine)
    assert len(imported["records"]) == calls


def test_sources_out_of_order_neither_fail_nor_split_calls(engine: Engine) -> None:
    """import_lines takes sources as given (no reordering): the session must look up
    the calls it has already forgotten when an earlier period comes after a later one,
    and a call first seen by a ring without answer (which does not tell when the
    call entered) must take its entry when ENTERQUEUE comes."""
    lines = _lines(days=3)
    a, b = len(lines) // 3 + 1, 2 * len(lines) // 3 + 2
    sources = [("new", lines[b:]), ("middle", lines[a:b]), ("old", lines[:a])]
    summary = import_lines(engine, sources, chunk_size=400)
    calls = sum(1 for line in lines if "|ENTERQUEUE|" in line)
    assert summary.calls_added == calls
    imported = _state(engine)
    rebuild(engine)
    assert imported == _state(engine)


def test_compressed_rotated_logs_are_read(engine: Engine, tmp_path: Path) -> None:
    lines = _lines(days=2)
    cut = len(lines) // 2 + 1
    old = tmp_path / "queue_log.1.gz"
    with gzip.open(old, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines[:cut]) + "\n")
    new = tmp_path / "queue_log"
    new.write_text("\n".join(lines[cut:]) + "\n")
    assert in_time_order([new, old]) == [old, new]
    assert text_size(old) == len(("\n".join(lines[:cut]) + "\n").encode())
    summary = import_files(engine, [new, old], chunk_size=400)
    assert summary.lines == len(lines)
    assert summary.calls_added == sum(1 for line in lines if "|ENTERQUEUE|" in line)
