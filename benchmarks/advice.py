"""Benchmark: search and routing advice, in process and over HTTP.

    python benchmarks/advice.py [--quick] [--file org.yaml] [--token TOKEN]
                                [--skip-http] [--skip-inprocess]

Targets (issue "advice latency"):

- in process, on the Copenhagen-size organisation (50,000 employees, 20,000 keywords),
  10,000 realistic questions: advise p99 <= 10 ms, search included;
- over HTTP on the demo (`omstilling demo --build-only`, served by `omstilling serve`):
  p99 <= 50 ms at a steady 200 requests a second from 20 concurrent clients on
  loopback, and the highest steady rate at which p99 stays under 100 ms.

The questions are built deterministically from the organisation (random.Random(seed)):
employee full names and surnames, task keywords, keywords with one or two typos,
prefixes of 3-5 letters, and direct and function numbers in several spellings.

References in the same run, over the same indexed strings (one string per task, unit
and employee: its name, keywords, KLE, title, description, main tasks, address and
numbers as the index has them):

- SQLite FTS5 (in memory, unicode61 remove_diacritics 2): every query word as a prefix
  ("word"*), ORDER BY rank LIMIT 10;
- rapidfuzz `process.extract(q, strings, limit=10)` (WRatio), strings and query lower-cased.

Over HTTP the latency of a request is counted from the moment the open-loop schedule
meant to send it (so queueing in a busy client counts, no coordinated omission); the
service time from the actual send is shown too. The load generator runs on the same
machine as the server (2 cores here): its own CPU use is reported.

`--quick`: a small organisation, 1,000 questions, short HTTP runs; a smoke run only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import os
import platform
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from served import free_port  # benchmarks/ is on sys.path

HERE = Path(__file__).resolve().parent
RATES = (200, 300, 400, 500, 600, 800, 1000, 1200)  # the step-up, requests a second
QUICK_RATES = (100, 200)
FULL = {"units": 2000, "employees": 50000, "keywords": 20000}
QUICK = {"units": 200, "employees": 5000, "keywords": 2000}
AT = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))  # a Monday
AT_TEXT = "2026-12-07T10:00"
TARGET_ADVISE_P99_MS = 10.0
TARGET_HTTP_P99_MS = 50.0
STEP_P99_LIMIT_MS = 100.0
KINDS = ("name", "surname", "keyword", "typo", "prefix", "number")
WEIGHTS = (25, 5, 20, 20, 15, 15)
LETTERS = "abcdefghijklmnopqrstuvwxyzæøå"


# --- questions -------------------------------------------------------------------------------


def _typos(word: str, rng: Any) -> str:
    """One typo (two from eight letters, half the time): swap, drop, add or change a letter."""
    n = 1 if len(word) < 8 else rng.choice((1, 2))
    chars = list(word)
    for _ in range(n):
        op = rng.choice(("swap", "drop", "add", "change"))
        i = rng.randrange(1, len(chars) - 1) if len(chars) > 2 else 0
        if op == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif op == "drop" and len(chars) > 4:
            del chars[i]
        elif op == "add":
            chars.insert(i, rng.choice(LETTERS))
        else:
            chars[i] = rng.choice([c for c in LETTERS if c != chars[i]])
    return "".join(chars)


def _spell(e164: str, rng: Any) -> str:
    """A Danish number as people write it."""
    d = e164.removeprefix("+45")
    if len(d) != 8:
        return e164
    pairs = " ".join(d[i : i + 2] for i in range(0, 8, 2))
    return rng.choice(
        (
            pairs,
            d,
            f"+45 {pairs}",
            e164,
            f"0045 {d[:4]} {d[4:]}",
            f"{d[:4]} {d[4:]}",
            "-".join(d[i : i + 2] for i in range(0, 8, 2)),
        )
    )


def build_questions(org: Any, n: int, seed: int = 1) -> list[tuple[str, str]]:
    """(kind, question) pairs, deterministic for the organisation and the seed."""
    import random

    rng = random.Random(seed)
    employees = sorted(org.employees.values(), key=lambda e: e.id)
    tasks = sorted(org.tasks.values(), key=lambda t: t.id)
    keywords = [k for t in tasks for k in t.keywords]
    units = sorted(org.units.values(), key=lambda u: u.id)
    words = sorted(
        {
            w
            for text in itertools.chain(
                (e.name for e in employees), keywords, (u.name for u in units)
            )
            for w in re.findall(r"\w+", text)
            if len(w) >= 5 and w.isalpha()
        }
    )
    phones = [e.phone for e in employees if e.phone and e.public]
    unit_numbers = [num.e164 for u in units for num in u.numbers]
    extensions = [e.extension for e in employees if e.extension]
    out: list[tuple[str, str]] = []
    for kind in rng.choices(KINDS, weights=WEIGHTS, k=n):
        if kind == "name":
            q = rng.choice(employees).name
        elif kind == "surname":
            q = rng.choice(employees).name.split()[-1]
        elif kind == "keyword":
            q = rng.choice(keywords)
        elif kind == "typo":
            parts = rng.choice(keywords).split()
            longest = max(range(len(parts)), key=lambda i: len(parts[i]))
            if len(parts[longest]) >= 4:
                parts[longest] = _typos(parts[longest], rng)
            q = " ".join(parts)
        elif kind == "prefix":
            q = rng.choice(words)[: rng.randint(3, 5)]
        else:
            r = rng.random()
            if r < 0.7 and phones:
                q = _spell(rng.choice(phones), rng)
            elif r < 0.9 and unit_numbers:
                q = _spell(rng.choice(unit_numbers), rng)
            else:
                q = rng.choice(extensions)
        out.append((kind, q))
    return out


# --- statistics --------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms" if x < 0.1 else f"{x * 1000:.0f} ms"


# --- in process ----------------------------------------------------------------------------


def entity_strings(org: Any) -> list[str]:
    """One string per task, unit and employee: what the index indexes, numbers as digits."""

    def digits(e164: str | None) -> str:
        return (e164 or "").removeprefix("+45")

    out: list[str] = []
    for t in org.tasks.values():
        out.append(" ; ".join([t.name, *t.keywords, t.kle or ""]).strip(" ;"))
    for u in org.units.values():
        parts = [u.name, u.description, u.address, *(digits(n.e164) for n in u.numbers)]
        out.append(" ; ".join(p for p in parts if p))
    for e in org.employees.values():
        parts = [e.name, e.title, e.main_tasks, digits(e.phone), e.extension or ""]
        out.append(" ; ".join(p for p in parts if p))
    return out


_NUMBER_LIKE = re.compile(r"^\s*\+?[\d\s().-]+$")


def fts_query(q: str) -> str:
    if _NUMBER_LIKE.match(q):
        d = re.sub(r"\D", "", q)
        if d.startswith("0045"):
            d = d[4:]
        elif d.startswith("45") and len(d) == 10:
            d = d[2:]
        return f'"{d}"*'
    return " ".join(f'"{w}"*' for w in re.findall(r"\w+", q.lower()))


def timed(fn: Any, questions: Sequence[str]) -> list[float]:
    clock = time.perf_counter
    out = []
    for q in questions:
        t0 = clock()
        fn(q)
        out.append(clock() - t0)
    return out


@dataclass
class Series:
    name: str
    times: list[float]
    note: str = ""

    @property
    def p50(self) -> float:
        return pct(self.times, 50)

    @property
    def p99(self) -> float:
        return pct(self.times, 99)


def in_process(org: Any, n_questions: int, ref_sample: int, seed: int) -> list[Series]:
    from rapidfuzz import process

    from omstilling.domain.advice import Inquiry, NothingFound, advise
    from omstilling.domain.presence import Presence
    from omstilling.domain.search import SearchIndex

    started = time.perf_counter()
    index = SearchIndex.build(org)
    print(f"  index built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    pairs = build_questions(org, n_questions, seed)
    questions = [q for _, q in pairs]
    presence = Presence()
    nothing = 0

    def do_advise(q: str) -> None:
        nonlocal nothing
        try:
            advise(org, Inquiry(query=q), AT, presence, index)
        except NothingFound:
            nothing += 1

    for q in questions[:300]:  # warm up
        index.search(q)
        do_advise(q)
    nothing = 0
    empty = sum(1 for q in questions if not index.search(q))
    search_t = timed(index.search, questions)
    advise_t = timed(do_advise, questions)
    series = [
        Series("search (SearchIndex.search)", search_t, f"{empty} of {len(questions)} found none"),
        Series("advise (search included)", advise_t, f"{nothing} NothingFound"),
    ]
    by_kind: dict[str, list[float]] = {}
    for (kind, _), t in zip(pairs, advise_t, strict=True):
        by_kind.setdefault(kind, []).append(t)
    for kind in KINDS:
        if kind in by_kind:
            series.append(Series(f"  advise, {kind} questions", by_kind[kind]))

    strings = entity_strings(org)
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
    )
    db.executemany("INSERT INTO docs (rowid, body) VALUES (?, ?)", enumerate(strings))
    db.commit()
    sql = "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10"

    def fts(q: str) -> None:
        db.execute(sql, (fts_query(q),)).fetchall()

    for q in questions[:300]:
        fts(q)
    series.append(Series("reference: SQLite FTS5 prefix top-10", timed(fts, questions)))

    lowered = [s.lower() for s in strings]
    sample = questions[:: max(1, len(questions) // ref_sample)][:ref_sample]

    def fuzzy(q: str) -> None:
        process.extract(q.lower(), lowered, limit=10)

    series.append(
        Series(
            "reference: rapidfuzz process.extract top-10",
            timed(fuzzy, sample),
            f"every {max(1, len(questions) // ref_sample)}th question, {len(sample)}",
        )
    )
    db.close()
    return series


# --- over HTTP ------------------------------------------------------------------------------


@dataclass
class LoadResult:
    rate: float
    duration: float
    label: str = ""
    latencies: list[float] = field(default_factory=list)  # from the scheduled send
    service: list[float] = field(default_factory=list)  # from the actual send
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # transport errors and 5xx
    achieved: float = 0.0
    client_cpu: float = 0.0  # the load generator's CPU seconds per wall second

    @property
    def p50(self) -> float:
        return pct(self.latencies, 50)

    @property
    def p99(self) -> float:
        return pct(self.latencies, 99)


async def drive(
    base: str,
    questions: Sequence[str],
    rate: float,
    duration: float,
    clients: int,
    headers: dict[str, str],
    health: bool = False,
) -> LoadResult:
    """Open loop: request i is due at start + i / rate; `clients` connections send them.

    `health`: GET /api/v1/health instead, the reference (framework, one SELECT 1 and the
    snapshot's revision check; no search, no advice, no auth)."""
    import httpx

    n = max(1, int(rate * duration))
    res = LoadResult(rate, duration)
    counter = itertools.count()
    clock = time.perf_counter
    start = last = 0.0  # set once the clients are connected

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal last
        while (i := next(counter)) < n:
            due = start + i / rate
            delay = due - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = clock()
            body = {"q": questions[i % len(questions)], "at": AT_TEXT}
            try:
                if health:
                    resp = await client.get("/api/v1/health")
                else:
                    resp = await client.post("/api/v1/advice", json=body)
                status = resp.status_code
            except httpx.HTTPError:
                status = 0
            done = clock()
            last = max(last, done)
            res.statuses[status] = res.statuses.get(status, 0) + 1
            if status == 0 or status >= 500:
                res.errors += 1
            res.latencies.append(done - due)
            res.service.append(done - sent)

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(10.0)
    async with contextlib.AsyncExitStack() as stack:
        pool = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=timeout)
            )
            for _ in range(clients)
        ]
        # Connect every client (and pay httpx's per-client setup) before the clock starts.
        await asyncio.gather(*(c.get("/api/v1/health") for c in pool))
        cpu0 = time.process_time()
        start = last = clock() + 0.05
        await asyncio.gather(*(worker(c) for c in pool))
    res.achieved = len(res.latencies) / max(last - start, 1e-9)
    res.client_cpu = (time.process_time() - cpu0) / max(clock() - start, 1e-9)
    return res


