"""Benchmark: the operator's console under load, against the API's advice (issue 13 item 6).

    python benchmarks/consoles.py [--quick] [--consoles 50] [--seconds 60] [--profile FILE]

On the demo (`omstilling demo --build-only` in a temporary folder), served by a real
`omstilling serve` subprocess on a free loopback port:

- N operators are added to the demo database (`accounts.add_user`, as `omstilling user
  add` does) and N consoles sign in over HTTP the way a browser does: the login form and
  its CSRF cookie, the session cookie, then the console page for the session's CSRF token;
- each console, every 2 s, searches three times as the operator types (`POST
  /console/search` with a 3-letter prefix, a longer prefix and the whole name) and asks
  for the advice of what it found once (`POST /console/advice`), each request with the
  session cookie and the `X-CSRF-Token` header as HTMX sends them: with 50 consoles 100
  requests a second, for `--seconds` (default 60);
- the reference, in the same run: the same number of `POST /api/v1/advice` requests with
  a bearer token on the same schedule (the three typed texts as `q`, the fourth by id).

The consoles and the API take turns in blocks of at most 15 s (`--seconds` each in all),
so that both meet the same noise of a shared machine. Each console has one connection,
as a page's HTMX requests mostly follow one another. Latency is counted from the moment
the schedule meant to send (no coordinated omission). The table gives p50, p99 and max,
errors (transport errors and any status other than 200), the achieved rate and the
server's CPU time per request (/proc/<pid>/stat, the figure the noise moves least); then
the ratios of the console's p99 and CPU per request to the API's.

`--profile FILE`: the server runs under a small sampling profiler (every thread's stack
100 times a second, as py-spy would); when it stops, FILE gets the functions by inclusive
and by own share of the busy samples. The profiler costs the server some CPU: time the
figures without it.

`--quick`: 10 consoles for 10 s a phase; a smoke run only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from served import free_port, pct, wait_ready  # noqa: E402  (benchmarks/ is on sys.path)

PASSWORD = "konsol-bench-adgangskode"
PERIOD = 2.0  # seconds between a console's rounds
OFFSETS = (0.0, 0.3, 0.6, 1.0)  # three searches as the operator types, then the advice

# Run as `python -c PROFILED out.txt <omstilling arguments>`: the server with a sampler.
PROFILED = r"""
import atexit, collections, signal, sys, threading, time
out = sys.argv[1]
sys.argv = ["omstilling", *sys.argv[2:]]
IDLE = {"wait", "select", "poll", "_worker", "get", "accept", "sleep", "run_forever",
        "_run_once", "_wait_for_tstate_lock", "epoll"}
inclusive, own = collections.Counter(), collections.Counter()
busy = [0]
stop = threading.Event()
def where(f):
    c = f.f_code
    return f"{c.co_filename.split('site-packages/')[-1].split('/src/')[-1]}:{c.co_name}"
def sample():
    me = threading.get_ident()
    while not stop.wait(0.01):
        for ident, frame in list(sys._current_frames().items()):
            if ident == me or frame.f_code.co_name in IDLE:
                continue
            busy[0] += 1
            own[where(frame)] += 1
            seen = set()
            while frame is not None:
                seen.add(where(frame))
                frame = frame.f_back
            inclusive.update(seen)
def report():
    stop.set()
    n = max(busy[0], 1)
    with open(out, "w") as fh:
        fh.write(f"busy samples: {busy[0]} (every 10 ms, any thread not idle)\n\n")
        fh.write("inclusive share, top 70\n")
        for name, c in inclusive.most_common(70):
            fh.write(f"{100 * c / n:6.1f} %  {name}\n")
        fh.write("\nown share, top 40\n")
        for name, c in own.most_common(40):
            fh.write(f"{100 * c / n:6.1f} %  {name}\n")
