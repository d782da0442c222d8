"""Absence codes, unit-wide absence, and who is reachable when (R1.1, R1.5, R3.4, R3.9, R3.11).

The runtime state the advice reads: which employee has which absence code, and
which units have reported themselves away. The store builds a `Presence` from the
database; the rules here only ask it. Time is always passed in.

An absence *reason* never leaves this module towards a citizen: `citizen_sentence`
only ever says that the person is not available and, when known, when they are
expected back (R1.5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from omstilling.domain import danish, hours
from omstilling.domain.errors import Invalid
from omstilling.domain.labels import ABSENCE_CODE, AbsenceCode
from omstilling.domain.organisation import Organisation, with_closed

__all__ = [
    "CALENDAR",
    "CODES",
    "PRIVATE_CODES",
    "REACHABLE_CODES",
    "SOURCES",
    "Absence",
    "CodeInfo",
    "Presence",
    "UnitAway",
    "citizen_sentence",
    "expected_back",
    "is_known_code",
    "is_present",
    "next_present",
    "phone_schedule",
    "reachable_through",
    "schedule",
    "shown_as",
    "source_label",
    "switchboard_open",
    "unit_away_for",
    "unit_back",
    "validate_absence",
    "validate_unit_away",
]


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One absence code: its Danish label, whether a call can reach the person, and
    how operators see it (private codes are shown only as "Fraværende", R1.5)."""

    code: str
    label: str
    reachable: bool
    shown_as: str


# The codes under which a call still reaches the person, and those whose reason is
# private: operators see them only as "Fraværende" (R1.5). The codes and their labels
# are `omstilling.domain.labels.ABSENCE_CODE`.
_REACHABLE: frozenset[AbsenceCode] = frozenset({"available", "home"})
PRIVATE_CODES: tuple[AbsenceCode, ...] = ("sick", "private")
PRIVATE_SHOWN_AS = "Fraværende"

CODES: dict[str, CodeInfo] = {
    code: CodeInfo(
        code, label, code in _REACHABLE, PRIVATE_SHOWN_AS if code in PRIVATE_CODES else label
    )
    for code, label in ABSENCE_CODE.choices()
}

REACHABLE_CODES: frozenset[str] = frozenset(c for c, info in CODES.items() if info.reachable)


# Who set a code: the employee herself, an editor, an operator, the phone system through
# the API, or her calendar feed (issue 15); the operator and the boards see it.
CALENDAR = "calendar"
SOURCES: dict[str, str] = {
    "person": "medarbejderen",
    "editor": "redaktør",
    "operator": "omstillingen",
    "api": "telefonsystemet",
    CALENDAR: "kalender",
}


def source_label(source: str) -> str:
    """Where a code came from, as the operator and the boards see it ("kalender")."""
    return SOURCES.get(source, SOURCES["person"])


def is_known_code(code: str) -> bool:
    return code in CODES


class PresenceError(Invalid):
    """An absence or unit-wide absence that cannot be recorded as given."""


def shown_as(code: str) -> str:
    """How an operator sees the code; sick and private are only "Fraværende" (R1.5)."""
    try:
        return CODES[code].shown_as
    except KeyError:
        raise ValueError(f"unknown absence code {code!r}") from None


def _check_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PresenceError(f"{name} must be timezone-aware")


def validate_absence(code: str, start: datetime, until: datetime | None) -> None:
    """Raise PresenceError for an unknown code, a naive time, or `until` not after `start`."""
    if code not in CODES:
        known = ", ".join(CODES)
        raise PresenceError(f"code: unknown absence code {code!r}; known codes: {known}")
    _check_aware(start, "from")
    if until is not None:
        _check_aware(until, "until")
        if until <= start:
            raise PresenceError("until must be after from")


def validate_unit_away(start: datetime, until: datetime, back_at: datetime | None) -> None:
    _check_aware(start, "from")
    _check_aware(until, "until")
    if until <= start:
        raise PresenceError("until must be after from")
    if back_at is not None:
        _check_aware(back_at, "back_at")


@dataclass(frozen=True, slots=True)
class Absence:
    """An employee's code: active when `start <= at < until` (`until` None: return unknown).

    `note` is internal (for colleagues and operators) and never reaches a citizen."""

    employee: str
    code: str
    start: datetime
    until: datetime | None = None
    note: str = ""
    source: str = "person"  # who set it: SOURCES

    def __post_init__(self) -> None:
        validate_absence(self.code, self.start, self.until)

    @property
    def from_calendar(self) -> bool:
        return self.source == CALENDAR

    def active_at(self, at: datetime) -> bool:
        return self.start <= at and (self.until is None or at < self.until)

    @property
    def reachable(self) -> bool:
        return CODES[self.code].reachable


