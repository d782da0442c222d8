"""The routing advice of spec/advice.md: Inquiry -> Advice, each step citing its R-id.

Two phases. Phase 1 (here) decides whom the call is for (resolve, answer here, task
to person, secretary, only-to); phase 2 (`advice_action`) decides what to do about it
from the state of that target at the moment asked (unit away, reachable, not
reachable). The same function serves the console, the API and the command line.

The inquiry and its errors are in `inquiry`, the citizen's facts in `citizen`, the
advice value and its JSON in `advice_types`; their public names are importable from
here too, as the callers have always imported them.

`say` is read to a citizen: it never holds an absence reason or code label, and never
a withheld number (R1.4, R1.5, R3.8).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from omstilling.domain import danish, hours
from omstilling.domain.advice_action import Target, decide_action
from omstilling.domain.advice_text import add_rules, notices, number_to
from omstilling.domain.advice_types import (
    AbsenceView,
    Action,
    Advice,
    Alternative,
    Candidate,
    EntityKind,
    Notice,
    To,
    format_offset_time,
)
from omstilling.domain.citizen import checked_inquiry
from omstilling.domain.distribution import needed_fact, pick
from omstilling.domain.inquiry import Inquiry, InvalidInquiry, NothingFound, UnknownId
from omstilling.domain.organisation import Organisation, Task
from omstilling.domain.presence import Presence, phone_schedule, unit_away_for

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


def _task_target(org: Organisation, task: Task, inquiry: Inquiry, rules: list[str]) -> Target:
    """Step 3 (R2.2): the task's unit; with a distribution and its fact, the picked
    employee or team; without the fact, the unit and `needs`."""
    add_rules(rules, "R2.2")
    target = Target(unit=task.unit, task=task)
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


def advise(
    org: Organisation,
    inquiry: Inquiry,
    at: datetime,
    presence: Presence,
    index: SearchIndex | None = None,
) -> Advice:
    """Decide what the operator does with a call about `inquiry` at `at` (spec/advice.md).

    A naive `at` is the municipality's local wall time (spec: "Input")."""
    inquiry = checked_inquiry(inquiry)
    at = hours.to_local(at, ZoneInfo(org.municipality.timezone))
    kind, entity_id, candidates = _resolve(org, inquiry, index)
    rules: list[str] = []

    if kind == "task":
        task = org.tasks[entity_id]
        if task.handled_by_switchboard or task.refer_to is not None:
            return _answer_here(org, presence, task, at, candidates)
        target = _task_target(org, task, inquiry, rules)
    elif kind == "employee":
        target = Target(unit=org.employees[entity_id].unit, employee=entity_id)
    else:
        target = Target(unit=entity_id)
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
        target.secretary_when = sec.when.strip()
        add_rules(rules, "R2.4")

    # Step 5 (R2.5): only to one person or number, for the unit and everyone in it.
    only = unit.transfer_only_to
    if only is not None:
        add_rules(rules, "R2.5")
        target.secretary = target.secretary and only.employee == target.person
        target.person, target.number = only.employee, only.number

    return decide_action(org, presence, target, at, rules, candidates)


def _answer_here(
    org: Organisation, presence: Presence, task: Task, at: datetime, found: tuple[Candidate, ...]
) -> Advice:
    """Step 2 (R1.6): the switchboard answers, or refers to an outside authority."""
    phone = phone_schedule(org, task.unit)
    away = unit_away_for(org, presence, task.unit, at)
    shown = notices(org, task, task.unit, away, at)
    if task.refer_to is not None:
        ref = task.refer_to
        to: To | None = number_to("number", None, ref.number)
        action: Action = "refer"
        say = f"Det er {ref.name}, der tager sig af det. Du kan ringe til {ref.name} på "
        say += f"{danish.format_phone(ref.number)}."
        if ref.hours:
            # The authority's own phone hours, without the municipality's closing days.
            m = org.municipality
            phone = hours.compile_schedule(ref.hours, m.timezone, m.country)
            say += f" De har telefontid {phone.week_text(at)}."
        if ref.url:
            say += f" Du kan læse mere på {_plain_address(ref.url)}."
        # The target is the authority, not our unit: only a mailing about the task.
        shown = notices(org, task, None, None, at)
    else:
        to, action = None, "handle_here"
        say = task.answer or f"Omstillingen svarer selv på spørgsmål om {task.name}."
    is_open = phone.is_open(at)
    next_open = None if is_open else phone.next_open(at)
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
        notices=shown,
        alternatives=(),
        candidates=found,
    )


def _plain_address(url: str) -> str:
    """A web address as it is said on the phone: no scheme, no trailing slash."""
    return url.removeprefix("https://").removeprefix("http://").removeprefix("www.").rstrip("/")