def start_server(tmp: Path, port: int, token: str | None) -> tuple[subprocess.Popen[bytes], str]:
    """Build the demo in tmp and serve it; the server and the bearer token to use.

    Without --token, a token with the scope advice:read is made in the demo database
    with `omstilling token create` (the API needs one since the auth issue)."""
    env = dict(os.environ)
    env["OMSTILLING_SECRET_KEY"] = secrets.token_urlsafe(32)
    env.pop("OMSTILLING_DATABASE_URL", None)
    db = f"sqlite:///{tmp / 'omstilling-demo.db'}"
    cli = [sys.executable, "-m", "omstilling"]
    subprocess.run(
        [*cli, "demo", "--build-only"], cwd=tmp, env=env, check=True, capture_output=True
    )
    if token is None:
        made = subprocess.run(
            [*cli, "token", "create", "bench", "--scope", "advice:read", "--db", db],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        token = made.stdout.strip().splitlines()[-1] if made.returncode == 0 else ""
    log = (tmp / "server.log").open("wb")
    cmd = [*cli, "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, token


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become healthy")


def _steady(r: LoadResult) -> bool:
    """p99 under the step limit, no errors, and the offered rate achieved."""
    return r.p99 < STEP_P99_LIMIT_MS / 1000 and not r.errors and r.achieved >= 0.95 * r.rate


def over_http(
    args: argparse.Namespace,
) -> tuple[LoadResult, LoadResult, list[LoadResult], int]:
    import httpx

    from omstilling import orgfile
    from omstilling.demo.org import demo_yaml

    demo = orgfile.parse(demo_yaml()).organisation
    questions = [q for _, q in build_questions(demo, 10_000, args.seed)]
    steady_s, step_s = (3.0, 2.0) if args.quick else (15.0, 8.0)
    base_rate = 100 if args.quick else 200
    with tempfile.TemporaryDirectory(prefix="omst-bench-http-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc, token = start_server(tmp, port, args.token)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            wait_healthy(base, proc)
            probe = httpx.post(
                f"{base}/api/v1/advice", json={"q": "pas", "at": AT_TEXT}, headers=headers
            )
            if probe.status_code in (401, 403):
                raise SystemExit(
                    f"the API answered {probe.status_code}: pass --token with a valid bearer token"
                )
            probe.raise_for_status()
            print("  warm-up", file=sys.stderr, flush=True)
            asyncio.run(drive(base, questions, 100, 2.0, args.clients, headers))
            print(f"  steady {base_rate}/s for {steady_s:.0f} s", file=sys.stderr, flush=True)
            steady = asyncio.run(
                drive(base, questions[500:], base_rate, steady_s, args.clients, headers)
            )
            steady.label = "steady"
            print(f"  reference: health {base_rate}/s", file=sys.stderr, flush=True)
            ref = asyncio.run(
                drive(base, questions, base_rate, step_s, args.clients, headers, health=True)
            )
            ref.label = "reference: GET /api/v1/health"
            steps: list[LoadResult] = []
            rates = QUICK_RATES if args.quick else RATES
            for rate in rates:
                print(f"  step {rate}/s for {step_s:.0f} s", file=sys.stderr, flush=True)
                r = asyncio.run(drive(base, questions, rate, step_s, args.clients, headers))
                steps.append(r)
                if not _steady(r):
                    break
            if not any(_steady(r) for r in steps):
                # Not even the first rate: step down until one holds (bounded).
                for rate in (150, 100, 50, 25):
                    if rate >= rates[0]:
                        continue
                    print(f"  step {rate}/s for {step_s:.0f} s", file=sys.stderr, flush=True)
                    r = asyncio.run(drive(base, questions, rate, step_s, args.clients, headers))
                    steps.append(r)
                    if _steady(r):
                        break
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return steady, ref, steps, len(demo.employees)


# --- the driver -------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small org, short runs")
    parser.add_argument("--file", type=Path, help="organisation file (default: generate one)")
    parser.add_argument("--questions", type=int, default=None, help="default 10,000")
    parser.add_argument("--ref-sample", type=int, default=500, help="rapidfuzz questions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--token", help="bearer token for the API, if it needs one")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-inprocess", action="store_true")
    args = parser.parse_args(argv)

    print(f"# advice: {machine()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if not args.skip_inprocess:
        from omstilling import orgfile

        if args.file:
            text = args.file.read_text(encoding="utf-8")
        else:
            from generate_org import generate_text  # benchmarks/ is on sys.path

            size = QUICK if args.quick else FULL
            text = generate_text(size["units"], size["employees"], size["keywords"])
        org = orgfile.parse(text).organisation
        del text
        gc.collect()
        n = args.questions or (1000 if args.quick else 10_000)
        keywords = sum(len(t.keywords) for t in org.tasks.values())
        print(
            f"# in process: {len(org.units)} units, {len(org.employees)} employees, "
            f"{len(org.tasks)} tasks, {keywords} keywords; {n} questions (seed {args.seed}); "
            f"at {AT.isoformat()}, no absences"
        )
        series = in_process(org, n, min(args.ref_sample, n), args.seed)
        advise_s = next(s for s in series if s.name.startswith("advise"))
        rows = []
        for s in series:
            ratio = ""
            if s.name.startswith("reference"):
                ratio = f"advise p99 / this p99 = {advise_s.p99 / s.p99:.3g}"
            rows.append((s.name, str(len(s.times)), ms(s.p50), ms(s.p99), ratio, s.note))
        table(("in process", "n", "p50", "p99", "ratio", "note"), rows)
        ok = advise_s.p99 <= TARGET_ADVISE_P99_MS / 1000
        print(
            f"# target advise p99 <= {TARGET_ADVISE_P99_MS:.0f} ms: "
            f"{'met' if ok else 'MISSED'} ({ms(advise_s.p99)})"
        )
        del org, series
        gc.collect()

    if not args.skip_http:
        steady, ref, steps, n_demo = over_http(args)
        print(
            f"# over HTTP: demo ({n_demo} employees), POST /api/v1/advice, {args.clients} "
            "clients, open loop, latency from the scheduled send"
        )
        rows = []
        for label, r in [("steady", steady), (ref.label, ref), *(("step", s) for s in steps)]:
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items()))
            rows.append(
                (
                    label,
                    f"{r.rate:.0f}/s x {r.duration:.0f} s",
                    f"{r.achieved:.0f}/s",
                    ms(r.p50),
                    ms(r.p99),
                    ms(pct(r.service, 99)),
                    str(r.errors),
                    f"{r.client_cpu * 100:.0f}%",
                    statuses,
                )
            )
        table(
            (
                "run",
                "offered",
                "achieved",
                "p50",
                "p99",
                "p99 service",
                "errors",
                "client CPU",
                "statuses",
            ),
            rows,
        )
        target = TARGET_HTTP_P99_MS / 1000
        ok = steady.p99 <= target and not steady.errors
        print(
            f"# target p99 <= {TARGET_HTTP_P99_MS:.0f} ms at {steady.rate:.0f}/s: "
            f"{'met' if ok else 'MISSED'} ({ms(steady.p99)}); "
            f"advice p99 / health p99 at the same rate = {steady.p99 / ref.p99:.3g}"
        )
        good = [s.rate for s in steps if _steady(s)]
        best = f"{max(good):.0f}/s" if good else f"below {min(s.rate for s in steps):.0f}/s"
        capped = (
            " (the highest rate tried)"
            if good and max(good) in (RATES[-1], QUICK_RATES[-1])
            else ""
        )
        print(f"# highest steady rate with p99 < {STEP_P99_LIMIT_MS:.0f} ms: {best}{capped}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
