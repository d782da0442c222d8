"""Hvem skal jeg ringe til? What the public search may tell a citizen (issue 17; R3.2,
R3.7, R3.8).

The same index as the console's finds tasks, units and people; this module decides
which of those hits a citizen may see and what each one says: the number to call, the
phone hours ("Telefontid", never the municipality's opening hours: R3.2) with open now
or when they open next, the answer of a task the switchboard answers itself, and a
web address when the task's answer names one. The page and the JSON API both answer
from here, so they never disagree.

What a citizen never gets: a direct number of an employee in a sensitive unit or
below one, or of an employee marked `public: false` (R3.8; such a person is not a hit
at all), a mobile number (never read here), presence or absence, or a unit's internal
routing (secretary, transfer-only number). Every text passes the one CPR guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from omstilling.domain.citizen import looks_like_cpr
from omstilling.domain.danish import format_clock, format_moment, format_phone
from omstilling.domain.errors import Invalid
from omstilling.domain.hours import Schedule, compile_schedule
from omstilling.domain.organisation import Employee, Organisation, Task, Unit
from omstilling.domain.search import Hit, HitKind, SearchIndex

__all__ = [
    "MAX_QUERY",
    "PHONE_HOURS_LABEL",
    "PhoneHours",
    "PublicAnswer",
    "PublicNumber",
    "QueryRefused",
    "answer_for",
    "answers",
    "phone_hours",
    "public_search",
    "public_text",
    "published_number",
    "read_query",
    "web_address",
]

MAX_QUERY = 200
# R3.2: a unit's hours are its phone hours; only the official hours speak for the
# municipality, and the public page shows those apart.
PHONE_HOURS_LABEL = "Telefontid"
# Hits asked of the index per answer shown: people a citizen may not see are dropped.
_OVERFETCH = 3


class QueryRefused(Invalid):
    """A query the public search does not search; the text never repeats the query."""

    field = "q"

    def __init__(self, reason: str, message: str, danish: str) -> None:
        self.reason = reason  # "empty", "too_long" or "cpr"
        self.danish = danish
        super().__init__(f"q: {message}")


def read_query(text: str | None) -> str:
    """The query as it is searched, or QueryRefused: blank, over MAX_QUERY characters,
    or holding a CPR number (refused whole, never echoed nor searched)."""
    query = (text or "").strip()
    if not query:
        raise QueryRefused(
            "empty",
            "is empty; write what your question is about",
            "Skriv, hvad dit spørgsmål handler om, for eksempel pas eller storskrald.",
        )
    if len(query) > MAX_QUERY:
        raise QueryRefused(
            "too_long",
            f"is longer than {MAX_QUERY} characters",
            f"Søgningen er for lang. Skriv højst {MAX_QUERY} tegn, for eksempel ét eller "
            "to ord om det, du vil spørge om.",
        )
    if looks_like_cpr(query):
        raise QueryRefused(
            "cpr",
            "looks like a CPR number; it is not searched",
            "Skriv aldrig dit CPR-nummer her. Søg på det, du vil spørge om, for eksempel "
            "pas eller boligstøtte. Din søgning er ikke gemt.",
        )
    return query


def public_text(text: str) -> str:
    """A free text as the public may see it: never one that fails the CPR guard. Imports
    and edits refuse such a text (issue 12 item 4); this keeps one stored before that,
    or by any other door, off the public pages."""
    return "" if looks_like_cpr(text) else text


def published_number(org: Organisation, e: Employee) -> str | None:
    """The employee's direct number if it may be published, else None (R3.8)."""
    if not e.phone or not e.public or org.is_sensitive(e.unit):
        return None
    return e.phone


@dataclass(frozen=True, slots=True)
class PublicNumber:
    e164: str
    display: str

    @classmethod
    def of(cls, e164: str) -> PublicNumber:
        return cls(e164, format_phone(e164))


@dataclass(frozen=True, slots=True)
class PhoneHours:
    """A unit's phone hours at a moment, labelled as phone hours (R3.2)."""

    label: str  # always PHONE_HOURS_LABEL
    text: str  # "mandag 8.00-18.00, tirsdag-torsdag 8.00-16.00, fredag 8.00-14.00"
    open_now: bool
    opens: datetime | None  # when closed: the next opening
    closes: datetime | None  # when open: the next closing
    status: str  # "Åben nu, til kl. 15.00" / "Lukket nu, åbner i morgen kl. 8.00"


@dataclass(frozen=True, slots=True)
class PublicAnswer:
    """One hit as a citizen sees it."""

    kind: HitKind
    id: str
    name: str
    unit: str  # who answers the number: the unit, or the authority a task is referred to
    number: PublicNumber | None
    hours: PhoneHours | None  # None for a task referred to another authority
    answer: str
    url: str | None


def _schedule(org: Organisation, unit_id: str) -> Schedule:
    expression = org.phone_expression(unit_id)
    return compile_schedule(expression, org.municipality.timezone, org.municipality.country)


