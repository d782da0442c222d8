"""The boards' figures: who is away and until when, which units are open now or close
soon, which units are away as a whole (R3.9) and which mailings are running (R2.7).

Worked out from the organisation snapshot and the presence at a moment passed in, so
the console's board page (and anything else that wants the figures) only asks and
shows. Times are given both as moments and as the Danish text the operators read.
Operators see sick and private codes only as "Fraværende" (R1.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from omstilling.domain.danish import format_clock, format_date, format_moment
from omstilling.domain.organisation import Mailing, Organisation, Unit
from omstilling.domain.presence import (
    PRIVATE_CODES,
    Absence,
    Presence,
    phone_schedule,
    shown_as,
    source_label,
)

__all__ = [
    "SOON",
    "AwayEmployee",
    "Board",
    "MailingRow",
    "OpenUnit",
    "UnitAwayRow",
    "absence_until_text",
    "board",
]

SOON = timedelta(minutes=30)  # "closes within 30 minutes" on the board


@dataclass(frozen=True, slots=True)
class AwayEmployee:
    """An employee with an active code; `until` is the Danish text ("ukendt" if unknown)."""

    id: str
    name: str
    shown_as: str
    back: datetime | None
    until: str
    note: str = ""  # for operators; never with a private code (R1.5)
    source: str = ""  # who set the code, e.g. "kalender" (issue 15)


@dataclass(frozen=True, slots=True)
class OpenUnit:
    """A unit with phone hours now; `until` is when they close, as "15.00"."""

    unit: Unit
    closes: datetime | None
    until: str


@dataclass(frozen=True, slots=True)
class UnitAwayRow:
    """A whole unit reported away (R3.9); `until` is the end as Danish text."""

    unit: Unit
    end: datetime
    until: str
    note: str


@dataclass(frozen=True, slots=True)
class MailingRow:
    """A mailing with calls expected (R2.7); `unit` is None when it names no known unit."""

    m: Mailing
    unit: Unit | None
    until: str


@dataclass(frozen=True, slots=True)
class Board:
    away: list[tuple[Unit, list[AwayEmployee]]]  # by unit, each unit's people by name
    open_now: list[OpenUnit]
    closing_soon: list[OpenUnit]
    units_away: list[UnitAwayRow]
    mailings: list[MailingRow]
    now_text: str


def absence_until_text(absence: Absence, now: datetime) -> str | None:
    """The expected return of a code in the operator's words, None when unknown."""
    if absence.until is None:
        return None
    return format_moment(absence.until.astimezone(now.tzinfo), now)


def _away(
    org: Organisation, presence: Presence, now: datetime
) -> list[tuple[Unit, list[AwayEmployee]]]:
    by_unit: dict[str, list[AwayEmployee]] = {}
    for employee in org.employees.values():
        absence = presence.active_absence(employee.id, now)
        if absence is None or employee.unit not in org.units:
            continue
        by_unit.setdefault(employee.unit, []).append(
            AwayEmployee(
                employee.id,
                employee.name,
                shown_as(absence.code),
                absence.until,
                absence_until_text(absence, now) or "ukendt",
                "" if absence.code in PRIVATE_CODES else absence.note.strip(),
                source_label(absence.source),
            )
        )
    out = []
    for unit in org.units.values():  # the organisation's own order of units
        rows = by_unit.get(unit.id)
        if rows:
            rows.sort(key=lambda r: (r.name.casefold(), r.id))
            out.append((unit, rows))
    return out


def _open(org: Organisation, now: datetime, soon: timedelta) -> tuple[list[OpenUnit], ...]:
    open_now: list[OpenUnit] = []
    closing_soon: list[OpenUnit] = []
    for unit in org.units.values():
        schedule = phone_schedule(org, unit.id)
        if not schedule.is_open(now):
            continue
        change = schedule.next_change(now)
        row = OpenUnit(unit, change, format_clock(change) if change else "")
        (closing_soon if change and change - now <= soon else open_now).append(row)
    return open_now, closing_soon


def board(org: Organisation, presence: Presence, now: datetime, soon: timedelta = SOON) -> Board:
    """The boards at `now` (aware, in the municipality's time zone for the texts)."""
    open_now, closing_soon = _open(org, now, soon)
    units_away = []
    for unit in org.units.values():
        away = presence.active_unit_away(unit.id, now)
        if away is not None:
            until = format_moment(away.end.astimezone(now.tzinfo), now)
            units_away.append(UnitAwayRow(unit, away.end, until, away.note))
    mailings = [
        MailingRow(m, org.units.get(m.unit), format_date(m.calls_expected_until))
        for m in org.active_mailings(now.date())
    ]
    return Board(
        away=_away(org, presence, now),
        open_now=open_now,
        closing_soon=closing_soon,
        units_away=units_away,
        mailings=mailings,
        now_text=f"{format_date(now.date())} kl. {format_clock(now)}",
    )
