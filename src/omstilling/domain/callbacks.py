"""Messages and callback promises as pure rules (R1.6, R3.5, R3.6).

A message is taken when a call cannot be served at once; it carries a promise
that the citizen is called back by a due time. The rules here decide that time,
what the citizen is told, which status changes are allowed, when a promise is
kept or broken, and how long a failed delivery waits before the next try.
No I/O: the store and the mail module build on these; time is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from omstilling.domain import danish
from omstilling.domain.hours import to_local
from omstilling.domain.organisation import Organisation
from omstilling.domain.presence import Presence, expected_back, is_present, phone_schedule

__all__ = [
    "OPEN_STATUSES",
    "OUTCOMES",
    "STATUSES",
    "InvalidTransition",
    "Message",
    "Outcome",
    "Status",
    "absent_past",
    "callback_sentence",
    "default_due",
    "is_overdue",
    "leader_candidates",
    "next_status",
    "related_units",
    "retry_delay",
]

Status = Literal["new", "seen", "called_back", "closed"]
STATUSES: tuple[Status, ...] = ("new", "seen", "called_back", "closed")
OPEN_STATUSES: tuple[Status, ...] = ("new", "seen", "called_back")

Outcome = Literal["reached", "not_reached", "resolved"]
OUTCOMES: tuple[Outcome, ...] = ("reached", "not_reached", "resolved")

# A unit with no phone hours in this many days (a typo in its hours, a closed
# institution) still gets a due time rather than an error: a message must never
# be lost because the promise could not be computed.
_SEARCH_DAYS = 60
_FALLBACK = timedelta(days=1)


class InvalidTransition(ValueError):
    """A status change that the life cycle does not allow."""


@dataclass(frozen=True, slots=True)
class Message:
    """One message as the rules see it. Times are aware; `callback_done_at` is when the
    promise was kept (a callback that reached the citizen or resolved the matter)."""

    id: int
    unit: str
    employee: str | None
    caller_name: str
    caller_phone: str  # E.164
    text: str
    about: str
    task: str | None
    taken_by: str
    taken_at: datetime
    callback_due: datetime
    status: Status = "new"
    outcome: Outcome | None = None
    callback_done_at: datetime | None = None
    closed_at: datetime | None = None
    escalated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status != "closed"

    @property
    def kept_at(self) -> datetime | None:
        """When the promise ended: the kept callback, else the closing (the citizen was
        helped some other way); None while it is still owed."""
        if self.callback_done_at is not None:
            return self.callback_done_at
        return self.closed_at

    def overdue(self, now: datetime) -> bool:
        return is_overdue(self.callback_due, self.kept_at, now)


def _local(moment: datetime, org: Organisation) -> datetime:
    return to_local(moment, ZoneInfo(org.municipality.timezone))


def default_due(org: Organisation, unit_id: str, now: datetime) -> datetime:
    """The close of the unit's phone hours on its next working day after today (local).

    "Working day" is a day on which the unit's phone hours (inherited, with the
    municipality's closing days) open at all, so weekends and holidays are skipped."""
    schedule = phone_schedule(org, unit_id)
    today: date = _local(now, org).date()
    for offset in range(1, _SEARCH_DAYS + 1):
        intervals = schedule.day_intervals(today + timedelta(days=offset))
        if intervals:
            return intervals[-1][1]
    return _local(now + _FALLBACK, org)


def is_overdue(due: datetime, kept_at: datetime | None, now: datetime) -> bool:
    """Broken promise: the due time has passed and the callback was not kept by then."""
    if kept_at is not None:
        return kept_at > due
    return now > due


def callback_sentence(name: str, due: datetime, now: datetime) -> str:
    """What the operator tells the citizen, e.g.
    "Mette Dahl ringer dig op senest tirsdag den 1. december kl. 15.00."

    `due` is said in its own time zone (pass it local); "i dag" / "i morgen" when near."""
    return f"{name} ringer dig op senest {danish.format_moment(due, now)}."


def next_status(current: Status, wanted: Status, outcome: Outcome | None) -> Status:
    """The status after a change, or InvalidTransition.

    new -> seen -> called_back (with an outcome; not_reached means try again, so a
    called-back message can be called back again) -> closed. Closing is allowed from
    any open status (the citizen may have been helped another way); a closed message
    stays closed. `seen` on a message already past it changes nothing."""
    if current == "closed":
        raise InvalidTransition("the message is closed")
    if wanted == "new":
        raise InvalidTransition("a message cannot go back to new")
    if wanted == "called_back" and outcome is None:
        raise InvalidTransition(
            "outcome: required when called back (reached, not_reached, resolved)"
        )
    if outcome is not None and wanted not in ("called_back", "closed"):
        raise InvalidTransition("outcome: only with status called_back or closed")
    if wanted == "seen" and current != "new":
        return current
    return wanted


def retry_delay(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential back-off after `attempts` failed tries: base, 2*base, 4*base, ... cap."""
    if attempts < 1:
        return timedelta(0)
    # Bound the exponent so a long outage cannot overflow timedelta.
    return min(base * (1 << min(attempts - 1, 30)), cap)


# --- who hears about a message ----------------------------------------------------------


def absent_past(
    org: Organisation, presence: Presence, employee_id: str, due: datetime, now: datetime
) -> bool:
    """The employee is away now with a code and not expected back before `due` (a return
    unknown counts as not back). Someone merely outside their hours is not absent: they
    read their mail when they come in, which is before the due time."""
    if is_present(org, presence, employee_id, now):
        return False
    if presence.active_absence(employee_id, now) is None:
        return False
    back = expected_back(org, presence, employee_id, now)
    return back is None or back >= due


def leader_candidates(
    org: Organisation,
    presence: Presence,
    unit_id: str,
    now: datetime,
    exclude: str | None = None,
) -> list[str]:
    """Who answers for a unit's messages when the addressee cannot: the unit's leaders
    (those present first), then its owner; then the same for each unit above it, so a
    team without a leader reaches its department's. `exclude` (the addressee) is skipped."""
    found: list[str] = []
    for unit in org.ancestors(unit_id):
        leaders = [
            e.id for e in org.employees_of(unit.id) if e.role == "leader" and e.id != exclude
        ]
        leaders.sort(key=lambda e: not is_present(org, presence, e, now))
        owner = [unit.owner] if unit.owner and unit.owner in org.employees else []
        for candidate in [*leaders, *owner]:
            if candidate != exclude and candidate not in found:
                found.append(candidate)
    return found


def related_units(org: Organisation, a: str, b: str) -> bool:
    """One unit is the other or above it: a team member may take over a message for
    their department and a department's leader one for a team under it (R3.6)."""
    return any(u.id == b for u in org.ancestors(a)) or any(u.id == a for u in org.ancestors(b))