def phone_hours(org: Organisation, unit_id: str, now: datetime) -> PhoneHours:
    """The unit's phone hours (inherited, with the municipality's closing days) at `now`."""
    return hours_of(_schedule(org, unit_id), now)


def hours_of(schedule: Schedule, now: datetime) -> PhoneHours:
    """Phone hours as the citizen reads them: the week, open now or when it opens."""
    if schedule.is_open(now):
        closes = schedule.next_change(now)
        status = f"Åben nu, til kl. {format_clock(closes)}" if closes else "Åben nu"
        return PhoneHours(PHONE_HOURS_LABEL, schedule.week_text(now), True, None, closes, status)
    opens = schedule.next_open(now)
    status = f"Lukket nu, åbner {format_moment(opens, now)}" if opens else "Lukket nu"
    return PhoneHours(PHONE_HOURS_LABEL, schedule.week_text(now), False, opens, None, status)


# A web address in an answer: "randers.dk", "www.borger.dk/flytning", "https://skat.dk".
_ADDRESS = re.compile(
    r"(?<![@\w.-])((?:https?://)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:dk|com|org|net|eu|info|gl|fo)(?:/[^\s<>\"']*)?)",
    re.IGNORECASE,
)


def web_address(text: str) -> str | None:
    """The first web address a text names, as an https link; None when it names none."""
    found = _ADDRESS.search(text)
    if found is None:
        return None
    address = found.group(1).rstrip(".,;:!?)")
    if not address.lower().startswith(("http://", "https://")):
        address = "https://" + address
    return address


def _task_answer(org: Organisation, task: Task, now: datetime) -> PublicAnswer:
    unit = org.units[task.unit]
    answer = public_text(task.answer)
    if task.refer_to is not None:
        ref = task.refer_to
        said = f"Det er {public_text(ref.name)}, der tager sig af det."
        # The authority's own phone hours when the file gives them (not the municipality's
        # closing days: they are not the authority's).
        m = org.municipality
        hours = (
            hours_of(compile_schedule(ref.hours, m.timezone, m.country), now) if ref.hours else None
        )
        return PublicAnswer(
            "task",
            task.id,
            public_text(task.name),
            public_text(ref.name),
            PublicNumber.of(ref.number),
            hours,
            f"{said} {answer}".strip(),
            ref.url or web_address(answer),
        )
    if task.handled_by_switchboard:
        return _through_unit(
            org, "task", task.id, task.name, unit, now, answer, web_address(answer)
        )
    return _through_unit(org, "task", task.id, task.name, unit, now, "")


def _through_unit(
    org: Organisation,
    kind: HitKind,
    ident: str,
    name: str,
    unit: Unit,
    now: datetime,
    text: str,
    url: str | None = None,
) -> PublicAnswer:
    """An answer reached through a unit: its main number and its phone hours."""
    main = org.main_number(unit.id)
    return PublicAnswer(
        kind,
        ident,
        public_text(name),
        public_text(unit.name),
        PublicNumber.of(main.e164) if main else None,
        phone_hours(org, unit.id, now),
        text,
        url,
    )


def answer_for(org: Organisation, kind: HitKind, ident: str, now: datetime) -> PublicAnswer | None:
    """What a citizen may see of one task, unit or employee; None when they may not see it
    (an employee whose direct number is not published, R3.8) or it is gone."""
    if kind == "task":
        task = org.tasks.get(ident)
        return _task_answer(org, task, now) if task is not None else None
    if kind == "unit":
        unit = org.units.get(ident)
        if unit is None:
            return None
        return _through_unit(
            org, "unit", unit.id, unit.name, unit, now, public_text(unit.description)
        )
    employee = org.employees.get(ident)
    number = published_number(org, employee) if employee is not None else None
    if employee is None or number is None:
        return None
    return PublicAnswer(
        "employee",
        employee.id,
        public_text(employee.name),
        public_text(org.units[employee.unit].name),
        PublicNumber.of(number),
        phone_hours(org, employee.unit, now),
        public_text(employee.title),
        None,
    )


def answers(
    org: Organisation, hits: Iterable[Hit], now: datetime, limit: int
) -> list[PublicAnswer]:
    """The hits a citizen may see, in the index's order, at most `limit`."""
    out: list[PublicAnswer] = []
    for hit in hits:
        found = answer_for(org, hit.kind, hit.id, now)
        if found is not None and found.name:
            out.append(found)
            if len(out) == limit:
                break
    return out


def public_search(
    org: Organisation, index: SearchIndex, query: str, now: datetime, limit: int = 10
) -> list[PublicAnswer]:
    """Search as a citizen: the query is read first (QueryRefused), then the index's hits
    a citizen may see, best first."""
    text = read_query(query)
    return answers(org, index.search(text, limit=limit * _OVERFETCH), now, limit)
