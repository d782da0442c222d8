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

from benchmarks.served import at_rate, pct  # noqa: E402
from benchmarks.served import serve as serve_omstilling  # noqa: E402
from benchmarks.served import stop as stop_omstilling  # noqa: E402
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


def demo_ldif(path: Path, doc: dict[str, Any]) -> list[str]:
    """The demo's people as AD entries (their e-mail matches them once); their DNs."""
    dns = []
    with path.open("w", encoding="utf-8") as f:
        n = 0
        for u in doc["units"]:
            for e in u.get("employees", []):
                n += 1
                dn = f"cn={e['id']},ou=Ansatte,{SUFFIX}"
                dns.append(dn)
                attrs = {"objectClass": ["inetOrgPerson", "user"], "cn": e["id"], "sn": "x",
                         "objectGUID": guid(n), "displayName": e["name"], "title": e["title"],
                         "telephoneNumber": e["phone"], "mail": e["email"],
                         "department": u["id"], "userAccountControl": 512}  # fmt: skip
                f.write(ldif_entry(dn, attrs))
    return dns


def advice_while_syncing(seconds: float, rate: float) -> None:
    """POST /api/v1/advice over HTTP on the served demo at `rate` a second: p50, p99, max
    and errors with no sync (the reference), then while `omstilling sync` runs again and
    again in another process, each run after 30 people's titles changed in AD."""
    import secrets
    import threading

    import httpx
    import yaml

    from omstilling import accounts
    from omstilling.demo.build import build_demo
    from omstilling.demo.org import demo_organisation
    from omstilling.store.db import make_engine

    with tempfile.TemporaryDirectory(prefix="omst-sync-advice-") as tmp:
        folder = Path(tmp)
        info = build_demo(folder)
        doc = demo_organisation()
        (folder / "slapd").mkdir()
        dns = demo_ldif(folder / "demo.ldif", doc)
        # The directory is on another machine in a municipality: here it yields the CPU.
        server_gen = start_slapd(folder / "slapd", folder / "demo.ldif", nice=10)
        slapd = next(server_gen)
        sync_doc = {
            "format": "omstilling-sync/1", "name": "ad",
            "source": {"kind": "ldap", "url": slapd.url, "bind_dn": READER,
                       "bind_password_env": ENV, "base": f"ou=Ansatte,{SUFFIX}",
                       "preset": "active-directory"},
            "fields": {"login": ""},
            "units": {"by": "department", "map": {u["id"]: u["id"] for u in doc["units"]}},
        }  # fmt: skip
        (folder / "ad.yaml").write_text(yaml.safe_dump(sync_doc, allow_unicode=True))
        token = accounts.create_token(make_engine(info.url), "bench", ["advice:read"])
        env = {"OMSTILLING_SECRET_KEY": secrets.token_urlsafe(32)}
        served, base = serve_omstilling(info.url, env, folder / "serve.log")
        questions = ["pas", "kontanthjælp", "byggetilladelse", "sygedagpenge", "affald", "skat"]
        try:
            client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})

            def ask(i: int) -> httpx.Response:
                return client.post("/api/v1/advice", json={"q": questions[i % 6]})

            def load() -> tuple[list[float], int]:
                return at_rate(ask, rate, lambda elapsed: elapsed >= seconds)

            reference, ref_errors = load()
            stop = threading.Event()
            runs: list[float] = []

            def syncing() -> None:
                admin = slapd.admin()
                sync_env = {**os.environ, ENV: READER_PASSWORD}
                round_ = 0
                while not stop.is_set():
                    round_ += 1
                    for dn in dns[round_ % 10 :: 10][:30]:
                        admin.modify(dn, {"title": [(MODIFY_REPLACE, [f"Titel {round_}"])]})
                    t = time.perf_counter()
                    subprocess.run(
                        [sys.executable, "-m", "omstilling", "sync", "--force",
                         str(folder / "ad.yaml"), "--db", info.url],
                        env=sync_env, capture_output=True, check=True,
                    )  # fmt: skip
                    runs.append(time.perf_counter() - t)

            thread = threading.Thread(target=syncing, daemon=True)
            thread.start()
            during, errors = load()
            stop.set()
            thread.join(120)

            for name, values, errs in (("no sync", reference, ref_errors),
                                       ("while syncing", during, errors)):  # fmt: skip
                print(
                    f"advice {name}: n {len(values)}, p50 {pct(values, 50):.1f} ms, "
                    f"p99 {pct(values, 99):.1f} ms, max {max(values):.1f} ms, errors {errs}"
                )
            print(
                f"syncs during the load: {len(runs)} (each {min(runs, default=0):.1f}-"
                f"{max(runs, default=0):.1f} s); ratio of the p99s "
                f"{pct(during, 99) / pct(reference, 99):.2f}; load {os.getloadavg()}"
            )
        finally:
            stop_omstilling(served)
            server_gen.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--advice", action="store_true", help="advice p99 while syncing")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--step", nargs=2, metavar=("DB", "SYNC_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step(*args.step)
        return
    if args.advice:
        advice_while_syncing(10.0 if args.quick else args.seconds, 50.0)
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
