"""Running the real CLI on a bad file: its exit code, output and peak memory, and the
database before and after.

Memory: each run's peak RSS (see peak.py for how it is measured) must stay within
BOUND_MB of a reference measured in the same test session: the same command on a small
good file. A bad file may cost a little more than a good one, never memory that grows
with what it holds (a 300 MB line, a 1 GB gzip bomb, an alias bomb).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select

from omstilling import orgfile
from omstilling.calls import models as calls
from omstilling.calls.blocks import unpack
from omstilling.calls.cdr import import_cdr_file
from omstilling.calls.queue_log import import_files
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.organisation import import_organisation
from tests.calls.conftest import HANDCOUNT
from tests.conftest import MINI, mini_text

PEAK = Path(__file__).with_name("peak.py")
BOUND_MB = 150  # above the reference; any file held whole in memory (300 MB, 1 GB) is over it


@dataclass
class Run:
    code: int
    out: str
    err: str
    peak_mb: float

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def cli(*args: str | Path, cwd: Path, no_dac: bool = False) -> Run:
    """`python -m omstilling ARGS` in a process of its own, through peak.py."""
    flags = ["--no-dac"] if no_dac else []
    done = subprocess.run(
        [sys.executable, str(PEAK), *flags, "--", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout)
    return Run(r["code"], r["stdout"], r["stderr"], r["peak_kb"] / 1024)


def assert_clean(run: Run, path: Path) -> None:
    """No traceback, and every line of the error output names the file, short."""
    assert "Traceback" not in run.err and "Error" not in run.err, run.err
    assert run.err_lines, "no error output"
    for line in run.err_lines:
        assert str(path) in line, f"an error line that does not name the file: {line!r}"
        assert len(line) < 600, f"an error line of {len(line)} characters"


# --- the reference: the same commands on small good files -----------------------------------

GOOD_CDR_ROW = (
    '"","20304050","89151500","ctx","","SIP/1","SIP/2","Dial","","2026-11-30 10:{m:02d}:00",'
    '"2026-11-30 10:{m:02d}:05","2026-11-30 10:{m:02d}:50","50","45","ANSWERED","3"'
)
GOOD_CDR = "".join(GOOD_CDR_ROW.format(m=m) + "\n" for m in range(40))


class References:
    """Peak RSS of each command on a small good file, measured once a session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.peaks: dict[str, float] = {}

    def __call__(self, kind: str) -> float:
        if kind not in self.peaks:
            self.peaks[kind] = self._measure(kind)
        return self.peaks[kind]

    def _measure(self, kind: str) -> float:
        where = self.root / kind
        where.mkdir()
        db = f"sqlite:///{where / 'reference.db'}"
        seed(db)
        if kind == "org":
            run = cli("import", MINI, "--db", db, cwd=where)
        elif kind == "queue_log":
            run = cli("calls", "import-queue-log", HANDCOUNT, "--db", db, cwd=where)
        else:
            (where / "Master.csv").write_text(GOOD_CDR)
            run = cli("calls", "import-cdr", where / "Master.csv", "--db", db, cwd=where)
        assert run.code == 0, run.err
        return run.peak_mb


@pytest.fixture(scope="session")
def references(tmp_path_factory: pytest.TempPathFactory) -> References:
    return References(tmp_path_factory.mktemp("references"))


def assert_bounded(run: Run, references: References, kind: str, extra_mb: int = 0) -> None:
    reference = references(kind)
    assert run.peak_mb < reference + BOUND_MB + extra_mb, (
        f"peak RSS {run.peak_mb:.0f} MB; the reference ({kind}, a small good file) took "
        f"{reference:.0f} MB"
    )


# --- databases -----------------------------------------------------------------------------


def seed(url: str) -> None:
    """The schema and the acceptance organisation (whose units map the handcount's queues)."""
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="test")
    engine.dispose()


@pytest.fixture
def seeded(db_url: str) -> str:
    """A database on each engine that holds the organisation."""
    seed(db_url)
    return db_url


@pytest.fixture
def seeded_sqlite(sqlite_url: str) -> str:
    seed(sqlite_url)
    return sqlite_url


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "the database is unchanged"."""
    with _engine(url) as engine:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {
                t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                for t in meta.sorted_tables
            }


CALL_TABLES = [
    calls.CallEvent,
    calls.CallRecord,
    calls.CallStatsHourly,
    calls.CallWaitHistogram,
    calls.CallTransferStats,
    calls.CallDirectStats,
]


def call_data(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The call data, comparable across engines and databases: rows without their ids,
    typed by the models, and the raw log's lines (not its compressed blocks)."""
    with _engine(url) as engine, engine.connect() as conn:
        state: dict[str, list[tuple[Any, ...]]] = {}
        for model in CALL_TABLES:
            table = model.__table__
            columns = [c for c in table.columns if c.name != "id"]  # type: ignore[attr-defined]
            rows = conn.execute(select(*columns))
            state[model.__tablename__] = sorted((tuple(r) for r in rows), key=repr)
        bodies = conn.execute(select(calls.CallLogBlock.body)).scalars()
        state["raw queue_log"] = sorted(line for b in bodies for line in unpack(b))
        return state


def expected_call_data(tmp_path: Path, kind: str, good: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What importing only the good lines stores, imported in this process into a new
    SQLite database that holds the same organisation."""
    url = f"sqlite:///{tmp_path / f'expected-{kind}.db'}"
    seed(url)
    with _engine(url) as engine:
        if kind == "queue_log":
            import_files(engine, [good])
        else:
            import_cdr_file(engine, good)
    return call_data(url)


# --- writing big files without holding them ------------------------------------------------

MB = 1024 * 1024


def write_repeated(fh: Any, byte: bytes, megabytes: int) -> None:
    chunk = byte * MB
    for _ in range(megabytes):
        fh.write(chunk)


def gzip_bomb(path: Path, head: bytes, byte: bytes, megabytes: int, tail: bytes = b"") -> None:
    """A .gz of `head`, then `megabytes` MB of one byte, then `tail`, compressed as it goes
    (1 GB of one byte is about 1 MB compressed)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    chunk = byte * MB
    with path.open("wb") as fh:
        fh.write(z.compress(head))
        for _ in range(megabytes):
            fh.write(z.compress(chunk))
        fh.write(z.compress(tail))
        fh.write(z.flush())


def unreadable(path: Path) -> bool:
    """Make a file unreadable (mode 000); whether the CLI must run without root's powers
    to find it so."""
    path.chmod(0)
    return os.geteuid() == 0
