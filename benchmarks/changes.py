"""Benchmark: advice while the organisation changes (issue 13, first part).

    python benchmarks/changes.py [--quick] [--file org.yaml] [--seconds 30] [--rate 50]

On the generated Copenhagen-size organisation (`generate_org.py`, 50,000 employees)
imported into a SQLite file, in one process as the server holds it:

- start-up: from `Published.start()` to ready (the organisation and its index built on
  their own thread), and the RSS after;
- advice at a steady rate (default 50 a second, in process: `Directory.advise`, search
  included), first with no change (the reference), then while a change is committed
  every second by another connection (an employee's title and the revision, as another
  process or the editor would): p50, p99 and max of each, and the ratio of the p99s;
- from a change's commit to the first advice that reflects it (p50, p99);
- builds done and the RSS at the end (no second copy kept after a swap);
- advice with 10,000 active absence codes against the reference (issue 13 item 4).

Latency is counted from the moment the schedule meant to ask (no coordinated omission).
`--quick`: a small generated organisation, 10 s a phase; a smoke run only.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from omstilling import orgfile  # noqa: E402
from omstilling.directory import Directory  # noqa: E402
from omstilling.domain.inquiry import Inquiry  # noqa: E402
from omstilling.published import Published  # noqa: E402
from omstilling.store.db import ensure_schema, make_engine  # noqa: E402
from omstilling.store.organisation import import_organisation  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def steady(directory: Directory, questions: list[str], rate: float, seconds: float) -> list[float]:
    """Advise at `rate` a second for `seconds`; latency from the scheduled moment, in ms."""
    at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    latencies = []
    start = time.perf_counter()
    n = int(rate * seconds)
    for i in range(n):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        directory.advise(Inquiry(query=questions[i % len(questions)]), at)
        latencies.append((time.perf_counter() - due) * 1000)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--file", type=Path)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    seconds = 10.0 if args.quick else args.seconds
    tmp = Path(tempfile.mkdtemp(prefix="omst-changes-"))
    if args.file is None:
        args.file = tmp / "org.yaml"
        size = ["200", "5000", "2000"] if args.quick else ["2000", "50000", "20000"]
        import subprocess

        generate = [sys.executable, str(HERE / "generate_org.py"), "-o", str(args.file)]
        generate += ["--units", size[0], "--employees", size[1], "--keywords", size[2]]
        subprocess.run(generate, check=True)
    machine = platform.processor() or platform.machine()
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"# {machine}, Python {platform.python_version()}, {started}")
    engine = make_engine(f"sqlite:///{tmp / 'changes.db'}")
    ensure_schema(engine)
    org = orgfile.parse_bytes(args.file.read_bytes()).organisation
    import_organisation(engine, org, file_revision=None, actor="bench")
    employees = list(org.employees.values())
    questions = [e.name for e in employees[:: max(1, len(employees) // 500)]]
    questions += [t.name for t in list(org.tasks.values())[:200]]
    del org

    published = Published(engine, max_age=0.5)
    directory = Directory(engine, published)
    t0 = time.perf_counter()
    published.start()
    published.wait_for(1, timeout=600)
    print(f"start-up to ready: {time.perf_counter() - t0:.2f} s, RSS {rss_mb():.0f} MB")

    reference = steady(directory, questions, args.rate, seconds)

    stop = threading.Event()
    commits: list[tuple[float, int]] = []
    other = make_engine(str(engine.url))  # another connection pool, as another process

    def change_every_second() -> None:
        i = 0
        while not stop.wait(1.0):
            i += 1
            employee = employees[(i * 7919) % len(employees)].id
            with other.begin() as conn:
                conn.execute(
                    text("UPDATE employees SET title = :t WHERE id = :id"),
                    {"t": f"Titel {i}", "id": employee},
                )
                revision = conn.execute(
                    text("UPDATE org_state SET revision = revision + 1 RETURNING revision")
                ).scalar_one()
            commits.append((time.perf_counter(), int(revision)))

    seen: list[float] = []

    def watch() -> None:
        """From each commit to the first moment the directory answers from it."""
        done = 0
        while not stop.is_set() or done < len(commits):
            if done < len(commits):
                committed, revision = commits[done]
                current = published.loaded()
                if current is not None and (current.revision or 0) >= revision:
                    seen.append(time.perf_counter() - committed)
                    done += 1
                    continue
            time.sleep(0.005)
            if stop.is_set() and time.perf_counter() - commits[-1][0] > 60:
                break

    builds_before = published.builds
    writer = threading.Thread(target=change_every_second, daemon=True)
    watcher = threading.Thread(target=watch, daemon=True)
    writer.start()
    watcher.start()
    changing = steady(directory, questions, args.rate, seconds)
    stop.set()
    writer.join()
    watcher.join(timeout=120)

    def row(name: str, values: list[float]) -> str:
        return (f"| {name} | {len(values)} | {pct(values, 50):.2f} ms | {pct(values, 99):.2f} ms "
                f"| {max(values):.2f} ms |")  # fmt: skip

    print("| advice | n | p50 | p99 | max |\n|---|---|---|---|---|")
    print(row("reference: no changes", reference))
    print(row("a change committed every second", changing))
    print(f"ratio of the p99s: {pct(changing, 99) / pct(reference, 99):.2f}")
    if seen:
        print(f"commit to first advice from it: n={len(seen)} p50 {pct(seen, 50):.2f} s, "
              f"p99 {pct(seen, 99):.2f} s, max {max(seen):.2f} s")  # fmt: skip
    print(f"builds during the changes: {published.builds - builds_before} for {len(commits)} "
          f"commits; RSS at the end {rss_mb():.0f} MB")  # fmt: skip

    # Presence at scale: the same questions with 10,000 active codes (as calendar feeds
    # would set them), written as another process would, against the reference above.
    n_codes = min(10_000, len(employees))
    at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with other.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO absences (employee_id, code, starts_at, until, note, created_at,"
                " created_by) VALUES (:e, 'meeting', :s, :u, '', :s, 'bench')"
            ),
            [
                {"e": e.id, "s": at - timedelta(hours=1), "u": at + timedelta(hours=8)}
                for e in employees[:n_codes]
            ],
        )
        conn.execute(text("UPDATE presence_state SET version = version + 1"))
    with_codes = steady(directory, questions, args.rate, seconds)
    print(row(f"{n_codes:,} active codes, no changes", with_codes))
    print(f"ratio of the p99s, codes / reference: {pct(with_codes, 99) / pct(reference, 99):.2f}"
          f"; presence loads: {directory.presence.loads}")  # fmt: skip
    published.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