atexit.register(report)
# uvicorn raises SIGTERM again once it has shut down: exit through atexit, not the signal.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
threading.Thread(target=sample, daemon=True).start()
from omstilling.cli import main
main()
"""


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores (nproc), {cpu}, Python {platform.python_version()}"


@dataclass
class Errand:
    """One round of a console: three typed texts, then the advice of what was found."""

    typed: tuple[str, str, str]
    kind: str
    ident: str
    birth_day: str = ""


def errands(n: int) -> list[Errand]:
    """From the demo organisation, deterministically: employees, tasks and units by name."""
    from omstilling import orgfile
    from omstilling.demo.org import demo_yaml

    org = orgfile.parse(demo_yaml()).organisation
    found: list[Errand] = []
    pools: list[list[tuple[str, str, str]]] = [
        [("employee", e.id, e.name) for e in org.employees.values()],
        [("task", t.id, t.name) for t in org.tasks.values()],
        [("unit", u.id, u.name) for u in org.units.values()],
    ]
    for i in range(n):
        pool = pools[i % 3]
        kind, ident, name = pool[(i * 7) % len(pool)]
        typed = (name[:3], name[: max(4, len(name) // 2)], name)
        found.append(Errand(typed, kind, ident, str(1 + i % 28) if kind == "task" else ""))
    return found


# --- the server ---------------------------------------------------------------------------


def prepare(tmp: Path, consoles: int) -> tuple[dict[str, str], str, str]:
    """The demo in tmp, N operators and an API token; the environment, the URL, the token."""
    env = dict(os.environ)
    env.pop("OMSTILLING_DATABASE_URL", None)
    env["OMSTILLING_SECRET_KEY"] = secrets.token_urlsafe(32)
    env["OMSTILLING_COOKIE_SECURE"] = "false"  # plain http on loopback: send the cookie
    cli = [sys.executable, "-m", "omstilling"]
    subprocess.run([*cli, "demo", "--build-only"], cwd=tmp, env=env, check=True,
                   capture_output=True)  # fmt: skip
    db = f"sqlite:///{tmp / 'omstilling-demo.db'}"
    from omstilling import accounts
    from omstilling.store.db import make_engine

    engine = make_engine(db)
    for i in range(consoles):
        accounts.add_user(engine, f"konsol{i:03d}", "operator", PASSWORD)
    token = accounts.create_token(engine, "bench-consoles", ["advice:read"])
    engine.dispose()
    return env, db, token


def start_server(
    tmp: Path, env: dict[str, str], db: str, port: int, profile: Path | None
) -> subprocess.Popen[bytes]:
    args = ["serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)]
    if profile is None:
        cmd = [sys.executable, "-m", "omstilling", *args]
    else:
        cmd = [sys.executable, "-c", PROFILED, str(profile.resolve()), *args]
    log = (tmp / "server.log").open("wb")
    return subprocess.Popen(cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)


# --- the load -----------------------------------------------------------------------------


@dataclass
class Series:
    label: str
    latencies: list[float] = field(default_factory=list)  # seconds from the scheduled send
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0  # seconds of the phases it ran in
    cpu: float = 0.0  # the server's CPU seconds in those phases

    def add(self, latency: float, status: int) -> None:
        self.latencies.append(latency)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status != 200:
            self.errors += 1


def cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sign_in(client: Any, username: str) -> str:
    """Log in as a browser does; the session's CSRF token from the console page."""
    page = await client.get("/login")
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert form_token, "no CSRF token in the login form"
    data = {"username": username, "password": PASSWORD, "csrf_token": form_token.group(1)}
    answer = await client.post("/login", data={**data, "next": "/"})
    assert answer.status_code == 303, f"login answered {answer.status_code}"
    console = await client.get("/")
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', console.text)
    assert console.status_code == 200 and found, f"the console answered {console.status_code}"
    return found.group(1)


def console_request(errand: Errand, step: int) -> tuple[str, dict[str, str]]:
    if step < 3:
        return "/console/search", {"q": errand.typed[step]}
    form = {"kind": errand.kind, "id": errand.ident, "q": errand.typed[2]}
    return "/console/advice", {**form, "birth_day": errand.birth_day}


def api_request(errand: Errand, step: int) -> dict[str, str]:
    if step < 3:
        return {"q": errand.typed[step]}
    body = {errand.kind: errand.ident}
    return {**body, "birth_day": errand.birth_day} if errand.birth_day else body


