"""Dump everything call ingestion stores, to compare two versions of the importer.

    python benchmarks/calls_dump.py OUT.txt

Runs a set of import scenarios, each into a fresh SQLite database, and writes every
call record, aggregate row, stored raw event and raw log block (its compressed
body's digest) in a fixed order, one line a row. A change to the importer that
is meant to keep the stored data identical must give a byte-identical file:

    PYTHONPATH=<old checkout>/src python benchmarks/calls_dump.py /tmp/before.txt
    python benchmarks/calls_dump.py /tmp/after.txt && cmp /tmp/before.txt /tmp/after.txt

The scenarios: the handmade log in one go, in chunks of three lines and imported
twice, and then rebuilt; the CDR test file; live events with transfers and
returns (the API's path); a log from `benchmarks/calls.py`'s generator in one go
and as two overlapping shuffled halves in small chunks; the demo's simulated
calls for its first weeks; switchboard calls with transfers and returns (R1.3),
imported and then partly imported again, shuffled; the handmade log without an
organisation.
"""

from __future__ import annotations

import hashlib
import random
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "calls" / "data"
MINI = ROOT.parent / "shared" / "acceptance" / "randers-mini.yaml"
sys.path.insert(0, str(ROOT / "benchmarks"))

TABLES = {
    "call_records": (
        "call_id, queue, entered_at, caller, agent, outcome, wait_seconds, talk_seconds,"
        " answered_at, ended_at, transferred_at, transfer_target, returned, ring_no_answer,"
        " has_enter, source",
        "call_id, queue, entered_at",
    ),
    "call_stats_hourly": ("*", "queue, day, hour"),
    "call_wait_histograms": ("queue, day, answered_waits", "queue, day"),
    "call_transfer_stats": ("*", "day, target"),
    "call_direct_stats": ("*", "day, dst"),
    "call_events": ("key, source, call_id, queue, at, type, agent, caller, data", "key"),
    "call_log_blocks": ("first_at, last_at, lines, body, hashed", "first_at, id"),
}


def _cell(value: object) -> str:
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()[:16]
    return repr(value)


def dump(engine: Engine) -> list[str]:
    out = []
    with engine.connect() as conn:
        for table, (columns, order) in TABLES.items():
            rows = conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY {order}")).all()
            out.append(f"## {table}: {len(rows)} rows")
            out.extend(" | ".join(map(_cell, row)) for row in rows)
    return out


def _engine(tmp: Path, name: str, with_org: bool = True) -> Engine:
    from omstilling import orgfile
    from omstilling.store.db import ensure_schema, make_engine
    from omstilling.store.organisation import import_organisation

    engine = make_engine(f"sqlite:///{tmp / (name + '.db')}")
    ensure_schema(engine)
    if with_org:
        import_organisation(
            engine, orgfile.parse_text(MINI.read_text()), file_revision=None, actor="dump"
        )
    return engine


def _handcount(engine: Engine) -> None:
    from omstilling.calls.queue_log import import_files

    import_files(engine, [DATA / "handcount.log"])


def _handcount_chunks_twice_rebuilt(engine: Engine) -> None:
    from omstilling.calls.queue_log import import_files
    from omstilling.calls.rebuild import rebuild

    import_files(engine, [DATA / "handcount.log"], chunk_size=3)
    import_files(engine, [DATA / "handcount.log"], chunk_size=5)
    rebuild(engine, chunk_size=7)


def _cdr(engine: Engine) -> None:
    from omstilling.calls.cdr import import_cdr_file

    import_cdr_file(engine, DATA / "master.csv", chunk_size=2)
    _handcount(engine)


def _live(engine: Engine) -> None:
    from omstilling.calls.events import CallEventIn, store_events

    base = datetime(2026, 12, 1, 9, tzinfo=UTC)
    rnd = random.Random(11)
    events = []
    for n in range(300):
        at = base + timedelta(seconds=40 * n)
        cid, caller = f"live{n}", f"+452000{n % 120:04d}"
        queue = "borgerservice" if n % 3 else "jobcenter"
        steps = [("queued", 0, {}), ("answered", 5 + n % 30, {"agent": "PJSIP/1"})]
        if n % 4 == 0:
            steps.append(("transferred", 60, {"target": f"8915{2200 + n % 5}"}))
        elif n % 9 == 0:
            steps = [("queued", 0, {}), ("abandoned", 3 + n % 7, {})]
        else:
            steps.append(("ended", 90, {}))
        for k, (kind, dt, extra) in enumerate(steps):
            events.append(
                CallEventIn(
                    id=f"e{n}.{k}",
                    call_id=cid,
                    type=kind,
                    at=at + timedelta(seconds=dt),
                    queue=queue,
                    caller=caller if kind == "queued" else None,
                    **extra,
                )
            )
    rnd.shuffle(events)
    for i in range(0, len(events), 37):
        store_events(engine, events[i : i + 37])
    store_events(engine, events[:50])  # duplicates


