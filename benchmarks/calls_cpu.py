"""CPU seconds of one queue_log import, to compare two versions of the importer on a
machine that other work keeps busy (wall time there measures the neighbours).

    python benchmarks/calls_cpu.py [--lines 300000]
    PYTHONPATH=<old checkout>/src python benchmarks/calls_cpu.py

The same generated lines as `calls.py import`, parsed and imported in this one
process (no parse worker, so that all the work is counted in this process's CPU
time), into a fresh SQLite database; prints the CPU and wall seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from calls import generate_lines
    from omstilling.calls.queue_log import import_lines
    from omstilling.store.db import ensure_schema, make_engine

    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=300_000)
    args = ap.parse_args()
    lines = generate_lines(args.lines * 10 // 34)
    engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'cpu.db'}")
    ensure_schema(engine)
    cpu, wall = time.process_time(), time.perf_counter()
    summary = import_lines(engine, [("bench", lines)], worker=False)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        json.dumps({"lines": summary.lines, "cpu_seconds": round(cpu, 2), "wall": round(wall, 2)})
    )


if __name__ == "__main__":
    main()
