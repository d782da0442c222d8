"""Benchmark: validate + import of the organisation file, re-import, snapshot load, index.

    python benchmarks/org_import.py [--quick] [--file org.yaml] [--postgres URL]

Targets (issue "Benchmarks of validate+import and of loading the snapshot"), at
Copenhagen size (2,000 units, 50,000 employees, 20,000 keywords):

- validate + import into an empty database <= 60 s
- snapshot load (`load_organisation`) <= 2 s
- peak memory (RSS) <= 1 GB

Every step runs in its own Python process (this script, `--step NAME`), so its peak RSS
(`ru_maxrss`) is the peak of that step alone, interpreter and imports included, like a
real `omstilling import`. The steps run one after the other, never in parallel.

References measured in the same run, on the same file, for ratios:

- parse: `yaml.load(text, Loader=yaml.CSafeLoader)`, the YAML alone without validation;
- import: a bare `sqlite3` `executemany` of the same employee rows (all 16 columns) into
  a plain table in an empty file, one transaction. The import writes every table plus
  the audit log, so the ratio is an upper bound on the overhead, not like for like.

PostgreSQL is measured when `--postgres URL`, OMSTILLING_BENCH_POSTGRES_URL or
OMSTILLING_TEST_POSTGRES_URL names a server: a fresh database `omst_bench_<random>` is
created through an AUTOCOMMIT connection to that URL and dropped afterwards.

`--quick`: 200 units, 5,000 employees, 2,000 keywords; a smoke run, not a measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FULL = {"units": 2000, "employees": 50000, "keywords": 20000}
QUICK = {"units": 200, "employees": 5000, "keywords": 2000}
TARGET_IMPORT_S = 60.0
TARGET_LOAD_S = 2.0
TARGET_RSS_MB = 1024.0


# --- the steps, each run in a child process -------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _parse(path: Path) -> Any:
    from omstilling import orgfile

    return orgfile.parse_bytes(path.read_bytes())


def step_ref_yaml(path: Path, _db: str, _runs: int) -> dict[str, Any]:
    import yaml

    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    seconds = time.perf_counter() - started
    assert isinstance(data, dict)
    return {"seconds": seconds}


def step_parse(path: Path, _db: str, _runs: int) -> dict[str, Any]:
    started = time.perf_counter()
    result = _parse(path)
    seconds = time.perf_counter() - started
    org = result.organisation
    return {
        "seconds": seconds,
        "units": len(org.units),
        "employees": len(org.employees),
        "tasks": len(org.tasks),
        "keywords": sum(len(t.keywords) for t in org.tasks.values()),
        "warnings": len(result.warnings),
    }


def step_ref_sqlite(path: Path, db: str, _runs: int) -> dict[str, Any]:
    from omstilling.store.org_write import entity_row

    org = _parse(path).organisation
    rows = [entity_row(e, pos) for pos, e in enumerate(org.employees.values())]
    columns = list(rows[0])
    tuples = [tuple(r[c] for c in columns) for r in rows]
    conn = sqlite3.connect(db.removeprefix("sqlite:///"))
    conn.execute(f"CREATE TABLE employees ({', '.join(columns)})")
    conn.commit()
    sql = f"INSERT INTO employees VALUES ({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    with conn:
        conn.executemany(sql, tuples)
    seconds = time.perf_counter() - started
    conn.close()
    return {"seconds": seconds, "rows": len(tuples)}


def _engine(db: str) -> Any:
    from omstilling.store.db import ensure_schema, make_engine

    engine = make_engine(db)
    ensure_schema(engine)
    return engine


def step_import(path: Path, db: str, _runs: int) -> dict[str, Any]:
    """Validate + import into an empty database, as `omstilling import` does."""
    from omstilling.store.organisation import import_organisation

    engine = _engine(db)  # schema (the migrations) before the clock starts
    started = time.perf_counter()
    result = _parse(path)
    parsed = time.perf_counter()
    summary = import_organisation(
        engine, result.organisation, file_revision=result.revision, actor="bench"
    )
    done = time.perf_counter()
    engine.dispose()
    assert summary.written, "the database was not empty"
    return {
        "seconds": done - started,
        "parse_seconds": parsed - started,
        "import_seconds": done - parsed,
        "changes": _counts(summary),
    }


def _counts(summary: Any) -> Any:
    counts = summary.counts
    return counts() if callable(counts) else counts


def step_reimport(path: Path, db: str, _runs: int) -> dict[str, Any]:
    """The same file again: validate, load, diff, find nothing to write."""
    from omstilling.store.organisation import import_organisation

    engine = _engine(db)
    started = time.perf_counter()
    result = _parse(path)
    parsed = time.perf_counter()
    summary = import_organisation(
        engine, result.organisation, file_revision=result.revision, actor="bench"
    )
    done = time.perf_counter()
    engine.dispose()
    assert not summary.written, f"re-import wrote changes: {_counts(summary)}"
    return {
        "seconds": done - started,
        "parse_seconds": parsed - started,
        "import_seconds": done - parsed,
    }


def step_load(_path: Path, db: str, runs: int) -> dict[str, Any]:
    from omstilling.store.organisation import load_organisation

    engine = _engine(db)
    times = []
    employees = 0
    for _ in range(runs):
        started = time.perf_counter()
        with engine.connect() as conn:
            org = load_organisation(conn)
        times.append(time.perf_counter() - started)
        assert org is not None
        employees = len(org.employees)
        del org
    engine.dispose()
    return {"seconds": statistics.median(times), "times": times, "employees": employees}


def step_index(path: Path, _db: str, runs: int) -> dict[str, Any]:
    from omstilling.domain.search import SearchIndex

    org = _parse(path).organisation
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        index = SearchIndex.build(org)
        times.append(time.perf_counter() - started)
        assert index.search("pas")
        del index
    return {"seconds": statistics.median(times), "times": times}


STEPS: dict[str, Callable[[Path, str, int], dict[str, Any]]] = {
    "ref_yaml": step_ref_yaml,
    "parse": step_parse,
    "ref_sqlite": step_ref_sqlite,
    "import": step_import,
    "reimport": step_reimport,
    "load": step_load,
    "index": step_index,
}


def run_step(name: str, path: Path, db: str = "", runs: int = 1) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its JSON result plus its peak RSS."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--step", name, "--file", str(path)]
    cmd += ["--db", db, "--runs", str(runs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"step {name} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def child(args: argparse.Namespace) -> int:
    result = STEPS[args.step](args.file, args.db, args.runs)
    result["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(result))
    return 0


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_url(admin_url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    from omstilling.store.db import normalise_url

    url = make_url(normalise_url(admin_url)).set(database=database)
    return url.render_as_string(hide_password=False)


def _pg_admin(admin_url: str, sql: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from omstilling.store.db import normalise_url

    u = make_url(normalise_url(admin_url))
    with psycopg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        dbname=u.database or "postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


# --- the driver --------------------------------------------------------------------------


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


def fmt_s(x: float) -> str:
    return f"{x:.2f} s" if x >= 0.1 else f"{x * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small org, smoke run")
    parser.add_argument("--file", type=Path, help="organisation file (default: generate one)")
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (default: env)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--load-runs", type=int, default=None, help="snapshot loads (p50)")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        return child(args)

    size = QUICK if args.quick else FULL
    load_runs = args.load_runs or (3 if args.quick else 5)
    index_runs = 3
    pg_admin = None
    if not args.no_postgres:
        pg_admin = (
            args.postgres
            or os.environ.get("OMSTILLING_BENCH_POSTGRES_URL")
            or os.environ.get("OMSTILLING_TEST_POSTGRES_URL")
        )

    with tempfile.TemporaryDirectory(prefix="omst-bench-") as tmp_name:
        tmp = Path(tmp_name)
        path = args.file
        if path is None:
            path = tmp / "org.yaml"
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, str(HERE / "generate_org.py"), "-o", str(path)]
                + [f"--{k}={v}" for k, v in size.items()],
                check=True,
            )
            print(f"generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        mb = path.stat().st_size / 1e6
        print(f"# org_import: {path} ({mb:.1f} MB); {machine()}", flush=True)
        print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)

        r: dict[str, dict[str, Any]] = {}

        def step(key: str, name: str, db: str = "", runs: int = 1) -> dict[str, Any]:
            print(f"  ... {key}", file=sys.stderr, flush=True)
            r[key] = run_step(name, path, db, runs)
            return r[key]

        step("ref_yaml", "ref_yaml")
        parsed = step("parse", "parse")
        step("ref_sqlite", "ref_sqlite", f"sqlite:///{tmp / 'ref.db'}")
        sqlite_db = f"sqlite:///{tmp / 'bench.db'}"
        step("import_sqlite", "import", sqlite_db)
        step("reimport_sqlite", "reimport", sqlite_db)
        step("load_sqlite", "load", sqlite_db, load_runs)
        step("index", "index", runs=index_runs)
        if pg_admin:
            name = f"omst_bench_{secrets.token_hex(4)}"
            _pg_admin(pg_admin, f'CREATE DATABASE "{name}"')
            try:
                pg_db = _pg_url(pg_admin, name)
                step("import_pg", "import", pg_db)
                step("reimport_pg", "reimport", pg_db)
                step("load_pg", "load", pg_db, load_runs)
            finally:
                _pg_admin(pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(
        f"# {parsed['units']} units, {parsed['employees']} employees, {parsed['tasks']} tasks, "
        f"{parsed['keywords']} keywords"
    )
    ref_yaml = r["ref_yaml"]["seconds"]
    ref_sql = r["ref_sqlite"]["seconds"]
    rows: list[tuple[str, str, str, str, str]] = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    def row(label: str, key: str, ratio: str = "", target: str = "") -> None:
        res = r[key]
        rows.append((label, fmt_s(res["seconds"]), f"{res['peak_rss_mb']:.0f} MB", ratio, target))

    row("reference: yaml.load CSafeLoader", "ref_yaml")
    row(
        "validate (orgfile.parse_bytes)",
        "parse",
        f"{r['parse']['seconds'] / ref_yaml:.1f}x yaml.load",
    )
    row(f"reference: sqlite3 executemany {r['ref_sqlite']['rows']} employees", "ref_sqlite")
    for db in ("sqlite", "pg"):
        key = f"import_{db}"
        if key not in r:
            continue
        res = r[key]
        label = "SQLite" if db == "sqlite" else "PostgreSQL"
        rows.append(
            (
                f"{label}: validate + import, empty db",
                fmt_s(res["seconds"]),
                f"{res['peak_rss_mb']:.0f} MB",
                "",
                f"<= {TARGET_IMPORT_S:.0f} s: {verdict(res['seconds'] <= TARGET_IMPORT_S)}",
            )
        )
        rows.append(
            (
                f"  {label}: import alone",
                fmt_s(res["import_seconds"]),
                "",
                f"{res['import_seconds'] / ref_sql:.0f}x executemany",
                "",
            )
        )
        res = r[f"reimport_{db}"]
        rows.append(
            (
                f"{label}: validate + re-import, no changes",
                fmt_s(res["seconds"]),
                f"{res['peak_rss_mb']:.0f} MB",
                f"import alone {fmt_s(res['import_seconds'])}",
                "",
            )
        )
        res = r[f"load_{db}"]
        ok = res["seconds"] <= TARGET_LOAD_S
        rows.append(
            (
                f"{label}: snapshot load p50 of {len(res['times'])}",
                fmt_s(res["seconds"]),
                f"{res['peak_rss_mb']:.0f} MB",
                "max " + fmt_s(max(res["times"])),
                f"<= {TARGET_LOAD_S:.0f} s: {verdict(ok)}",
            )
        )
    res = r["index"]
    rows.append(
        (
            f"search index build p50 of {len(res['times'])}",
            fmt_s(res["seconds"]),
            f"{res['peak_rss_mb']:.0f} MB",
            "",
            "",
        )
    )
    peak = max(v["peak_rss_mb"] for v in r.values())
    rows.append(
        (
            "peak RSS of any step",
            "",
            f"{peak:.0f} MB",
            "",
            f"<= {TARGET_RSS_MB:.0f} MB: {verdict(peak <= TARGET_RSS_MB)}",
        )
    )
    header = ("step", "time", "peak RSS", "ratio / note", "target")
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
    if not pg_admin and not args.no_postgres:
        print("# PostgreSQL skipped: set OMSTILLING_BENCH_POSTGRES_URL or --postgres")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
