"""The routing advice of spec/advice.md: Inquiry -> Advice, each step citing its R-id.

Two phases. Phase 1 decides whom the call is for (resolve, answer here, task to
person, secretary, only-to); phase 2 decides what to do about it from the state of
that target at the moment asked (unit away, reachable, not reachable). The same
function serves the console, the API and the command line.

`say` is read to a citizen: it never holds an absence reason or code label, and never
a withheld number (R1.4, R1.5, R3.8).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from omstilling.domain import danish, hours
from omstilling.domain.distribution import needed_fact, pick
from omstilling.domain.organisation import Employee, Organisation, Task
from omstilling.domain.presence import (
    Presence,
    UnitAway,
    citizen_sentence,
    expected_back,
    is_present,
    phone_schedule,
    reachable_through,
    schedule,
    shown_as,
    unit_away_for,
    unit_back,
)

if TYPE_CHECKING:
    from omstilling.domain.search import SearchIndex

__all__ = [
    "AbsenceView",
    "Action",
    "Advice",
    "Alternative",
    "Candidate",
    "Inquiry",
    "InvalidInquiry",
    "NothingFound",
    "Notice",
    "To",
    "UnknownId",
    "advise",
    "format_offset_time",
]

Action = Literal[
    "transfer", "transfer_secretary", "take_message", "give_number", "handle_here", "refer"
]
ToKind = Literal["employee", "unit", "number"]
EntityKind = Literal["task", "unit", "employee"]


# --- input and errors ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inquiry:
    """What the call is about (one of query / employee / unit / task) and what the
    citizen has told us (all optional). Citizen facts never appear in error messages."""

    query: str | None = None
    employee: str | None = None
    unit: str | None = None
    task: str | None = None
    birth_day: int | None = None
    surname: str | None = None
    postcode: str | None = None


class UnknownId(LookupError):
    """An explicit id that the organisation does not hold."""

    def __init__(self, kind: str, id: str) -> None:
        super().__init__(f"unknown {kind} {id!r}")
        self.kind = kind
        self.id = id


class NothingFound(LookupError):
    """A free-text query that matched nothing."""


class InvalidInquiry(ValueError):
    """The inquiry cannot be answered as asked; the message names fields, never values."""


# --- output ---------------------------------------------------------------------------------


def format_offset_time(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS+HH:MM` in the moment's own (local) offset."""
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def _json(value: object) -> object:
    if isinstance(value, datetime):
        return format_offset_time(value)
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value


def _fields_json(obj: Any) -> dict[str, object]:
    """A dataclass as JSON, keys in field order (the spec's order)."""
    return {f.name: _json(getattr(obj, f.name)) for f in fields(obj)}


@dataclass(frozen=True, slots=True)
class To:
    """Whom to transfer to, which number to give, or whom a message is for.

    `extension` is what the operator dials for a transfer to an employee who has one; it
    is internal, only ever set on transfers, and only then a key of the JSON."""

    kind: ToKind
    id: str | None
    number: str | None = None  # E.164
    display: str | None = None  # Danish spelling
    extension: str | None = None

    def to_json(self) -> dict[str, object]:
        out = _fields_json(self)
        if self.extension is None:
            del out["extension"]
        return out


@dataclass(frozen=True, slots=True)
class AbsenceView:
    """An employee's active absence as an operator may see it (private codes hidden)."""

    shown_as: str
    until: datetime | None

    def to_json(self) -> dict[str, object]:
        return _fields_json(self)


