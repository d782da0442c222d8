"""What the benchmarks that ask a served omstilling share: a free port, `omstilling serve`
started and waited for, questions at a steady rate with each one's latency from when it
was due, and percentiles.

Used by the scripts beside it (`python benchmarks/x.py` puts this folder's parent on the
path), never by the package.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile of `values` (nearest rank); nan for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> float:
    """Wait until the server at `base` says it is ready; the seconds it took. An error if
    it exits first or takes longer than `timeout`."""
    import httpx

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/v1/ready", timeout=2).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def serve(
    db: str, env: dict[str, str], log: Path, *, timeout: float = 120.0
) -> tuple[subprocess.Popen[bytes], str]:
    """`omstilling serve --db DB` on a free port with `env` added to this process's
    environment, its output in `log`; waited for until ready. The process and its
    base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "omstilling", "serve", "--db", db, "--port", str(port)]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, timeout)
    except BaseException:
        stop(proc)
        raise
    return proc, base


def stop(proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def at_rate(
    ask: Callable[[int], Any], rate: float, until: Callable[[float], bool]
) -> tuple[list[float], int]:
    """Call `ask(i)` at `rate` a second until `until(seconds elapsed)`; the latencies in ms
    from when each call was due (a late call counts its wait) and how many raised or
    answered other than 200."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    i = 0
    while not until(time.perf_counter() - start):
        due = start + i / rate
        if (wait := due - time.perf_counter()) > 0:
            time.sleep(wait)
        try:
            answer = ask(i)
            errors += getattr(answer, "status_code", 200) != 200
        except Exception:
            errors += 1
        latencies.append((time.perf_counter() - due) * 1000)
        i += 1
    return latencies, errors


def summary(latencies: Sequence[float], errors: int) -> dict[str, float]:
    return {
        "n": len(latencies),
        "p50_ms": round(pct(latencies, 50), 1),
        "p99_ms": round(pct(latencies, 99), 1),
        "max_ms": round(max(latencies, default=float("nan")), 1),
        "errors": errors,
    }
