"""Benchmark: the directory sync (issue 14 item 8) against a real slapd.

    python benchmarks/sync.py [--quick] [--people 50000] [--units 2000]

Targets, at Copenhagen size (50,000 people in 2,000 units in the test slapd):

- a first sync into an empty organisation (2,000 units, no people) <= 60 s
- a re-sync with no changes <= 15 s
- a sync with 1 % changed (renames, new numbers, moves) <= 20 s
- peak memory (RSS) of each sync <= 1 GB

The reference, measured in the same run: a bare paged `ldap3` search of the same
entries with the same attributes (nothing done with them); our times are given as a
ratio to it. The slapd is the tests' own (`tests/sync/slapd.py`: slapd.conf, the
AD-like schema, the database loaded offline by slapadd); the database is SQLite in a
temporary folder. Each sync runs in its own process (`omstilling sync`), so its peak
RSS is its own, interpreter and imports included.

`--quick`: 5,000 people in 200 units; a smoke run, not a measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ldap3 import MODIFY_REPLACE, SUBTREE, Connection, Server  # noqa: E402
from tests.sync.slapd import (  # noqa: E402
    READER,
    READER_PASSWORD,
    SUFFIX,
    guid,
    ldif_entry,
    start_slapd,
)

ENV = "BENCH_SYNC_PASSWORD"
TARGETS = {"first": 60.0, "unchanged": 15.0, "one_percent": 20.0}
TARGET_RSS_MB = 1024.0
ATTRS = ["objectGUID", "displayName", "title", "telephoneNumber", "mobile", "mail",
         "sAMAccountName", "department", "userAccountControl"]  # fmt: skip


def people_ldif(path: Path, people: int, units: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for n in range(1, people + 1):
            unit = n % units + 1
            f.write(
                ldif_entry(
                    f"cn=Person {n},ou=Ansatte,{SUFFIX}",
                    {
                        "objectClass": ["inetOrgPerson", "user"],
                        "cn": f"Person {n}",
                        "sn": f"Efternavn{n}",
                        "objectGUID": guid(n),
                        "displayName": f"Person {n} Ærø",
                        "title": "Sagsbehandler",
                        "telephoneNumber": f"8{n:07d}"[:8],
                        "mobile": f"2{n:07d}"[:8],
                        "mail": f"p{n}@kommune.example",
                        "sAMAccountName": f"p{n}",
                        "department": f"Afdeling {unit}",
                        "userAccountControl": 512,
                    },
                )
            )


def organisation(path: Path, units: int) -> None:
    import yaml

    doc = {
        "format": "omstilling/1",
        "municipality": {
            "name": "Bench Kommune",
            "hours": {k: "Mo-Fr 09:00-15:00" for k in ("official", "opening", "phone")},
        },
        "units": [
            {"id": f"enhed-{u}", "name": f"Enhed {u}", "kind": "department"}
            for u in range(1, units + 1)
        ],
    }
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def sync_file(path: Path, url: str, units: int) -> None:
    import yaml

    doc = {
        "format": "omstilling-sync/1",
        "name": "ad",
        "source": {"kind": "ldap", "url": url, "bind_dn": READER, "bind_password_env": ENV,
                   "base": f"ou=Ansatte,{SUFFIX}", "preset": "active-directory",
                   "page_size": 1000},
        "units": {"by": "department",
                  "map": {f"Afdeling {u}": f"enhed-{u}" for u in range(1, units + 1)}},
        "left": {"max_share": 0.5},
    }  # fmt: skip
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def bare_search(url: str) -> float:
    """The reference: a paged search of the same entries and attributes, nothing more."""
    started = time.perf_counter()
    conn = Connection(Server(url), READER, READER_PASSWORD, auto_bind=True)
    n = 0
    for item in conn.extend.standard.paged_search(
        f"ou=Ansatte,{SUFFIX}", "(objectClass=user)", SUBTREE, attributes=ATTRS,
        paged_size=1000, generator=True,
    ):  # fmt: skip
        n += item.get("type") == "searchResEntry"
    conn.unbind()
    return time.perf_counter() - started


def step(db: str, sync_path: str) -> None:
    """In a child process: one sync, its phases and its peak RSS, as JSON on stdout."""
    from omstilling.store.db import make_engine
    from omstilling.sync.apply import run_sync
    from omstilling.sync.config import read_sync_file

    started = time.perf_counter()
    result = run_sync(make_engine(db), read_sync_file(Path(sync_path)))
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"sync failed: {result.errors}")
    p = result.plan
    assert p is not None
    print(
        json.dumps(
            {
                "seconds": seconds,
                "phases": {k: round(v, 2) for k, v in result.seconds.items()},
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "summary": f"added {p.count('added')}, changed {p.count('changed')}, "
                f"moved {p.count('moved')}, left {len(p.left_ids)}",
            }
        )
    )


def run_sync(folder: Path, db: str, url: str) -> dict[str, Any]:
    """One sync in its own process, right after a bare search of the same entries (its
    reference: the machine is shared, so each figure has its own)."""
    reference = bare_search(url)
    done = subprocess.run(
        [sys.executable, __file__, "--step", db, str(folder / "ad.yaml")],
        capture_output=True, text=True, env={**os.environ, ENV: READER_PASSWORD}, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"sync failed ({done.returncode}): {done.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out["bare_search_s"] = round(reference, 2)
    out["ratio"] = round(out["seconds"] / reference, 2)
    out["load"] = [round(x, 1) for x in os.getloadavg()]
    return out


def change_one_percent(url: str, people: int, units: int) -> int:
    """1 % of the people: a third renamed, a third with a new number, a third moved."""
    conn = Connection(Server(url), "cn=admin," + SUFFIX, "slapd-test-hemmelig", auto_bind=True)
    step = 100
    changed = 0
    for i, n in enumerate(range(1, people + 1, step)):
        dn = f"cn=Person {n},ou=Ansatte,{SUFFIX}"
        kind = i % 3
        if kind == 0:
            conn.modify(dn, {"displayName": [(MODIFY_REPLACE, [f"Person {n} Omdøbt"])]})
        elif kind == 1:
            conn.modify(dn, {"telephoneNumber": [(MODIFY_REPLACE, [f"7{n:07d}"[:8]])]})
        else:
            dept = f"Afdeling {(n + 7) % units + 1}"
            conn.modify(dn, {"department": [(MODIFY_REPLACE, [dept])]})
        changed += 1
    conn.unbind()
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--step", nargs=2, metavar=("DB", "SYNC_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step(*args.step)
        return
    people, units = (5_000, 200) if args.quick else (args.people, args.units)
    with tempfile.TemporaryDirectory(prefix="omst-sync-bench-") as tmp:
        folder = Path(tmp)
        (folder / "slapd").mkdir()
        ldif = folder / "people.ldif"
        t = time.perf_counter()
        people_ldif(ldif, people, units)
        server_gen = start_slapd(folder / "slapd", ldif)
        server = next(server_gen)
        load_s = time.perf_counter() - t
        try:
            db = f"sqlite:///{folder / 'bench.db'}"
            organisation(folder / "org.yaml", units)
            subprocess.run(
                [sys.executable, "-m", "omstilling", "import", str(folder / "org.yaml"),
                 "--db", db], check=True, capture_output=True,
            )  # fmt: skip
            sync_file(folder / "ad.yaml", server.url, units)
            results: dict[str, Any] = {
                "people": people,
                "units": units,
                "slapadd_s": round(load_s, 1),
                "machine": f"{os.cpu_count()} cpu, python {platform.python_version()}",
            }
            results["first"] = run_sync(folder, db, server.url)
            results["unchanged"] = run_sync(folder, db, server.url)
            results["changed_entries"] = change_one_percent(server.url, people, units)
            results["one_percent"] = run_sync(folder, db, server.url)
            for key, target in TARGETS.items():
                r = results[key]
                r["target_s"] = target
                r["met"] = r["seconds"] <= target and r["peak_rss_mb"] <= TARGET_RSS_MB
            print(json.dumps(results, indent=2, default=str))
        finally:
            server_gen.close()


if __name__ == "__main__":
    main()