@dataclass(frozen=True, slots=True)
class Notice:
    kind: Literal["mailing", "unit_away"]
    id: str
    title: str
    text: str

    def to_json(self) -> dict[str, object]:
        return _fields_json(self)


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another action the operator may take; names the employee, else the unit."""

    action: Action
    employee: str | None = None
    unit: str | None = None

    def to_json(self) -> dict[str, object]:
        if self.employee is not None:
            return {"action": self.action, "employee": self.employee}
        return {"action": self.action, "unit": self.unit}


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: EntityKind
    id: str
    name: str
    unit: str
    score: float

    def to_json(self) -> dict[str, object]:
        return _fields_json(self)


@dataclass(frozen=True, slots=True)
class Advice:
    """One piece of advice. `next_open` is a local aware datetime; `to_json` formats it."""

    action: Action
    unit: str | None
    employee: str | None
    to: To | None
    number_withheld: bool
    open: bool
    next_open: datetime | None
    hours: str
    absence: AbsenceView | None
    needs: tuple[str, ...]
    say: str
    rules: tuple[str, ...]
    notices: tuple[Notice, ...]
    alternatives: tuple[Alternative, ...]
    candidates: tuple[Candidate, ...]

    def to_json(self) -> dict[str, object]:
        """Exactly the spec's JSON shape, in the spec's key order."""
        return _fields_json(self)


# --- phase 1: the target ------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    return (text.strip() or None) if text is not None else None


def _checked(inquiry: Inquiry) -> Inquiry:
    """The inquiry with blank text as absent and the citizen facts checked."""
    day = inquiry.birth_day
    # bool is an int: a JSON `true` must not pass as day 1.
    if day is not None and (
        isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31
    ):
        raise InvalidInquiry("birth_day must be a whole number from 1 to 31")
    postcode = _clean(inquiry.postcode)
    if postcode is not None:  # "8900" or "DK-8900", as distribution.pick reads it
        digits = postcode[3:].strip() if postcode[:3].upper() == "DK-" else postcode
        if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
            raise InvalidInquiry("postcode must be four digits")
    return replace(
        inquiry,
        query=_clean(inquiry.query),
        employee=_clean(inquiry.employee),
        unit=_clean(inquiry.unit),
        task=_clean(inquiry.task),
        surname=_clean(inquiry.surname),
        postcode=postcode,
    )


def _resolve(
    org: Organisation, inquiry: Inquiry, index: SearchIndex | None
) -> tuple[EntityKind, str, tuple[Candidate, ...]]:
    """Step 1: what the call concerns, and every candidate (the chosen one first)."""
    named = [k for k in ("query", "employee", "unit", "task") if getattr(inquiry, k) is not None]
    if not named:
        raise InvalidInquiry("give one of query, employee, unit or task")
    if len(named) > 1:
        raise InvalidInquiry(f"give only one of query, employee, unit or task, not {named}")
    if inquiry.employee is not None:
        employee = org.employees.get(inquiry.employee)
        if employee is None:
            raise UnknownId("employee", inquiry.employee)
        found = Candidate("employee", employee.id, employee.name, employee.unit, 1.0)
    elif inquiry.unit is not None:
        unit = org.units.get(inquiry.unit)
        if unit is None:
            raise UnknownId("unit", inquiry.unit)
        found = Candidate("unit", unit.id, unit.name, unit.id, 1.0)
    elif inquiry.task is not None:
        task = org.tasks.get(inquiry.task)
        if task is None:
            raise UnknownId("task", inquiry.task)
        found = Candidate("task", task.id, task.name, task.unit, 1.0)
    else:
        if index is None:
            from omstilling.domain.search import SearchIndex

            index = SearchIndex.build(org)
        hits = index.search(inquiry.query or "")
        if not hits:
            raise NothingFound("nothing matches the query")
        candidates = tuple(Candidate(h.kind, h.id, h.name, h.unit, float(h.score)) for h in hits)
        return candidates[0].kind, candidates[0].id, candidates
    return found.kind, found.id, (found,)


@dataclass(slots=True)
class _Target:
    """The outcome of phase 1."""

    unit: str  # what the call concerns: the target's unit
    employee: str | None = None  # asked for or picked by distribution
    task: Task | None = None
    needs: tuple[str, ...] = ()
    person: str | None = None  # whom to reach: the employee, the secretary or the only-to
    number: str | None = None  # the only-to number
    secretary: bool = False


def _task_target(org: Organisation, task: Task, inquiry: Inquiry, rules: list[str]) -> _Target:
    """Step 3 (R2.2): the task's unit; with a distribution and its fact, the picked
    employee or team; without the fact, the unit and `needs`."""
    _add(rules, "R2.2")
    target = _Target(unit=task.unit, task=task)
    dist = task.distribution
    if dist is None:
        return target
    fact = needed_fact(dist)
    if getattr(inquiry, fact) is None:
        target.needs = (fact,)
        return target
    picked = pick(
        dist, birth_day=inquiry.birth_day, surname=inquiry.surname, postcode=inquiry.postcode
    )
    if picked is not None and picked.employee in org.employees:
        target.employee = picked.employee
        target.unit = org.employees[picked.employee].unit
    elif picked is not None and picked.unit in org.units:
        target.unit = picked.unit
    return target


def _add(rules: list[str], *ids: str) -> None:
    rules.extend(rid for rid in ids if rid not in rules)


def advise(
    org: Organisation,
    inquiry: Inquiry,
    at: datetime,
    presence: Presence,
    index: SearchIndex | None = None,
) -> Advice:
    """Decide what the operator does with a call about `inquiry` at `at` (spec/advice.md).

    A naive `at` is the municipality's local wall time (spec: "Input")."""
    inquiry = _checked(inquiry)
    at = hours.to_local(at, ZoneInfo(org.municipality.timezone))
    kind, entity_id, candidates = _resolve(org, inquiry, index)
    rules: list[str] = []

    if kind == "task":
        task = org.tasks[entity_id]
        if task.handled_by_switchboard or task.refer_to is not None:
            return _answer_here(org, presence, task, at, candidates)
        target = _task_target(org, task, inquiry, rules)
    elif kind == "employee":
        target = _Target(unit=org.employees[entity_id].unit, employee=entity_id)
    else:
        target = _Target(unit=entity_id)
    target.person = target.employee

    # Step 4 (R2.4): calls for certain roles go to the unit's secretary.
    unit = org.units[target.unit]
    sec = unit.secretary
    if (
        target.person is not None
        and sec is not None
        and sec.employee != target.person
        and org.employees[target.person].role in sec.roles
    ):
        target.person, target.secretary = sec.employee, True
        _add(rules, "R2.4")

    # Step 5 (R2.5): only to one person or number, for the unit and everyone in it.
    only = unit.transfer_only_to
    if only is not None:
        _add(rules, "R2.5")
        target.secretary = target.secretary and only.employee == target.person
        target.person, target.number = only.employee, only.number

    return _phase_two(org, presence, target, at, rules, candidates)


