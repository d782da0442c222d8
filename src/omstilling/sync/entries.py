"""What a source gives the sync: one entry per person, with where it came from.

A source (LDAP, CSV, XLSX) reads only the attributes or columns the sync file maps and
hands over plain text per omstilling field. `where` names the entry for warnings (the
DN, or the file's line or row), never its values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from omstilling.errors import Invalid, Unavailable


@dataclass(frozen=True)
class Entry:
    where: str  # "CN=...,OU=..." or "hr.csv line 12"
    values: dict[str, str]  # omstilling field -> text (absent when empty)
    unit_keys: tuple[str, ...]  # the unit attribute's value, or the OU names, most specific first


@dataclass
class SourceRead:
    entries: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)  # CPR-like: never read as a field
    skipped: int = 0  # disabled accounts and the like: as if absent


class SourceError(Invalid):
    """The source refused what the sync file asks (an attribute it lacks, a duplicate id,
    a CPR-like column mapped to a field): nothing is changed."""


class SourceUnavailable(Unavailable):
    """The source cannot be reached or refuses the bind, or timed out: nothing is changed."""


Progress = Callable[[int], None]  # told the number of entries read so far


def no_progress(_: int) -> None:
    return None
