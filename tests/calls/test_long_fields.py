"""Over-long queue_log and CDR fields and lines (issue 12 item 6): a field longer than its
column is a malformed line, skipped with its number, on both engines (PostgreSQL aborted
the whole import), and a huge line is read with a bound (memory measured, not timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, func, select

from omstilling.calls.cdr import import_cdr_file
from omstilling.calls.logfiles import MAX_LINE
from omstilling.calls.models import CallRecord
from omstilling.calls.queue_log import import_files
from tests.calls.conftest import HANDCOUNT

LONG = "4" * 200


def records(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(CallRecord)).scalar_one())


def test_a_caller_longer_than_its_column_is_a_malformed_line(
    org_engine: Engine, tmp_path: Path
) -> None:
    lines = HANDCOUNT.read_text().splitlines()
    bad = f"1796112000|9999.1|borgerservice|NONE|ENTERQUEUE||{LONG}|1"
    log = tmp_path / "queue_log"
    log.write_text("\n".join([*lines[:10], bad, *lines[10:]]) + "\n")
    summary = import_files(org_engine, [log])
    # The hand-counted log has three malformed lines of its own; this is the fourth.
    assert summary.malformed_count == 4
    assert (str(log), 11, "caller longer than 100 characters") in summary.malformed
    assert records(org_engine) > 0


def test_every_field_is_bounded_by_its_column(org_engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text(
        f"1796112000|{LONG}|borgerservice|NONE|ENTERQUEUE||20304050|1\n"
        f"1796112000|1.1|{LONG}|NONE|ENTERQUEUE||20304050|1\n"
        f"1796112000|1.1|borgerservice|{LONG}|CONNECT|5|x|2\n"
    )
    summary = import_files(org_engine, [log])
    assert [r for _n, _l, r in summary.malformed] == [
        "call_id longer than 100 characters",
        "queue longer than 100 characters",
        "agent longer than 100 characters",
    ]
    assert records(org_engine) == 0


def test_a_huge_line_is_skipped_with_bounded_memory(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    text = HANDCOUNT.read_text()
    with log.open("w") as fh:
        fh.write(text)
        fh.write("1796119000|9.9|borgerservice|NONE|ENTERQUEUE||" + "9" * 60_000_000 + "|1\n")
        fh.write(text)
    db = f"sqlite:///{tmp_path / 'calls.db'}"
    code = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-m', 'omstilling', 'calls', 'import-queue-log',"
        " sys.argv[1], '--db', sys.argv[2]], capture_output=True, text=True, timeout=120)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(r.stdout + r.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(log), db], capture_output=True, text=True, timeout=180
    )
    head, _, output = out.stdout.partition("\n")
    returncode, peak_kb = (int(x) for x in head.split())
    assert returncode == 0, output
    assert f"longer than {MAX_LINE:,} characters" in output
    assert peak_kb < 250 * 1024, f"peak RSS {peak_kb // 1024} MB for a 60 MB line"
    assert (tmp_path / "calls.db").stat().st_size < 20 * 1024 * 1024


def test_cdr_fields_longer_than_their_columns_and_huge_fields_are_malformed(
    org_engine: Engine, tmp_path: Path
) -> None:
    ok = '"","20304050","89151500","ctx","","SIP/1","SIP/2","Dial","",'
    ok += '"2026-11-30 10:00:00","2026-11-30 10:00:05","2026-11-30 10:01:00","60","55",'
    ok += '"ANSWERED","3"'
    master = tmp_path / "Master.csv"
    master.write_text(
        ok
        + "\n"
        + ok.replace('"20304050"', f'"{LONG}"')
        + "\n"
        + ok.replace('"ctx"', '"' + "x" * 200_000 + '"')
        + "\n"
        + ok.replace("10:00:00", "11:00:00")
        + "\n"
    )
    summary = import_cdr_file(org_engine, master)
    reasons = [r for _n, _l, r in summary.malformed]
    assert summary.calls_added == 2 and len(reasons) == 2
    assert reasons[0] == "src longer than 100 characters"
    assert reasons[1].startswith("longer than 4,096 characters")