async def run_phase(clients: list[Any], jobs: list[Errand], seconds: float, into: Series) -> None:
    """Every client runs its rounds on the shared schedule; latencies go `into` the series."""
    import httpx

    api = into.label.startswith("API")
    n = len(clients)
    rounds = max(1, round(seconds / PERIOD))
    start = time.perf_counter() + 0.2

    async def one(c: int, client: Any) -> None:
        for r in range(rounds):
            errand = jobs[(c * 31 + r) % len(jobs)]
            for step, offset in enumerate(OFFSETS):
                due = start + c * PERIOD / n + r * PERIOD + offset
                if (delay := due - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                try:
                    if api:
                        resp = await client.post("/api/v1/advice", json=api_request(errand, step))
                    else:
                        path, form = console_request(errand, step)
                        resp = await client.post(path, data=form)
                    status = resp.status_code
                except httpx.HTTPError:
                    status = 0
                into.add(time.perf_counter() - due, status)

    await asyncio.gather(*(one(c, client) for c, client in enumerate(clients)))
    into.wall += time.perf_counter() - start


async def load(base: str, token: str, consoles: int, seconds: float, pid: int) -> list[Series]:
    """Sign the consoles in, then the consoles and the API by turns, in blocks of 15 s at
    most, so that both meet the same noise of a shared machine."""
    import httpx

    jobs = errands(300)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(10.0)
    async with contextlib.AsyncExitStack() as stack:

        async def client(headers: dict[str, str] | None = None) -> Any:
            made = httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout,
                                     headers=headers or {})  # fmt: skip
            return await stack.enter_async_context(made)

        browsers = [await client() for _ in range(consoles)]
        for i, b in enumerate(browsers):
            b.headers["X-CSRF-Token"] = await sign_in(b, f"konsol{i:03d}")
        bearer = {"Authorization": f"Bearer {token}"}
        apis = [await client(bearer) for _ in range(consoles)]
        await asyncio.gather(*(a.get("/api/v1/health") for a in apis))
        print("  warm-up", file=sys.stderr, flush=True)
        await run_phase(browsers, jobs, 4.0, Series("console"))
        await run_phase(apis, jobs, 4.0, Series("API"))
        results = [Series("console: search and advice"), Series("API: POST /api/v1/advice")]
        blocks = max(1, round(seconds / 15))
        for block in range(blocks):
            print(f"  block {block + 1}/{blocks}", file=sys.stderr, flush=True)
            for who, series in ((browsers, results[0]), (apis, results[1])):
                cpu = cpu_seconds(pid)
                await run_phase(who, jobs, seconds / blocks, series)
                series.cpu += cpu_seconds(pid) - cpu
    return results


def report(results: list[Series], consoles: int, seconds: float) -> None:
    offered = consoles * len(OFFSETS) / PERIOD
    print(f"\n{consoles} consoles, {len(OFFSETS)} requests each every {PERIOD:.0f} s "
          f"({offered:.0f} a second offered), {seconds:.0f} s each, by turns\n")  # fmt: skip
    print("| requests | n | p50 | p99 | max | errors | achieved/s | server CPU/request |")
    print("|---|---|---|---|---|---|---|---|")
    for s in results:
        ms = [x * 1000 for x in s.latencies]
        print(f"| {s.label} | {len(ms)} | {pct(ms, 50):.1f} ms | {pct(ms, 99):.1f} ms "
              f"| {max(ms):.1f} ms | {s.errors} | {len(ms) / s.wall:.0f} "
              f"| {1000 * s.cpu / len(ms):.2f} ms |")  # fmt: skip
    console, api = results
    p99 = pct(console.latencies, 99) / pct(api.latencies, 99)
    cpu = (console.cpu / len(console.latencies)) / (api.cpu / len(api.latencies))
    print(f"\nratio console / API: p99 {p99:.2f}, server CPU per request {cpu:.2f}")
    bad = {k: v for s in results for k, v in s.statuses.items() if k != 200}
    if bad:
        print(f"statuses other than 200: {bad}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 consoles, 10 s a phase")
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--profile", type=Path, help="sample the server; its profile here")
    args = parser.parse_args()
    consoles, seconds = (10, 10.0) if args.quick else (args.consoles, args.seconds)
    print(f"# consoles: {machine()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    with tempfile.TemporaryDirectory(prefix="omst-consoles-") as name:
        tmp = Path(name)
        env, db, token = prepare(tmp, consoles)
        port = free_port()
        proc = start_server(tmp, env, db, port, args.profile)
        try:
            wait_ready(f"http://127.0.0.1:{port}", proc)
            base = f"http://127.0.0.1:{port}"
            results = asyncio.run(load(base, token, consoles, seconds, proc.pid))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    report(results, consoles, seconds)
    if args.profile:
        print(f"\nprofile of the server: {args.profile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