@dataclass(frozen=True, slots=True)
class UnitAway:
    """A unit-wide absence (R3.9): active when `start <= at < min(until, back_at)`."""

    unit: str
    start: datetime
    until: datetime
    note: str = ""
    back_at: datetime | None = None

    def __post_init__(self) -> None:
        validate_unit_away(self.start, self.until, self.back_at)

    @property
    def end(self) -> datetime:
        """When the unit-wide absence ends: at `until`, or earlier when reported back."""
        if self.back_at is not None and self.back_at < self.until:
            return self.back_at
        return self.until

    def active_at(self, at: datetime) -> bool:
        return self.start <= at < self.end


_T = TypeVar("_T", Absence, UnitAway)


def _by_latest(items: Iterable[_T], key: Callable[[_T], str]) -> dict[str, list[_T]]:
    """`items` (in the order they were recorded) by employee or unit, the latest start
    first, and of equal starts the last recorded first: the first active one found is the
    one that wins (a code set at the very moment another began replaces it)."""
    grouped: dict[str, list[_T]] = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    for group in grouped.values():
        group.reverse()  # the sort is stable: of equal starts, the last recorded stays first
        group.sort(key=lambda a: a.start, reverse=True)
    return grouped


class Presence:
    """The absences and unit-wide absences known at some moment; read-only."""

    def __init__(
        self, absences: Iterable[Absence] = (), unit_aways: Iterable[UnitAway] = ()
    ) -> None:
        self._absences = _by_latest(absences, lambda a: a.employee)
        self._aways = _by_latest(unit_aways, lambda a: a.unit)

    def with_changes(
        self,
        employees: Iterable[str],
        absences: Iterable[Absence],
        unit_aways: Iterable[UnitAway] | None = None,
    ) -> Presence:
        """A copy where the codes of `employees` are `absences` (all of theirs, in the
        order they were recorded), and the unit-wide absences are `unit_aways` when given;
        everyone else's codes are shared with this one (read-only both)."""
        changed = Presence()
        changed._absences = dict(self._absences)
        for employee in employees:
            changed._absences.pop(employee, None)
        changed._absences.update(_by_latest(absences, lambda a: a.employee))
        changed._aways = (
            self._aways if unit_aways is None else _by_latest(unit_aways, lambda a: a.unit)
        )
        return changed

    def active_absence(self, employee_id: str, at: datetime) -> Absence | None:
        """The employee's active code; when several overlap, a code set by a person (or the
        phone system) wins over one from her calendar (issue 15; so `available` set by hand
        after hours wins, R3.4), then the latest start wins."""
        found = None
        for absence in self._absences.get(employee_id, ()):
            if absence.active_at(at):
                if not absence.from_calendar:
                    return absence
                found = found or absence
        return found

    def active_unit_away(self, unit_id: str, at: datetime) -> UnitAway | None:
        for away in self._aways.get(unit_id, ()):
            if away.active_at(at):
                return away
        return None

    def available_in_unit(self, org: Organisation, unit_id: str, at: datetime) -> list[str]:
        """Employees of the unit (and of its teams below it) coded `available` at `at`,
        sorted by name (R3.4: the switchboard transfers when it knows staff are present)."""
        units = [org.units[unit_id], *org.descendants(unit_id)]
        found = []
        for unit in units:
            for employee in org.employees_of(unit.id):
                absence = self.active_absence(employee.id, at)
                if absence is not None and absence.code == "available":
                    found.append(employee)
        found.sort(key=lambda e: (e.name.casefold(), e.id))
        return [e.id for e in found]


# --- who is reachable when -----------------------------------------------------------------


def schedule(org: Organisation, expression: str) -> hours.Schedule:
    """An hours expression compiled in the municipality's time zone and country."""
    m = org.municipality
    return hours.compile_schedule(expression, m.timezone, m.country)


def phone_schedule(org: Organisation, unit_id: str) -> hours.Schedule:
    """The unit's phone hours, inherited, with the municipality's closed rules."""
    return schedule(org, org.phone_expression(unit_id))


