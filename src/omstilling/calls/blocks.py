"""The raw queue_log, kept as compressed blocks of lines.

Every queue_log line we accept is kept as the PBX wrote it (so `calls rebuild`
can recompute everything from it), but not as a row of its own: a row per line
with a unique key cost the importer more than parsing, folding and writing the
call records together. Lines are written in blocks (`CallLogBlock`): up to
`MAX_LINES` lines spanning at most `MAX_SPAN` seconds, in time order,
zlib-compressed.

Idempotency: a line's *identity* is the line with the caller's number left out
(so a line still matches after retention has hashed the number). Before a chunk
is stored, the identities of the blocks that overlap it in time are compared
with it; an import of new data overlaps nothing and reads nothing, a re-import
reads back only the blocks of its own period.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator, Sequence

from sqlalchemy import Connection, insert, select, update

from omstilling.calls.legs import Ev
from omstilling.calls.models import CallLogBlock

MAX_SPAN = 6 * 3600  # seconds from a block's first line to its last
MAX_LINES = 20_000
LEVEL = 1  # zlib: the fastest level already shrinks a log about five times

CALLER_FIELD = _CALLER = 6  # ENTERQUEUE's callerid: epoch|callid|queue|agent|EVENT|url|callerid|...


def identity_of(parts: list[str], line: str) -> str:
    """The line without the caller's number (`parts` is `line.split("|")`)."""
    if len(parts) > _CALLER and parts[4] == "ENTERQUEUE" and parts[_CALLER]:
        return "|".join([*parts[:_CALLER], "", *parts[_CALLER + 1 :]])
    return line


def identity(line: str) -> str:
    return identity_of(line.split("|"), line)


def pack(lines: Sequence[str]) -> bytes:
    return zlib.compress("\n".join(lines).encode(), LEVEL)


def unpack(body: bytes) -> list[str]:
    text = zlib.decompress(body).decode()
    return text.split("\n") if text else []


# Blocks of at least this many lines are compressed on a thread of their own: zlib
# lets go of the GIL while it compresses, so the caller folds the chunk meanwhile.
BACKGROUND_LINES = 5_000


class PendingBlocks:
    """Blocks being compressed; `finish` inserts them (inside the caller's transaction)."""

    def __init__(self, rows: list[dict[str, object]], texts: list[bytes], lines: int) -> None:
        self._rows = rows
        self._texts = texts
        self._bodies: list[bytes] = []
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if lines >= BACKGROUND_LINES:
            self._thread = threading.Thread(target=self._compress, name="blocks", daemon=True)
            self._thread.start()
        else:
            self._compress()

    def _compress(self) -> None:
        try:
            self._bodies = [zlib.compress(text, LEVEL) for text in self._texts]
        except BaseException as exc:  # re-raised by finish, in the caller's thread
            self._error = exc

    def finish(self, conn: Connection) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        if self._rows:
            for row, body in zip(self._rows, self._bodies, strict=True):
                row["body"] = body
            conn.execute(insert(CallLogBlock), self._rows)


def start_write(events: Sequence[Ev]) -> PendingBlocks:
    """Begin storing queue_log events (sorted by time; `Ev.data` is the line) as blocks."""
    rows: list[dict[str, object]] = []
    texts: list[bytes] = []
    start = 0
    n = len(events)
    while start < n:
        first = events[start].at
        end = start + 1
        while end < n and end - start < MAX_LINES and events[end].at - first <= MAX_SPAN:
            end += 1
        part = events[start:end]
        rows.append(
            {"first_at": first, "last_at": part[-1].at, "lines": len(part), "hashed": False}
        )
        texts.append("\n".join([e.data for e in part]).encode())
        start = end
    return PendingBlocks(rows, texts, n)


def overlapping(conn: Connection, lo: float, hi: float) -> Iterator[tuple[int, bytes, bool]]:
    """(id, body, hashed) of the blocks that may hold lines between lo and hi."""
    b = CallLogBlock
    rows = conn.execute(
        select(b.id, b.body, b.hashed)
        .where(b.first_at >= lo - MAX_SPAN, b.first_at <= hi, b.last_at >= lo)
        .order_by(b.first_at, b.id)
    )
    yield from rows


def stored_identities(conn: Connection, lo: float, hi: float) -> set[str]:
    """Identities of the stored lines of blocks overlapping [lo, hi]."""
    found: set[str] = set()
    for _, body, _ in overlapping(conn, lo, hi):
        found.update(identity(line) for line in unpack(body))
    return found


def lines_between(conn: Connection, lo: float, hi: float) -> Iterator[str]:
    """Every stored line of the blocks overlapping [lo, hi) (the caller filters by time)."""
    for _, body, _ in overlapping(conn, lo, hi):
        yield from unpack(body)


def hash_callers(
    conn: Connection, before: float, hasher: Callable[[str], str], prefix: str, limit: int
) -> tuple[int, int]:
    """Replace the callers' numbers in blocks that end before `before`.

    Returns (blocks rewritten, numbers hashed); at most `limit` blocks a call."""
    b = CallLogBlock
    rows = conn.execute(
        select(b.id, b.body)
        .where(b.last_at < before, b.hashed.is_(False))
        .order_by(b.first_at)
        .limit(limit)
    ).all()
    numbers = 0
    for block_id, body in rows:
        out = []
        for line in unpack(body):
            parts = line.split("|")
            if len(parts) > _CALLER and parts[4] == "ENTERQUEUE":
                number = parts[_CALLER].strip()
                if number and not number.startswith(prefix):
                    parts[_CALLER] = hasher(number)
                    line = "|".join(parts)
                    numbers += 1
            out.append(line)
        conn.execute(update(b).where(b.id == block_id).values(body=pack(out), hashed=True))
    return len(rows), numbers
