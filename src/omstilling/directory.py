"""The routing advice as a service: the snapshot, its search index, presence, and the rules.

The CLI and the web app both call `Directory.advise`, so they always agree.
Citizen facts (birth day, surname, postcode) pass through here and are never
logged, stored or repeated in an error message; they are read by
`omstilling.domain.citizen`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from omstilling.domain.advice import Advice, Inquiry, advise
from omstilling.domain.hours import HoursError, parse_moment, to_local
from omstilling.domain.organisation import Organisation, municipality_tz
from omstilling.domain.search import SearchIndex
from omstilling.errors import Invalid, NoOrganisation
from omstilling.store.organisation import SnapshotCache
from omstilling.store.presence import load_presence


@dataclass(frozen=True)
class _Indexed:
    org: Organisation
    index: SearchIndex


class Directory:
    """The current organisation with its search index, rebuilt when the revision changes."""

    def __init__(self, engine: Engine, snapshots: SnapshotCache | None = None) -> None:
        self.engine = engine
        self.snapshots = snapshots or SnapshotCache(engine)
        self._lock = threading.Lock()
        self._current: _Indexed | None = None

    def organisation(self) -> Organisation | None:
        return self.snapshots.get()

    def indexed(self) -> _Indexed | None:
        org = self.snapshots.get()
        if org is None:
            return None
        current = self._current
        if current is not None and current.org is org:
            return current
        with self._lock:
            if self._current is None or self._current.org is not org:
                self._current = _Indexed(org, SearchIndex.build(org))
            return self._current

    def require_organisation(self) -> Organisation:
        """The organisation, or NoOrganisation (503 on the web, exit 1 on the CLI)."""
        org = self.organisation()
        if org is None:
            raise NoOrganisation()
        return org

    def moment(self, text: str | None, now: datetime, name: str = "at") -> datetime:
        """`--at` / `at`: local time of the municipality unless an offset is given; `now`
        when no text. An unreadable text is refused naming `name` (the option or field)."""
        org = self.organisation()
        tz = municipality_tz(org)
        if text is None or text == "":
            return to_local(now, tz)
        try:
            return parse_moment(text, tz)
        except HoursError:
            raise Invalid(
                f"{name}: not a time; use YYYY-MM-DDTHH:MM (local time, e.g. 2026-12-01T15:30)"
            ) from None

    def advise(self, inquiry: Inquiry, at: datetime) -> Advice:
        indexed = self.indexed()
        if indexed is None:
            raise NoOrganisation()
        with self.engine.connect() as conn:
            presence = load_presence(conn, at)
        return advise(indexed.org, inquiry, at, presence, indexed.index)
