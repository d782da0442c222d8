"""Reading the PBX's log files: plain or compressed, with a bound on a line's length."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

MAX_LINE = 4096  # a queue_log line is well under 300 characters

# What reading a damaged file raises: a truncated .gz (EOFError), one that is not gzip at
# all (gzip.BadGzipFile, an OSError), a damaged stream (zlib.error), a read that fails.
READ_ERRORS = (EOFError, OSError, zlib.error, UnicodeDecodeError)


class Unreadable(Exception):
    """A log file broke off or could not be read: names the file and why."""

    def __init__(self, path: Path, cause: BaseException) -> None:
        self.path = path
        reason = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
        super().__init__(f"{path}: {reason}")


def reading(path: Path, lines: Iterable[str]) -> Iterator[str]:
    """`lines`, with a read that fails raised as Unreadable naming the file."""
    try:
        yield from lines
    except READ_ERRORS as exc:
        raise Unreadable(path, exc) from exc


def bounded_lines(fh: TextIO) -> Iterator[str]:
    """The file's lines, none longer than MAX_LINE + 1 characters in memory: the rest of
    an over-long line is read and dropped in pieces, and parse_line refuses the line
    (a 300 MB line took 2 GB of memory and 720 MB of database)."""
    read = fh.readline
    while line := read(MAX_LINE + 1):
        if len(line) > MAX_LINE and not line.endswith("\n"):
            rest = line
            while rest and not rest.endswith("\n"):
                rest = read(MAX_LINE + 1)
        yield line


def open_log(path: Path) -> TextIO:
    """A log file (queue_log, CDR) as text; logrotate's compressed ones (`.gz`) too."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
    return path.open(encoding="utf-8", errors="replace", newline="")


def text_size(path: Path) -> int:
    """Bytes of text a file holds (what the progress counts): a gzip file's trailer
    gives its uncompressed size (modulo 4 GiB)."""
    size = path.stat().st_size
    if path.suffix != ".gz" or size < 4:
        return size
    with path.open("rb") as fh:
        fh.seek(-4, 2)
        return int.from_bytes(fh.read(4), "little") or size
