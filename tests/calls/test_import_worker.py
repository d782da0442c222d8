"""The queue_log import parses in a worker process when there is more than one chunk.

The figures must not depend on where the lines were parsed; the handmade log's
figures are checked in test_handcount for both ways. Here: the worker is spawned
(not forked) while other threads run, a failure in the worker reaches the caller
with what was stored before it intact, and a large in-memory import gives the
same records and aggregates both ways.
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from omstilling.calls import blocks
from omstilling.calls.models import CallRecord
from omstilling.calls.queue_log import import_files, import_lines
from omstilling.reports.build import build_report
from omstilling.store.db import ensure_schema, make_engine
from tests.calls.conftest import HANDCOUNT
from tests.calls.test_handcount import DECEMBER, assert_report, expected_report


def test_a_spawned_worker_while_other_threads_run(
    org_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forking a process that runs threads could copy a lock held by one of them."""
    methods: list[str] = []
    get_context = multiprocessing.get_context

    def recording(method: str | None = None) -> Any:
        methods.append(str(method))
        return get_context(method)

    monkeypatch.setattr(multiprocessing, "get_context", recording)
    stop = threading.Event()
    bystander = threading.Thread(target=stop.wait, daemon=True)
    bystander.start()
    try:
        summary = import_files(org_engine, [HANDCOUNT], chunk_size=10)
    finally:
        stop.set()
        bystander.join()
    assert methods == ["spawn"]
    assert summary.calls_added == 17 and [n for _, n, _ in summary.malformed] == [24, 28, 29]
    assert_report(build_report(org_engine, DECEMBER), expected_report())


def test_a_failure_in_the_worker_reaches_the_caller(org_engine: Engine) -> None:
    good = HANDCOUNT.read_text().splitlines()
    # Not a line at all: parsing fails with something other than a malformed line.
    lines: list[Any] = [*good, b"1796112000|c1|borgerservice|NONE|ENTERQUEUE"]
    with pytest.raises(TypeError):
        import_lines(org_engine, [("broken", lines)], chunk_size=20, worker=True)
    with org_engine.connect() as conn:
        # The first chunk (20 lines, parsed inline) was committed before the failure.
        stored = conn.execute(select(func.count()).select_from(CallRecord)).scalar()
    assert stored is not None and 0 < stored < 17


def _state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with engine.connect() as conn:
        for table, order in (
            ("call_records", "call_id, queue, entered_at"),
            ("call_stats_hourly", "queue, day, hour"),
            ("call_wait_histograms", "queue, day"),
        ):
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}")).all()
            out[table] = [tuple(r)[1:] if table == "call_records" else tuple(r) for r in rows]
    return out


def test_worker_and_inline_store_the_same(tmp_path: Any) -> None:
    lines = []
    for i in range(3000):
        t, cid = 1796112000 + 7 * i, f"1796112000.{i}"
        lines.append(f"{t}|{cid}|q{i % 5}|NONE|ENTERQUEUE||+452000{i:04d}|1")
        if i % 4:
            lines.append(f"{t + 9}|{cid}|q{i % 5}|PJSIP/1|CONNECT|9|{cid}|2")
            lines.append(f"{t + 99}|{cid}|q{i % 5}|PJSIP/1|COMPLETECALLER|9|90|1")
        else:
            lines.append(f"{t + 4}|{cid}|q{i % 5}|NONE|ABANDON|1|1|4")
    states = []
    # Inline in chunks of 1,000 lines (blocks compressed as they are written); in the
    # worker in chunks of 6,000 (blocks compressed on a thread while the chunk folds).
    for worker, chunk in ((False, 1000), (True, 6000)):
        engine = make_engine(f"sqlite:///{tmp_path / f'w{worker}.db'}")
        ensure_schema(engine)
        summary = import_lines(engine, [("x", lines)], chunk_size=chunk, worker=worker)
        assert summary.calls_added == 3000 and summary.lines == len(lines)
        state = _state(engine)
        with engine.connect() as conn:
            state["lines"] = [(line,) for line in sorted(blocks.lines_between(conn, 0, 2e9))]
        states.append(state)
        engine.dispose()
    assert states[0] == states[1]
    assert len(states[0]["call_records"]) == 3000
    assert [line for (line,) in states[0]["lines"]] == sorted(lines)
