"""Asterisk queue_log: `epoch|callid|queue|agent|EVENT|data1|data2|...`.

Every version of Asterisk since 1.4 is read: CONNECT may lack its ringtime,
ENTERQUEUE its position, EXITWITHTIMEOUT (1.4) its waittime (then the wait is
taken from the timestamps). Agent and system events (logins, pauses,
QUEUESTART, CONFIGRELOAD, DID...) are read and ignored. A line that cannot be
read is reported with its number and skipped; the rest of the file imports.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path

from sqlalchemy import Engine, select

from omstilling.calls.blocks import CALLER_FIELD as _CALLER
from omstilling.calls.ingest import Ingestor
from omstilling.calls.legs import (
    K_ABANDON,
    K_COMPLETE,
    K_CONNECT,
    K_ENTER,
    K_RNA,
    K_TIMEOUT,
    K_TRANSFER,
    Ev,
)
from omstilling.calls.logfiles import MAX_LINE, bounded_lines, open_log, reading
from omstilling.calls.session import ensure_state
from omstilling.domain.kpi import CALL_YEARS, EARLIEST_EPOCH, LATEST_EPOCH
from omstilling.store.models import UnitQueue

KINDS = {
    "ENTERQUEUE": K_ENTER,
    "CONNECT": K_CONNECT,
    "COMPLETECALLER": K_COMPLETE,
    "COMPLETEAGENT": K_COMPLETE,
    "ABANDON": K_ABANDON,
    "EXITWITHTIMEOUT": K_TIMEOUT,
    "EXITEMPTY": K_TIMEOUT,
    "EXITWITHKEY": K_TIMEOUT,
    "RINGNOANSWER": K_RNA,
    "BLINDTRANSFER": K_TRANSFER,
    "ATTENDEDTRANSFER": K_TRANSFER,
    "TRANSFER": K_TRANSFER,
}
# Where the waittime sits in the data of the events that leave a queue unanswered.
_WAIT_INDEX = {"ABANDON": 2, "EXITWITHTIMEOUT": 2, "EXITEMPTY": 2, "EXITWITHKEY": 3}
# ATTENDEDTRANSFER in Asterisk 12+ names the bridge method first, the target after.
_BRIDGE_METHODS = {"BRIDGE", "APP", "LINK"}


class Malformed(ValueError):
    pass


# A duration (hold, ring, talk, wait) of more than a day is no call's: and a number past
# the columns' range (a 32-bit integer) aborted the import with a traceback.
MAX_SECONDS = 86_400


def _int(text: str, what: str) -> int:
    try:
        n = int(text)
    except ValueError:
        try:
            n = round(float(text))
        except (ValueError, OverflowError):  # "²" passes isdigit; "1e400" is infinite
            raise Malformed(f"{what} is not a number: {text[:30]!r}") from None
    if not -MAX_SECONDS <= n <= MAX_SECONDS:
        raise Malformed(f"{what} is more than a day: {text[:30]!r}")
    return n


def _seconds(text: str, what: str) -> int:
    """A duration: short decimal digits the quick way, the rest through `_int`."""
    return int(text) if len(text) < 5 and text.isdecimal() else _int(text, what)


def _opt_int(data: list[str], i: int, what: str) -> int | None:
    if len(data) <= i or data[i] == "":
        return None
    return _int(data[i], what)


def _enter(event: str, data: list[str]) -> _Fields:
    caller = data[1].strip() if len(data) > 1 else ""
    return K_ENTER, None, None, None, caller or None


def _connect(event: str, data: list[str]) -> _Fields:
    if not data or data[0] == "":
        raise Malformed("CONNECT without holdtime")
    return K_CONNECT, _seconds(data[0], "holdtime"), _opt_int(data, 2, "ringtime"), None, None


def _complete(event: str, data: list[str]) -> _Fields:
    if len(data) < 2:
        raise Malformed(f"{event} needs holdtime and calltime")
    return K_COMPLETE, _seconds(data[0], "holdtime"), _seconds(data[1], "calltime"), None, None


def _unanswered(kind: int) -> Callable[[str, list[str]], _Fields]:
    def read(event: str, data: list[str]) -> _Fields:
        return kind, _opt_int(data, _WAIT_INDEX[event], "waittime"), None, None, None

    return read


def _ring_no_answer(event: str, data: list[str]) -> _Fields:
    return K_RNA, None, _opt_int(data, 0, "ringtime"), None, None


def _transfer(event: str, data: list[str]) -> _Fields:
    # target, context-or-id, holdtime, calltime, origposition
    if not data or not data[0]:
        raise Malformed(f"{event} without a target")
    target = data[1] if data[0] in _BRIDGE_METHODS and len(data) > 1 else data[0]
    return K_TRANSFER, _opt_int(data, 2, "holdtime"), _opt_int(data, 3, "calltime"), target, None


# (kind, n1, n2, target, caller) of an event's data
_Fields = tuple[int, int | None, int | None, str | None, str | None]
_READERS: dict[str, Callable[[str, list[str]], _Fields]] = {
    "ENTERQUEUE": _enter,
    "CONNECT": _connect,
    "COMPLETECALLER": _complete,
    "COMPLETEAGENT": _complete,
    "ABANDON": _unanswered(K_ABANDON),
    "EXITWITHTIMEOUT": _unanswered(K_TIMEOUT),
    "EXITEMPTY": _unanswered(K_TIMEOUT),
    "EXITWITHKEY": _unanswered(K_TIMEOUT),
    "RINGNOANSWER": _ring_no_answer,
    "BLINDTRANSFER": _transfer,
    "ATTENDEDTRANSFER": _transfer,
    "TRANSFER": _transfer,
}
assert _READERS.keys() == KINDS.keys()


_new = tuple.__new__  # builds an Ev without the Python-level __new__ of a NamedTuple


MAX_FIELD = 100  # the columns' width (calls.models.NAME)


def _check_lengths(text: str) -> None:
    if len(text) > MAX_LINE:
        raise Malformed(f"longer than {MAX_LINE:,} characters (the rest was not read)")


def _check_characters(text: str) -> None:
    # PostgreSQL takes no NUL in a text (it aborted the whole import); bytes that were not
    # UTF-8 were read as U+FFFD, and a line that is not what the PBX wrote is not stored.
    if "\x00" in text:
        raise Malformed("holds a NUL byte")
    raise Malformed("not UTF-8 (a byte that is not text)")


def _too_long(**fields: str | None) -> None:
    for name, value in fields.items():
        if value and len(value) > MAX_FIELD:
            raise Malformed(f"{name} longer than {MAX_FIELD} characters")


def parse_line(line: str) -> Ev | None:
    """One line -> an event, or None for an event we ignore. Raises Malformed.

    The event's `data` is the line itself (what the raw log keeps) and its
    `key` the line's identity (the line without the caller's number, see
    `blocks.identity_of`)."""
    text = line.rstrip("\r\n")
    if len(text) > MAX_FIELD:  # rare: only such a line can be too long, or hold a long field
        _check_lengths(text)
    if "\x00" in text or "\ufffd" in text:  # cheap: ASCII text cannot hold U+FFFD at all
        _check_characters(text)
    parts = text.split("|")
    if len(parts) < 5:
        raise Malformed(f"{len(parts)} fields; a queue_log line has at least 5")
    stamp, call_id, queue, agent, event = parts[:5]
    reader = _READERS.get(event)
    if reader is None:
        if not event or not event.replace("_", "").isalnum():
            raise Malformed(f"no event name: {event[:30]!r}")
        _time(stamp)
        return None
    at = float(stamp) if stamp.isdecimal() else _time(stamp)
    if not EARLIEST_EPOCH <= at < LATEST_EPOCH:
        raise Malformed(f"time {stamp[:30]!r} is outside {CALL_YEARS}")
    if not call_id or call_id == "NONE" or not queue or queue == "NONE":
        raise Malformed(f"{event} without a call id or queue")
    kind, n1, n2, target, caller = reader(event, parts[5:])
    if len(text) > MAX_FIELD:
        _too_long(call_id=call_id, queue=queue, agent=agent, caller=caller, target=target)
    key = text
    if kind == K_ENTER and len(parts) > _CALLER and parts[_CALLER]:
        number = parts[_CALLER]
        parts[_CALLER] = ""
        key = "|".join(parts)
        parts[_CALLER] = number
    return _new(
        Ev,
        (
            key,
            "queue_log",
            call_id,
            queue,
            at,
            event,
            agent if agent and agent != "NONE" else None,
            caller,
            text,
            kind,
            n1,
            n2,
            target,
        ),
    )


def _time(stamp: str) -> float:
    """An epoch with an optional fraction (some PBXes log milliseconds)."""
    try:
        at = float(stamp)
    except ValueError:
        raise Malformed(f"time is not a number: {stamp[:30]!r}") from None
    if not 0 < at < 32_503_680_000:  # NaN, infinities, negatives and year 3000+
        raise Malformed(f"time is not a number: {stamp[:30]!r}")
    return at


@dataclass
class ImportSummary:
    files: int = 0
    lines: int = 0
    events: int = 0
    ignored: int = 0
    duplicates: int = 0
    calls_added: int = 0
    malformed: list[tuple[str, int, str]] = field(default_factory=list)
    malformed_count: int = 0
    queues: set[str] = field(default_factory=set)
    unmapped_queues: list[str] = field(default_factory=list)

    MAX_LISTED = 1000  # line numbers kept for the report; the count is always exact


# --- parsing, inline or in a worker process ------------------------------------------------

# (events, ignored lines, malformed count, malformed lines listed) of one batch of lines
Parsed = tuple[list[Ev], int, int, list[tuple[str, int, str]]]


def parse_batch(name: str, first: int, lines: Sequence[str]) -> Parsed:
    """Parse consecutive lines of one source; `first` is the number of the first line."""
    events: list[Ev] = []
    append = events.append
    ignored = 0
    malformed: list[tuple[str, int, str]] = []
    count = 0
    for number, line in enumerate(lines, first):
        try:
            ev = parse_line(line)
        except (Malformed, IndexError) as exc:
            if not line.strip():
                continue  # a blank line is no error
            count += 1
            if len(malformed) < ImportSummary.MAX_LISTED:
                malformed.append((name, number, str(exc)))
            continue
        if ev is None:
            ignored += 1
        else:
            append(ev)
    return events, ignored, count, malformed


def _parse_for_transfer(name: str, first: int, lines: list[str]) -> Parsed:
    """parse_batch in the worker: plain tuples (an Ev would unpickle through its
    Python-level __new__) with the repeated strings interned, so that the pickle
    holds each call id, queue, agent and event name once per batch."""
    events, ignored, count, malformed = parse_batch(name, first, lines)
    i = sys.intern
    plain = [
        (e[0], e[1], i(e[2]), e[3] and i(e[3]), e[4], i(e[5]), e[6] and i(e[6]), *e[7:])
        for e in events
    ]
    return plain, ignored, count, malformed  # type: ignore[return-value]


def _warm_up() -> None:
    """Runs first in the worker, so that its imports overlap the first inline batch."""


# Batches parsed ahead of the one being stored; each is at most `chunk_size` lines.
LOOKAHEAD = 2


class _Parser:
    """Parses batches in one worker process (the second core) while the caller stores.

    Only used when there is more than one batch; the first batch is parsed inline
    while the worker starts. The worker is forked when this process runs no other
    thread (instant, and nothing to import again); otherwise it is spawned, so that
    a lock held by another thread (a progress bar's, say) cannot be inherited
    held. A spawned worker imports the caller's main module again, as
    multiprocessing always does: a script that imports calls must keep its work
    under `if __name__ == "__main__":`."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        single = threading.active_count() == 1
        method = "fork" if single and "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method))
        self._pool.submit(_warm_up)

    def submit(self, name: str, first: int, lines: list[str]) -> Future[Parsed]:
        assert self._pool is not None
        return self._pool.submit(_parse_for_transfer, name, first, lines)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# (source name, number of its first line, lines, bytes)
_Batch = tuple[str, int, list[str], int]


def _batches(
    sources: Iterable[tuple[str, Iterable[str]]], summary: ImportSummary, size: int
) -> Iterator[_Batch]:
    for name, lines in sources:
        summary.files += 1
        first = 1
        if isinstance(lines, list):
            parts: Iterator[list[str]] = (lines[i : i + size] for i in range(0, len(lines), size))
        else:
            parts = _slices(iter(lines), size)
        for batch in parts:
            yield name, first, batch, sum(map(len, batch))
            first += len(batch)


def _slices(it: Iterator[str], size: int) -> Iterator[list[str]]:
    while batch := list(islice(it, size)):
        yield batch


def import_lines(
    engine: Engine,
    sources: Iterable[tuple[str, Iterable[str]]],
    *,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 50_000,
    worker: bool | None = None,
) -> ImportSummary:
    """Import queue_log lines from (name, lines) sources: one transaction per chunk
    of at most `chunk_size` lines.

    `worker`: parse in a worker process (None: when there is more than one chunk)."""
    summary = ImportSummary()
    # Millions of short-lived tuples: the cyclic collector would walk them again and
    # again for nothing (none of them form cycles). Measured: 27 s -> 15 s for 0.84M lines.
    collecting = gc.isenabled()
    gc.disable()
    parser = _Parser()
    try:
        return _import(engine, sources, summary, progress, chunk_size, worker, parser)
    finally:
        parser.close()
        if collecting:
            gc.enable()


def _import(
    engine: Engine,
    sources: Iterable[tuple[str, Iterable[str]]],
    summary: ImportSummary,
    progress: Callable[[int], None] | None,
    chunk_size: int,
    worker: bool | None,
    parser: _Parser,
) -> ImportSummary:
    with engine.begin() as conn:
        ensure_state(conn)
        ingestor = Ingestor(conn)
        mapped = set(conn.execute(select(UnitQueue.queue)).scalars())

    def store(parsed: Parsed, nbytes: int, nlines: int) -> None:
        events, ignored, count, malformed = parsed
        summary.lines += nlines
        summary.ignored += ignored
        summary.malformed_count += count
        summary.malformed.extend(malformed[: summary.MAX_LISTED - len(summary.malformed)])
        if events:
            if type(events[0]) is not Ev:
                events = list(map(_new, repeat(Ev), events))
            with engine.begin() as conn:
                result = ingestor.ingest(conn, events)
            summary.events += len(result.new_events)
            summary.duplicates += result.duplicates
            summary.calls_added += result.calls_added
            summary.queues.update(e.queue for e in result.new_events if e.queue)
        if progress is not None:
            progress(nbytes)

    batches = _batches(sources, summary, chunk_size)
    first = next(batches, None)
    if first is None:
        return _finish(summary, mapped)
    second = next(batches, None) if worker is not False else None
    if second is None and not worker:
        # Inline: one batch, or the worker switched off.
        for name, number, lines, nbytes in itertools.chain([first], batches):
            store(parse_batch(name, number, lines), nbytes, len(lines))
        return _finish(summary, mapped)
    parser.start()
    pending: deque[tuple[Future[Parsed], int, int]] = deque()

    def submit(batch: _Batch) -> None:
        name, number, lines, nbytes = batch
        pending.append((parser.submit(name, number, lines), nbytes, len(lines)))

    if second is not None:
        submit(second)
    for batch in itertools.islice(batches, LOOKAHEAD - 1):
        submit(batch)
    name, number, lines, nbytes = first
    store(parse_batch(name, number, lines), nbytes, len(lines))
    while pending:
        future, nbytes, nlines = pending.popleft()
        parsed = future.result()
        nxt = next(batches, None)
        if nxt is not None:
            submit(nxt)
        store(parsed, nbytes, nlines)
    return _finish(summary, mapped)


def _finish(summary: ImportSummary, mapped: set[str]) -> ImportSummary:
    summary.unmapped_queues = sorted(summary.queues - mapped)
    return summary


def first_time(path: Path, look: int = 1000) -> float | None:
    """The time of the first readable line among the first `look` lines (read with the
    same bound as the import: a file that began with a 300 MB line took 700 MB here)."""
    with open_log(path) as fh:
        for line in islice(reading(path, bounded_lines(fh)), look):
            stamp = line.split("|", 1)[0]
            try:
                return _time(stamp)
            except Malformed:
                continue
    return None


def in_time_order(paths: list[Path]) -> list[Path]:
    """Files ordered by their first line's time (those without one last, as given).

    logrotate names the newest log queue_log and the older ones queue_log.1,
    queue_log.2 ..., so a shell's `queue_log*` lists them newest first. Folding
    them oldest first lets a call that spans a rotation meet its entry first."""
    firsts = {path: first_time(path) for path in paths}
    return sorted(paths, key=lambda p: (firsts[p] is None, firsts[p] or 0.0))


def import_files(
    engine: Engine,
    paths: list[Path],
    *,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 50_000,
    worker: bool | None = None,
) -> ImportSummary:
    """Import queue_log files (plain or .gz), oldest first whatever the order given."""

    def sources() -> Iterator[tuple[str, Iterable[str]]]:
        for path in in_time_order(paths):
            with open_log(path) as fh:
                yield str(path), reading(path, bounded_lines(fh))

    return import_lines(engine, sources(), progress=progress, chunk_size=chunk_size, worker=worker)