def _works_schedule(org: Organisation, employee_id: str) -> hours.Schedule | None:
    works = org.employees[employee_id].works
    return schedule(org, with_closed(works, org.municipality.closed)) if works else None


def switchboard_open(org: Organisation, at: datetime) -> bool:
    """The switchboard's own phone hours (its unit's, else the municipality's)."""
    sb = org.switchboard_unit()
    if sb is not None:
        return phone_schedule(org, sb.id).is_open(at)
    m = org.municipality
    return schedule(org, with_closed(m.hours.phone, m.closed)).is_open(at)


def is_present(org: Organisation, presence: Presence, employee_id: str, at: datetime) -> bool:
    """Present: a reachable code (available, home) is active; or no code is active, the
    unit's phone hours are open and, if the employee has `works` hours, they are at work."""
    absence = presence.active_absence(employee_id, at)
    if absence is not None:
        return absence.reachable
    if not phone_schedule(org, org.employees[employee_id].unit).is_open(at):
        return False
    works = _works_schedule(org, employee_id)
    return works is None or works.is_open(at)


def reachable_through(
    org: Organisation, presence: Presence, unit_id: str, at: datetime
) -> tuple[bool, list[str]]:
    """(phone hours open, employees available under R3.4). The unit is reachable when its
    phone hours are open, or when someone of it is coded `available` while the switchboard
    is open (R3.4); the list is only filled in the second case, first by name."""
    if phone_schedule(org, unit_id).is_open(at):
        return True, []
    if not switchboard_open(org, at):
        return False, []
    return False, presence.available_in_unit(org, unit_id, at)


def next_present(org: Organisation, employee_id: str, moment: datetime) -> datetime | None:
    """The first moment >= `moment` when the employee's unit has phone hours and (if they
    have `works` hours) they are at work; None when none is near."""
    phone = phone_schedule(org, org.employees[employee_id].unit)
    works = _works_schedule(org, employee_id)
    found = phone.next_open(moment)
    for _ in range(16):  # alternate until both agree; a handful of hops in practice
        if found is None or works is None:
            return found
        at_work = works.next_open(found)
        if at_work is None or at_work == found:
            return at_work
        found = phone.next_open(at_work)
    return found


def expected_back(
    org: Organisation, presence: Presence, employee_id: str, at: datetime
) -> datetime | None:
    """When a person who is not present at `at` is expected back: the end of the active
    code, moved to when they are next at work with their unit open (a code ending at night
    means the next morning); None when the return is unknown."""
    absence = presence.active_absence(employee_id, at)
    if absence is not None and absence.until is None:
        return None
    start = max(absence.until, at) if absence is not None and absence.until else at
    found = next_present(org, employee_id, start)
    if found is None:
        return absence.until if absence is not None else None
    # A code that begins where the last one ends (a second holiday week, a course on the
    # Monday after, issue 15) moves the return on: she is back when no code holds her.
    for _ in range(8):
        then = presence.active_absence(employee_id, found)
        if then is None or then.reachable:
            return found
        if then.until is None:
            return None
        later = next_present(org, employee_id, then.until)
        if later is None:
            return then.until
        found = later
    return found


def unit_away_for(
    org: Organisation, presence: Presence, unit_id: str, at: datetime
) -> UnitAway | None:
    """The active unit-wide absence of the unit or of a unit above it (a whole department
    away takes its teams with it), R3.9."""
    for unit in org.ancestors(unit_id):
        away = presence.active_unit_away(unit.id, at)
        if away is not None:
            return away
    return None


def unit_back(org: Organisation, away: UnitAway, unit_id: str, at: datetime) -> datetime:
    """When a unit away is expected back: its end, moved to the unit's next phone hours."""
    end = max(away.end, at)
    return phone_schedule(org, unit_id).next_open(end) or away.end


def citizen_sentence(name: str, until: datetime | None, now: datetime) -> str:
    """What the citizen may hear about an absent person: never a reason, never a pronoun.

    `until` is the expected return (the caller may move it to when the unit next opens);
    None when unknown, and then no time is said (R1.1, R1.5)."""
    if until is None or until <= now:
        return f"{name} er ikke til rådighed lige nu."
    if until.tzinfo is not None and now.tzinfo is not None:
        until = until.astimezone(now.tzinfo)  # said in the caller's local time
    when = danish.format_moment(until, now)
    return f"{name} er ikke til rådighed lige nu og forventes tilbage {when}."