# --- phase 2: the action -------------------------------------------------------------------


def _moment(moment: datetime, at: datetime) -> str:
    return danish.format_moment(moment.astimezone(at.tzinfo), at)


def _number_to(kind: ToKind, id: str | None, e164: str | None, ext: str | None = None) -> To:
    return To(kind, id, e164, danish.format_phone(e164) if e164 else None, ext)


def _unit_to(org: Organisation, unit_id: str) -> To:
    main = org.main_number(unit_id)
    return _number_to("unit", unit_id, main.e164 if main is not None else None)


def _notices(
    org: Organisation, task: Task | None, unit_id: str, away: UnitAway | None, at: datetime
) -> tuple[Notice, ...]:
    """R2.7: active mailings about the task asked or from the target's unit; R3.9: the
    unit-wide absence of the target's unit."""
    notices: list[Notice] = []
    for m in org.active_mailings(at.date()):
        if (task is not None and task.id in m.tasks) or m.unit == unit_id:
            text = m.answer or (
                f"Udsendt {danish.format_date(m.sent)}; opkald ventes til og med "
                f"{danish.format_date(m.calls_expected_until)}."
            )
            notices.append(Notice("mailing", m.id, m.title, text))
    if away is not None:
        text = f"Fra {_moment(away.start, at)} til {_moment(away.end, at)}."
        text = f"{text} {away.note}" if away.note else text
        title = f"{org.units[away.unit].name} er ikke til stede"
        notices.append(Notice("unit_away", away.unit, title, text))
    return tuple(notices)


