"""Asterisk CDR CSV (cdr_csv, Master.csv): calls to direct numbers.

Columns: accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp,
lastdata, start, answer, end, duration, billsec, disposition, amaflags, and
optionally uniqueid and userfield. Times are local. Calls whose last
application was `Queue` passed a queue and are counted from queue_log, so they
are skipped here: no call is counted twice. `clid` (the caller's name) is
never stored; `src` is kept as the caller number (hashed after retention).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine

from omstilling.calls.ingest import Ingestor
from omstilling.calls.legs import K_CDR, Ev, load_context
from omstilling.calls.logfiles import MAX_LINE, bounded_lines, open_log, reading
from omstilling.calls.session import ensure_state
from omstilling.domain.kpi import CALL_YEARS, EARLIEST_EPOCH, LATEST_EPOCH

COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
)
# What the raw event keeps of a row: not the caller (src is stored as the event's caller,
# to be hashed after retention; clid, the caller's name, never), nor what says nothing
# of the call (account code, application data, AMA flags, the PBX's id).
KEPT = tuple(
    c
    for c in COLUMNS
    if c not in {"accountcode", "src", "clid", "lastdata", "amaflags", "uniqueid"}
)


@dataclass
class CdrSummary:
    lines: int = 0
    calls_added: int = 0
    duplicates: int = 0
    queued: int = 0
    malformed: list[tuple[str, int, str]] = field(default_factory=list)
    malformed_count: int = 0


class BadRow(ValueError):
    pass


OVERLONG = "\x00over-long"


def _csv_lines(fh: TextIO) -> Iterator[str]:
    """Lines for the CSV reader, none held longer than MAX_LINE: an over-long line becomes
    one marker row (its cut head could open a quote that swallows the next lines)."""
    for line in bounded_lines(fh):
        yield f"{OVERLONG}\n" if len(line) > MAX_LINE else line


def _check_characters(f: dict[str, str]) -> None:
    """PostgreSQL takes no NUL in a text (it aborted the whole import); bytes that were
    not UTF-8 were read as U+FFFD. The caller's name (clid) is never stored: an old PBX
    may write it in Latin-1, and that costs no call."""
    for name, value in f.items():
        if "\x00" in value:
            raise BadRow(f"{name} holds a NUL byte")
        if "\ufffd" in value and name != "clid":
            raise BadRow(f"{name} is not UTF-8 (a byte that is not text)")


def parse_row(row: list[str], tz: object) -> Ev | None:
    """One CSV row -> a direct-call event; None for a call that went through a queue."""
    if row and row[0] == OVERLONG:
        raise BadRow(f"longer than {MAX_LINE:,} characters (the rest was not read)")
    if len(row) not in (16, 17, 18):
        raise BadRow(f"{len(row)} columns; a CDR line has 16 to 18")
    f = dict(zip(COLUMNS, row, strict=False))
    _check_characters(f)
    if f["lastapp"].strip().lower() == "queue":
        return None
    try:
        start = datetime.strptime(f["start"].strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)  # type: ignore[arg-type]
    except ValueError:
        raise BadRow(f"start is not a time: {f['start'][:30]!r}") from None
    if not EARLIEST_EPOCH <= start.timestamp() < LATEST_EPOCH:
        raise BadRow(f"start {f['start'][:30]!r} is outside {CALL_YEARS}")
    for name in ("src", "dst", "channel", "uniqueid"):
        if len(f.get(name, "").strip()) > 100:  # the columns' width (calls.models.NAME)
            raise BadRow(f"{name} longer than 100 characters")
    for name in ("duration", "billsec"):
        if f[name].strip() and not f[name].strip().isdigit():
            raise BadRow(f"{name} is not a number: {f[name][:30]!r}")
    answered = bool(f["answer"].strip()) and f["disposition"].strip().upper() == "ANSWERED"
    dst = f["dst"].strip()
    if not dst:
        raise BadRow("no dialled number (dst)")
    uniqueid = f.get("uniqueid", "").strip()
    ident = (
        uniqueid
        or hashlib.blake2b(
            "|".join((f["start"], f["src"], dst, f["channel"])).encode(), digest_size=10
        ).hexdigest()
    )
    kept = {k: f.get(k, "") for k in KEPT}
    kept["answered"] = answered  # type: ignore[assignment]
    return Ev(
        "cdr:" + ident,
        "cdr",
        uniqueid,
        None,
        start.timestamp(),
        "CDR",
        None,
        f["src"].strip() or None,
        json.dumps(kept, separators=(",", ":"), ensure_ascii=False),
        K_CDR,
        1 if answered else 0,
        None,
        dst,
    )


def import_cdr_file(
    engine: Engine,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 20_000,
) -> CdrSummary:
    summary = CdrSummary()
    with engine.begin() as conn:
        ensure_state(conn)
        context = load_context(conn)
        ingestor = Ingestor(conn, context)
    chunk: list[Ev] = []

    def flush() -> None:
        if chunk:
            with engine.begin() as conn:
                result = ingestor.ingest(conn, chunk)
            summary.calls_added += len(result.new_events)
            summary.duplicates += result.duplicates
            chunk.clear()

    def malformed(number: int, reason: str) -> None:
        summary.malformed_count += 1
        if len(summary.malformed) < 1000:
            summary.malformed.append((str(path), number, reason))

    with open_log(path) as fh:  # plain, or compressed by logrotate (.gz)
        reader = csv.reader(reading(path, _csv_lines(fh)))
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # a field past csv's limit, a stray quote
                summary.lines += 1
                malformed(reader.line_num, f"not a CSV line: {exc}")
                continue
            number = reader.line_num  # the physical line, even after a quoted line break
            summary.lines += 1
            if progress is not None:
                progress(sum(len(c) + 3 for c in row))
            if not row or not any(c.strip() for c in row):
                continue
            try:
                ev = parse_row(row, context.tz)
            except BadRow as exc:
                malformed(number, str(exc))
                continue
            if ev is None:
                summary.queued += 1
                continue
            chunk.append(ev)
            if len(chunk) >= chunk_size:
                flush()
    flush()
    return summary
