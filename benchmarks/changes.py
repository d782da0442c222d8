"""Benchmark: advice while the organisation changes (issue 13).

    python benchmarks/changes.py [--quick] [--file org.yaml] [--seconds 60] [--rate 50]
                                 [--http-only]

On the generated Copenhagen-size organisation (`generate_org.py`, 50,000 employees,
20,000 keywords) imported into a SQLite file:

In one process, as the server holds it (`Published` and `Directory`):
- start-up: from `Published.start()` to ready, and the RSS after;
- advice at a steady rate (default 50 a second, in process: `Directory.advise`, search
  included), first with no change (the reference), then while an editor's change is
  saved every second the way the unit editor's page saves it (one employee's title:
  the edit, `problems.validated`, `save_edit` from the snapshot; in this process);
- the editor's save (edit, check, commit), its apply to the running snapshot and index
  (`Published.patch_seconds`), and a full reload of the same organisation (load and
  index) measured in the same run: the ratio;
- from a change's commit to the first advice that reflects it;
- the RSS after 1,000 more changes (no second copy kept after a swap);
- advice with 10,000 active absence codes against the reference (item 4).

Over HTTP (`omstilling serve` on loopback, a second process): `POST /api/v1/advice` with a
token at the same rate, with no change (the reference) and while another process (a
third: `python benchmarks/changes.py --writer`) saves an editor's change every second;
p50, p99, max, errors, and from each commit to the server answering from it (its
`/api/v1/health` revision, polled every 20 ms).

Latency is counted from the moment the schedule meant to ask (no coordinated omission).
`--quick`: a small generated organisation, 10 s a phase; a smoke run only.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from served import free_port, pct, wait_ready  # noqa: E402  (benchmarks/ is on sys.path)

from omstilling import orgfile  # noqa: E402
from omstilling.directory import Directory  # noqa: E402
from omstilling.domain import orgedit  # noqa: E402
from omstilling.domain.inquiry import Inquiry  # noqa: E402
from omstilling.domain.organisation import Organisation  # noqa: E402
from omstilling.domain.search import SearchIndex  # noqa: E402
from omstilling.published import Published  # noqa: E402
from omstilling.store.db import ensure_schema, make_engine  # noqa: E402
from omstilling.store.organisation import (  # noqa: E402
    StaleEdit,
    import_organisation,
    load_organisation,
    save_edit,
)
from omstilling.web.editor import problems  # noqa: E402

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def row(name: str, values: list[float], unit: str = "ms", extra: str = "") -> str:
    return (f"| {name} | {len(values)} | {pct(values, 50):.2f} {unit} | {pct(values, 99):.2f} "
            f"{unit} | {max(values):.2f} {unit} |{extra}")  # fmt: skip


def steady(directory: Directory, questions: list[str], rate: float, seconds: float) -> list[float]:
    """Advise at `rate` a second for `seconds`; latency from the scheduled moment, in ms."""
    latencies = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        directory.advise(Inquiry(query=questions[i % len(questions)]), AT)
        latencies.append((time.perf_counter() - due) * 1000)
    return latencies


class Editor:
    """Saves one employee's title at a time as the unit editor's page does: the edit made
    on `current()`, checked, saved from that snapshot (again on `stale()` if another write
    got in first)."""

    def __init__(self, engine: Engine, current: Callable[[], Organisation],
                 stale: Callable[[], Organisation]) -> None:  # fmt: skip
        self.engine = engine
        self.current = current
        self.stale = stale
        self.n = 0
        self.tag = f"{os.getpid()}-{time.time():.0f}"  # every save a change

    def save(self) -> tuple[float, float, Organisation]:
        """One save: (ms to edit and check, ms to commit and see it answered from, the
        organisation saved)."""
        org = self.current()
        while True:
            started = time.perf_counter()
            self.n += 1
            ids = list(org.employees)
            e = org.employees[ids[(self.n * 7919) % len(ids)]]
            edited = orgedit.put_employee(
                org, dataclasses.replace(e, title=f"Titel {self.n} {self.tag}"), new=False
            )
            checked = problems.validated(org, edited)
            checked_at = time.perf_counter()
            try:
                changes = save_edit(self.engine, checked.organisation, actor="bench", base=org,
                                    changes=checked.changes)  # fmt: skip
            except StaleEdit:
                org = self.stale()
                continue
            saved = checked.organisation
            saved.revision = (org.revision or 0) + (1 if changes else 0)
            done = time.perf_counter()
            return (checked_at - started) * 1000, (done - checked_at) * 1000, saved


def writer(db: str) -> int:
    """`--writer DB`: another process saving an editor's change every second; prints the
    wall time and the revision of each commit."""
    engine = make_engine(db)

    def stored() -> Organisation:
        with engine.connect() as conn:
            org = load_organisation(conn)
        assert org is not None
        return org

    box = [stored()]
    editor = Editor(engine, lambda: box[0], stored)
    pause = float(os.environ.get("BENCH_WRITER_PAUSE", "1.0"))
    count = int(os.environ.get("BENCH_WRITER_COUNT", "0"))  # 0: until stopped
    while True:
        check, commit, box[0] = editor.save()
        print(f"{time.time():.4f} {box[0].revision} {check:.3f} {commit:.3f}", flush=True)
        if count and editor.n >= count:
            return 0
        time.sleep(pause)


def in_process(engine: Engine, questions: list[str], rate: float, seconds: float) -> list[float]:
    published = Published(engine, max_age=0.5)
    directory = Directory(engine, published)
    t0 = time.perf_counter()
    published.start()
    published.wait_for(1, timeout=900)
    print(f"start-up to ready: {time.perf_counter() - t0:.2f} s\n")
    reference = steady(directory, questions, rate, seconds)

    def snapshot() -> Organisation:
        current = published.current()
        assert current is not None
        return current.org

    def stale() -> Organisation:
        current = published.fresh()
        assert current is not None
        return current.org

    editor = Editor(engine, snapshot, stale)
    stop = threading.Event()
    checks: list[float] = []
    commits: list[float] = []

    def change_every_second() -> None:
        while not stop.wait(1.0):
            check, commit, _ = editor.save()
            checks.append(check)
            commits.append(commit)

    builds, patches = published.builds, published.patches
    thread = threading.Thread(target=change_every_second, daemon=True)
    thread.start()
    changing = steady(directory, questions, rate, seconds)
    stop.set()
    thread.join()
    applies = [s * 1000 for s in list(published.patch_seconds)]
    t0 = time.perf_counter()
    with engine.connect() as conn:
        whole = load_organisation(conn)
    assert whole is not None
    SearchIndex.build(whole)
    reload_ms = (time.perf_counter() - t0) * 1000
    del whole
    print("| in process | n | p50 | p99 | max |\n|---|---|---|---|---|")
    print(row("advice, reference: no changes", reference))
    print(row("advice, an editor's save every second", changing))
    print(row("editor's save: the edit and its check", checks))
    print(row("editor's save: commit, until answered from", commits))
    print(row("apply to the running snapshot and index", applies))
    print(f"\nratio of the advice p99s: {pct(changing, 99) / pct(reference, 99):.2f}; "
          f"full reload (load + index) {reload_ms:.0f} ms, apply p99 / reload "
          f"{pct(applies, 99) / reload_ms:.4f}; loaded whole {published.builds - builds} "
          f"times, applied {published.patches - patches} times")  # fmt: skip

    for _ in range(1000):
        editor.save()
    gc.collect()
    print(f"this process's RSS after 1,000 more changes: {rss_mb():.0f} MB (it also parsed "
          f"and imported the file; the server's own is below); applied {published.patches}, "
          f"loaded whole {published.builds}")  # fmt: skip

    # Presence at scale: 10,000 active codes (as calendar feeds would set them).
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM employees LIMIT 10000"))]
        conn.execute(
            text(
                "INSERT INTO absences (employee_id, code, starts_at, until, note, created_at,"
                " created_by) VALUES (:e, 'meeting', :s, :u, '', :s, 'bench')"
            ),
            [{"e": e, "s": AT - timedelta(hours=1), "u": AT + timedelta(hours=8)} for e in ids],
        )
        conn.execute(text("UPDATE presence_state SET version = version + 1"))
    with_codes = steady(directory, questions, rate, seconds)
    print(row(f"advice, {len(ids):,} active codes", with_codes))
    print(f"ratio of the p99s, codes / reference: {pct(with_codes, 99) / pct(reference, 99):.2f}\n")
    published.stop()
    return reference


def over_http(tmp: Path, db: str, questions: list[str], rate: float, seconds: float) -> None:
    import httpx

    from omstilling import accounts

    engine = make_engine(db)
    token = accounts.create_token(engine, "bench-changes", ["advice:read"])
    env = {**os.environ, "OMSTILLING_SECRET_KEY": secrets.token_urlsafe(32)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("wb")
    cmd = [sys.executable, "-m", "omstilling", "serve", "--db", db, "--port", str(port)]
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        took = wait_ready(base, server, 900)
        print(f"served: ready {took:.2f} s after start, "
              f"RSS {rss_mb(server.pid):.0f} MB\n")  # fmt: skip
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})

        def load() -> tuple[list[float], int]:
            latencies, errors = [], 0
            start = time.perf_counter()
            for i in range(int(rate * seconds)):
                due = start + i / rate
                if (wait := due - time.perf_counter()) > 0:
                    time.sleep(wait)
                try:
                    r = client.post("/api/v1/advice", json={"q": questions[i % len(questions)]})
                    errors += r.status_code != 200
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - due) * 1000)
            return latencies, errors

        reference, ref_errors = load()
        me = [sys.executable, str(Path(__file__).resolve()), "--writer", db]
        other = subprocess.Popen(me, stdout=subprocess.PIPE, text=True)
        commits: list[tuple[float, int]] = []
        saves: list[tuple[float, float]] = []
        stop = threading.Event()

        def read_commits() -> None:
            assert other.stdout is not None
            for line in other.stdout:
                at, revision, check, commit = line.split()
                commits.append((float(at), int(revision)))
                saves.append((float(check), float(commit)))

        seen: list[float] = []

        def watch() -> None:
            try:
                follow()
            except Exception as exc:  # say so: the figure would be missing
                print(f"watching the revision failed: {exc!r}", file=sys.stderr)

        def follow() -> None:
            done = 0
            with httpx.Client(base_url=base) as poll:
                while not stop.is_set():
                    if done < len(commits):
                        at, revision = commits[done]
                        answer = poll.get("/api/v1/health").json()
                        if (answer.get("revision") or 0) >= revision:
                            seen.append(time.time() - at)
                            done += 1
                            continue
                    time.sleep(0.02)

        threads = [threading.Thread(target=f, daemon=True) for f in (read_commits, watch)]
        for t in threads:
            t.start()
        changing, errors = load()
        stop.set()
        other.terminate()
        other.wait()
        print("| over HTTP | n | p50 | p99 | max | errors |\n|---|---|---|---|---|---|")
        print(row("advice, reference: no changes", reference, extra=f" {ref_errors} |"))
        print(row("advice, a change a second by another process", changing,
                  extra=f" {errors} |"))  # fmt: skip
        if seen:
            print(row("commit (other process) to served from it", seen, unit="s", extra=" |"))
        print(row("editor's save in that process: edit and check", [c for c, _ in saves],
                  extra=" |"))  # fmt: skip
        print(row("editor's save in that process: commit", [c for _, c in saves], extra=" |"))
        # Steady memory: 1,000 more changes as fast as they come, served at 20 a second.
        fast = {**os.environ, "BENCH_WRITER_PAUSE": "0", "BENCH_WRITER_COUNT": "1000"}
        burst = subprocess.Popen(me, stdout=subprocess.DEVNULL, env=fast)
        while burst.poll() is None:
            client.post("/api/v1/advice", json={"q": questions[0]})
            time.sleep(0.05)
        for _ in range(40):  # until the last change is answered from
            client.post("/api/v1/advice", json={"q": questions[0]})
            time.sleep(0.05)
        ready = httpx.get(f"{base}/api/v1/ready").json()
        print(f"server RSS after 1,000 more changes: {rss_mb(server.pid):.0f} MB "
              f"(loaded whole {ready['builds']} times in all)")  # fmt: skip
        ratio = pct(changing, 99) / pct(reference, 99)
        print(f"\nratio of the p99s: {ratio:.2f}; {len(commits)} commits; "
              f"server RSS at the end {rss_mb(server.pid):.0f} MB")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--file", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--http-only", action="store_true", help="only the served part")
    parser.add_argument("--writer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        return writer(args.writer)
    seconds = 10.0 if args.quick else args.seconds
    tmp = Path(tempfile.mkdtemp(prefix="omst-changes-"))
    if args.file is None:
        args.file = tmp / "org.yaml"
        size = ["200", "5000", "2000"] if args.quick else ["2000", "50000", "20000"]
        generate = [sys.executable, str(HERE / "generate_org.py"), "-o", str(args.file)]
        generate += ["--units", size[0], "--employees", size[1], "--keywords", size[2]]
        subprocess.run(generate, check=True)
    machine = platform.processor() or platform.machine()
    print(f"# {machine}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    db = f"sqlite:///{tmp / 'changes.db'}"
    engine = make_engine(db)
    ensure_schema(engine)
    org = orgfile.parse_bytes(args.file.read_bytes()).organisation
    import_organisation(engine, org, file_revision=None, actor="bench")
    employees = list(org.employees.values())
    questions = [e.name for e in employees[:: max(1, len(employees) // 500)]]
    questions += [t.name for t in list(org.tasks.values())[:200]]
    del org, employees
    if not args.http_only:
        in_process(engine, questions, args.rate, seconds)
    engine.dispose()
    over_http(tmp, db, questions, args.rate, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