def _answer_here(
    org: Organisation, presence: Presence, task: Task, at: datetime, found: tuple[Candidate, ...]
) -> Advice:
    """Step 2 (R1.6): the switchboard answers, or refers to an outside authority."""
    phone = phone_schedule(org, task.unit)
    is_open = phone.is_open(at)
    away = unit_away_for(org, presence, task.unit, at)
    if task.refer_to is not None:
        ref = task.refer_to
        to: To | None = _number_to("number", None, ref.number)
        action: Action = "refer"
        say = f"Det er {ref.name}, der tager sig af det. Du kan ringe til {ref.name} på "
        say += f"{danish.format_phone(ref.number)}."
    else:
        to, action = None, "handle_here"
        say = task.answer or f"Omstillingen svarer selv på spørgsmål om {task.name}."
    next_open = None if is_open else phone.next_open(at)
    notices = _notices(org, task, task.unit, away, at)
    return Advice(
        action=action,
        unit=task.unit,
        employee=None,
        to=to,
        number_withheld=False,
        open=is_open,
        next_open=next_open,
        hours=phone.week_text(at),
        absence=None,
        needs=(),
        say=say,
        rules=("R1.6",),
        notices=notices,
        alternatives=(),
        candidates=found,
    )


@dataclass(slots=True)
class _Plan:
    """The action part of the advice, decided by steps 6-8."""

    action: Action
    to: To | None
    say: list[str]
    alternatives: tuple[Alternative, ...] = ()
    withheld: bool = False


