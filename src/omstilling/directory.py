"""The routing advice as a service: the snapshot, its search index, presence, and the rules.

The CLI and the web app both call `Directory.advise`, so they always agree.
Citizen facts (birth day, surname, postcode) pass through here and are never
logged, stored or repeated in an error message; they are read by
`omstilling.domain.citizen`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from omstilling.domain.advice import Advice, Inquiry, advise
from omstilling.domain.hours import HoursError, parse_moment, to_local
from omstilling.domain.organisation import Organisation, municipality_tz
from omstilling.errors import Invalid, NoOrganisation
from omstilling.published import Indexed, Published
from omstilling.store.presence import PresenceCache


class Directory:
    """The current organisation with its search index (omstilling.published), presence and
    the rules: one answer for the CLI, the API and the console."""

    def __init__(
        self,
        engine: Engine,
        published: Published | None = None,
        presence: PresenceCache | None = None,
    ) -> None:
        self.engine = engine
        self.published = published or Published(engine, max_age=0.0)
        self.presence = presence or PresenceCache(engine, max_age=0.0)

    def organisation(self) -> Organisation | None:
        current = self.published.current()
        return current.org if current is not None else None

    def fresh_organisation(self) -> Organisation | None:
        """The organisation as stored now, for a writer whose snapshot was behind."""
        current = self.published.fresh()
        return current.org if current is not None else None

    def indexed(self) -> Indexed | None:
        return self.published.current()

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
        return advise(indexed.org, inquiry, at, self.presence.at(at), indexed.index)
