"""Crash safety: a real server is killed with SIGKILL while the PBX streams events.

The guarantee tested: every event the server acknowledged (HTTP 200) is in the
database after a restart, and nothing is counted twice when the PBX sends
everything again (it retries what was not acknowledged, and here also what
was). On SQLite (WAL, synchronous=NORMAL) a commit survives the process being
killed; an operating-system crash or power cut could lose the last commits,
which this test does not (and cannot) simulate. PostgreSQL fsyncs each commit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from omstilling import accounts
from omstilling.calls.models import CallEvent
from omstilling.calls.rebuild import rebuild
from omstilling.reports.build import Period, build_report
from tests.conftest import free_port

pytestmark = pytest.mark.slow
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CALLS_PER_REQUEST = 10


def start_server(db_url: str, cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "omstilling", "serve", "--port", str(port), "--db", db_url],
        cwd=cwd,
        env={**os.environ, "OMSTILLING_COOKIE_SECURE": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def batch(n: int) -> list[dict[str, Any]]:
    """Request n: ten calls, each queued, answered after 10 s and ended after 60 s more."""
    events = []
    for k in range(CALLS_PER_REQUEST):
        call = n * CALLS_PER_REQUEST + k
        at = START + timedelta(seconds=7 * call)
        for i, (kind, dt) in enumerate((("queued", 0), ("answered", 10), ("ended", 70))):
            events.append(
                {
                    "id": f"e{call}-{i}",
                    "call_id": f"c{call}",
                    "type": kind,
                    "at": (at + timedelta(seconds=dt)).isoformat(),
                    "queue": "borgerservice",
                    "caller": f"+45{20000000 + call}" if kind == "queued" else None,
                }
            )
    return events


def test_r3_13_acknowledged_events_survive_sigkill_and_count_once(
    org_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    token = accounts.create_token(org_engine, "pbx", ["calls:write"])
    headers = {"Authorization": f"Bearer {token}"}
    proc, base = start_server(db_url, tmp_path)
    acknowledged: set[str] = set()
    sent = 0
    stop = threading.Event()

    def stream() -> None:
        nonlocal sent
        with httpx.Client(headers=headers, timeout=10) as client:
            while not stop.is_set() and sent < 400:
                events = batch(sent)
                sent += 1
                try:
                    r = client.post(base + "/api/v1/calls/events", json={"events": events})
                except httpx.HTTPError:
                    return  # the server died mid-request: not acknowledged
                if r.status_code == 200:
                    acknowledged.update(e["id"] for e in events)

    streamer = threading.Thread(target=stream)
    try:
        streamer.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 20 * 3 * CALLS_PER_REQUEST and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # midway, with a request usually in flight
        proc.wait(10)
        stop.set()
        streamer.join(30)
        assert acknowledged, "nothing was acknowledged before the kill"
        with org_engine.connect() as conn:
            stored = set(conn.execute(select(CallEvent.key)).scalars())
        assert {"api:" + i for i in acknowledged} <= stored

        # Restart; the PBX sends everything again, acknowledged or not.
        proc, base = start_server(db_url, tmp_path)
        with httpx.Client(headers=headers, timeout=30) as client:
            for n in range(sent):
                r = client.post(base + "/api/v1/calls/events", json={"events": batch(n)})
                assert r.status_code == 200, r.text
    finally:
        stop.set()
        proc.kill()
        proc.wait(10)
    calls = sent * CALLS_PER_REQUEST
    with org_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CallEvent)).scalar() == calls * 3
    december = Period(date(2026, 12, 1), date(2026, 12, 31))
    live = build_report(org_engine, december)
    assert live["total"]["offered"] == calls and live["total"]["answered"] == calls
    assert live["total"]["asa_seconds"] == 10.0 and live["total"]["avg_talk_seconds"] == 60.0
    rebuild(org_engine)  # the aggregates kept at ingestion equal a recount from the raw log
    assert build_report(org_engine, december) == live