def _phase_two(
    org: Organisation,
    presence: Presence,
    target: _Target,
    at: datetime,
    rules: list[str],
    found: tuple[Candidate, ...],
) -> Advice:
    unit = org.units[target.unit]
    phone = phone_schedule(org, unit.id)
    phone_open, available = reachable_through(org, presence, unit.id, at)
    reachable = phone_open or bool(available)
    next_open = None if reachable else phone.next_open(at)
    week = phone.week_text(at)
    away = unit_away_for(org, presence, unit.id, at)
    concerned = org.employees[target.employee] if target.employee is not None else None
    person = org.employees[target.person] if target.person is not None else None
    absence = presence.active_absence(concerned.id, at) if concerned is not None else None

    # A message is for the person asked about, else for the unit.
    for_id = concerned.id if concerned is not None else None
    message = Alternative("take_message", for_id, None if for_id else unit.id)
    message_to = To("employee", for_id) if for_id else To("unit", unit.id)

    def away_sentence(someone: Employee | None = None) -> list[str]:
        """R1.1, R1.5: tell, unasked, that the person asked for is away and when they are
        back, never why; or, for `someone` else not there, only that."""
        if concerned is not None and absence is not None and not absence.reachable:
            _add(rules, "R1.1", "R1.5")
            back = expected_back(org, presence, concerned.id, at)
            return [citizen_sentence(concerned.name, back, at)]
        if someone is None:
            return []
        if presence.active_absence(someone.id, at) is not None:
            _add(rules, "R1.1", "R1.5")
        back = expected_back(org, presence, someone.id, at) if phone_open else None
        return [citizen_sentence(someone.name, back, at)]

    if away is not None:
        # Step 6 (R3.9): the whole unit is away.
        _add(rules, "R3.9")
        back = _moment(unit_back(org, away, unit.id, at), at)
        say = [
            f"Medarbejderne i {unit.name} er ikke til rådighed lige nu og forventes "
            f"tilbage {back}.",
            f"Jeg kan tage en besked til {concerned.name if concerned else unit.name}.",
        ]
        plan = _Plan("take_message", message_to, say)
    elif not reachable:
        # Step 8 (R3.10): a number and the hours; a message as the alternative.
        _add(rules, "R3.10")
        hours_text = (
            f"har telefontid {week}" if week != "lukket" else "har ingen faste telefontider"
        )
        say = [*away_sentence(), f"{unit.name} {hours_text}."]
        if next_open is not None:
            say.append(f"Telefonen åbner igen {_moment(next_open, at)}.")
        withheld = False
        if person is None and target.number is not None:
            to = _number_to("number", None, target.number)
            tail = [f"Du kan ringe på {to.display}."]
        elif person is not None:
            sensitive = org.is_sensitive(person.unit) or org.is_sensitive(unit.id)
            if person.phone is not None and person.public and not sensitive:
                to = _number_to("employee", person.id, person.phone)
                tail = [f"Du kan ringe direkte til {person.name} på {to.display}."]
            else:
                # R3.8 (which overrides R2.5), `public: false`, or no direct number.
                _add(rules, *(["R3.8"] if sensitive else []))
                withheld = person.phone is not None
                to = _unit_to(org, unit.id)
                tail = [f"Du kan ringe på {to.display}."]
        else:
            to = _unit_to(org, unit.id)
            official = schedule(org, org.official_expression()).week_text(at)
            tail = [
                f"Du kan ringe på {to.display}.",
                f"Ring gerne igen inden for kommunens åbningstid: {official}.",
            ]
        if to.number is None:
            # Nothing to give: a message is what is left (R3.6).
            _add(rules, "R3.6")
            plan = _Plan("take_message", message_to, [*say, "Jeg kan tage en besked."])
        else:
            plan = _Plan("give_number", to, [*say, *tail], (message,), withheld)
    else:
        # Step 7: reachable.
        if not phone_open:
            _add(rules, "R3.4")
        if person is None and target.number is not None:
            _add(rules, "R1.2")
            to = _number_to("number", None, target.number)
            plan = _Plan("transfer", to, [*away_sentence(), f"Jeg stiller dig om til {unit.name}."])
        elif (
            person is not None
            and is_present(org, presence, person.id, at)
            and (phone_open or person.id in available)
        ):
            _add(rules, "R1.2")
            say = away_sentence()
            to = _number_to("employee", person.id, person.phone, person.extension)
            if concerned is not None and person.id != concerned.id:
                say.append(
                    f"Jeg stiller dig om til {person.name}, som tager imod opkald til "
                    f"{concerned.name}."
                )
            else:
                say.append(f"Jeg stiller dig om til {person.name}.")
            plan = _Plan("transfer_secretary" if target.secretary else "transfer", to, say)
        elif phone_open and person is None:
            _add(rules, "R1.2")
            plan = _Plan(
                "transfer", _unit_to(org, unit.id), [f"Jeg stiller dig om til {unit.name}."]
            )
        elif phone_open:
            # Not present: the unit's main number, where a colleague takes it (R3.5, R3.6).
            _add(rules, "R3.5", "R3.6")
            say = [*away_sentence(person), f"Jeg stiller dig om til en kollega i {unit.name}."]
            plan = _Plan("transfer", _unit_to(org, unit.id), say, (message,))
        else:
            # Reachable only through R3.4: the first available employee by name.
            helper = org.employees[available[0]]
            say = away_sentence(person) if person is not None else []
            say.append(
                f"{unit.name} har ikke telefontid nu, men {helper.name} er til stede. "
                f"Jeg stiller dig om til {helper.name}."
            )
            to = _number_to("employee", helper.id, helper.phone, helper.extension)
            plan = _Plan("transfer", to, say, (message,))

    if (
        plan.action == "transfer"
        and plan.to is not None
        and plan.to.kind == "unit"
        and (plan.to.number is None)
    ):
        # A unit without any number to transfer to: take a message (R3.6).
        _add(rules, "R3.6")
        plan = _Plan("take_message", message_to, [*plan.say[:-1], "Jeg kan tage en besked."])

    absence_view = None
    if absence is not None:
        until = absence.until.astimezone(at.tzinfo) if absence.until is not None else None
        absence_view = AbsenceView(shown_as(absence.code), until)
    return Advice(
        action=plan.action,
        unit=unit.id,
        employee=target.employee,
        to=plan.to,
        number_withheld=plan.withheld,
        open=reachable,
        next_open=next_open,
        hours=week,
        absence=absence_view,
        needs=target.needs,
        say=" ".join(plan.say),
        rules=tuple(rules),
        notices=_notices(org, target.task, unit.id, away, at),
        alternatives=plan.alternatives,
        candidates=found,
    )