def _generated(engine: Engine) -> None:
    from calls import generate_lines
    from omstilling.calls.queue_log import import_lines

    import_lines(engine, [("gen", generate_lines(20_000))], worker=False)


def _generated_halves(engine: Engine) -> None:
    from calls import generate_lines
    from omstilling.calls.queue_log import import_lines

    lines = generate_lines(6_000, seed=9)
    rnd = random.Random(3)
    first, second = lines[: len(lines) * 3 // 5], lines[len(lines) * 2 // 5 :]
    rnd.shuffle(first)
    rnd.shuffle(second)
    import_lines(engine, [("b", second), ("a", first)], chunk_size=700, worker=False)


def _demo(engine: Engine) -> None:
    from omstilling import orgfile
    from omstilling.calls.queue_log import import_lines
    from omstilling.demo.calls import simulate
    from omstilling.domain.organisation import Organisation

    org: Organisation = orgfile.parse_text(MINI.read_text())
    lines = simulate(org)[:60_000]
    import_lines(engine, [("demo", lines)], chunk_size=5_000, worker=False)


def _switchboard_lines(n_calls: int, seed: int = 5) -> list[str]:
    """Switchboard calls, many transferred; some come back (R1.3) as the same call or
    the same caller, within the return window or after it."""
    rnd = random.Random(seed)
    t0 = int(datetime(2026, 12, 1, 8, tzinfo=UTC).timestamp())
    out: list[tuple[int, str]] = []
    for i in range(n_calls):
        t = t0 + (i // 40) * 86_400 + rnd.randrange(8 * 3600)
        cid, caller, q = f"{t}.{i}", f"+4530{rnd.randrange(400):04d}", "borgerservice"
        wait, talk = rnd.randrange(60), rnd.randrange(20, 200)
        out.append((t, f"{t}|{cid}|{q}|NONE|ENTERQUEUE||{caller}|1"))
        out.append((t + wait, f"{t + wait}|{cid}|{q}|PJSIP/1|CONNECT|{wait}|{cid}.1|2"))
        end = t + wait + talk
        if rnd.random() < 0.6:
            ext = f"8915{2200 + rnd.randrange(6)}"
            out.append(
                (end, f"{end}|{cid}|{q}|PJSIP/1|BLINDTRANSFER|{ext}|internal|{wait}|{talk}|1")
            )
            if rnd.random() < 0.4:
                back = end + rnd.choice((30, 200, 590, 700))
                again = cid if rnd.random() < 0.5 else f"{back}.r{i}"
                out.append((back, f"{back}|{again}|{q}|NONE|ENTERQUEUE||{caller}|1"))
                out.append((back + 9, f"{back + 9}|{again}|{q}|NONE|ABANDON|1|1|9"))
        else:
            out.append((end, f"{end}|{cid}|{q}|PJSIP/1|COMPLETECALLER|{wait}|{talk}|1"))
    out.sort(key=lambda x: x[0])
    return [line for _, line in out]


def _switchboard(engine: Engine) -> None:
    from omstilling.calls.queue_log import import_lines

    lines = _switchboard_lines(4_000)
    import_lines(engine, [("sb", lines)], chunk_size=900, worker=False)
    rnd = random.Random(8)
    again = lines[len(lines) // 3 :]
    rnd.shuffle(again)
    import_lines(engine, [("sb-again", again)], chunk_size=500, worker=False)


def _no_org(engine: Engine) -> None:
    from omstilling.calls.queue_log import import_lines

    lines = (DATA / "handcount.log").read_text().splitlines()
    import_lines(engine, [("x", [*lines, "garbage|line", "1|2|3"])], chunk_size=4)


SCENARIOS: list[tuple[str, Callable[[Engine], None], bool]] = [
    ("handcount", _handcount, True),
    ("handcount_chunks_twice_rebuilt", _handcount_chunks_twice_rebuilt, True),
    ("cdr_and_handcount", _cdr, True),
    ("live_events", _live, True),
    ("generated", _generated, True),
    ("generated_shuffled_halves", _generated_halves, True),
    ("demo_simulated", _demo, True),
    ("switchboard_transfers_and_returns", _switchboard, True),
    ("no_organisation", _no_org, False),
]


def main() -> None:
    out_path = Path(sys.argv[1])
    tmp = Path(tempfile.mkdtemp(prefix="calls-dump-"))
    lines: list[str] = []
    for name, run, with_org in SCENARIOS:
        engine = _engine(tmp, name, with_org)
        run(engine)
        lines.append(f"# {name}")
        lines.extend(dump(engine))
        engine.dispose()
    out_path.write_text("\n".join(lines) + "\n")
    digest = hashlib.sha256(out_path.read_bytes()).hexdigest()
    print(f"{out_path}: {len(lines)} lines, sha256 {digest}")


if __name__ == "__main__":
    main()
