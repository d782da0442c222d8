"""The contact block on a letter (R3.7): whom the citizen calls about their case.

A case system prints on a letter the direct number of the employee who handles the
matter (R3.7), and the municipality's official hours, the only hours told outward
(R3.2). In a sensitive unit, or for an employee who is not public, the unit's number
stands instead and the direct number is never given (R3.8). Asked by a task, the
task's case distribution picks the caseworker or team from the citizen's fact (R2.2);
without the fact the task's unit answers.

Pure: the organisation and the moment are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from omstilling.domain import danish
from omstilling.domain.distribution import needed_fact, pick
from omstilling.domain.errors import NotFound
from omstilling.domain.inquiry import Inquiry
from omstilling.domain.organisation import Employee, Organisation, Task
from omstilling.domain.presence import schedule

__all__ = ["Contact", "ContactNumber", "employee_contact", "task_contact"]


@dataclass(frozen=True, slots=True)
class ContactNumber:
    e164: str
    display: str


@dataclass(frozen=True, slots=True)
class Contact:
    """What stands on the letter; `rules` are the policy ids that decided it."""

    name: str
    unit: str
    number: ContactNumber | None
    hours: str
    rules: tuple[str, ...] = ()
    needs: tuple[str, ...] = field(default=())  # the citizen's fact the task's rule asks

    @property
    def text(self) -> str:
        """A plain-text block for mail merge, in Danish."""
        lines = [self.name] if self.name == self.unit else [self.name, self.unit]
        if self.number is not None:
            lines.append(f"Telefon {self.number.display}")
        lines.append(f"Åbningstid: {self.hours}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        number = None
        if self.number is not None:
            number = {"e164": self.number.e164, "display": self.number.display}
        return {
            "name": self.name,
            "unit": self.unit,
            "number": number,
            "hours": self.hours,
            "text": self.text,
            "rules": list(self.rules),
            "needs": list(self.needs),
        }


def _number(e164: str | None) -> ContactNumber | None:
    return ContactNumber(e164, danish.format_phone(e164)) if e164 else None


def _official_hours(org: Organisation, at: datetime) -> str:
    # R3.2: only the official hours go outward, never a unit's own phone hours.
    return schedule(org, org.official_expression()).week_text(at)


def _unit_number(org: Organisation, unit_id: str) -> ContactNumber | None:
    main = org.main_number(unit_id)
    return _number(main.e164 if main is not None else org.municipality.main_number)


def _of_unit(org: Organisation, unit_id: str, at: datetime, rules: list[str]) -> Contact:
    unit = org.units[unit_id]
    return Contact(
        unit.name, unit.name, _unit_number(org, unit_id), _official_hours(org, at), tuple(rules)
    )


def _of_employee(org: Organisation, person: Employee, at: datetime, rules: list[str]) -> Contact:
    unit = org.units[person.unit]
    withheld = org.is_sensitive(unit.id) or not person.public
    if withheld:
        rules.append("R3.8")
    # R3.8: a withheld direct number is never given; the unit's number stands instead.
    direct = None if withheld else _number(person.phone)
    number = direct or _unit_number(org, unit.id)
    return Contact(person.name, unit.name, number, _official_hours(org, at), tuple(rules))


def employee_contact(org: Organisation, employee_id: str, at: datetime) -> Contact:
    """The contact block of one employee. NotFound when the id names no one (any more)."""
    person = org.employees.get(employee_id)
    if person is None:
        raise NotFound("employee", employee_id)
    return _of_employee(org, person, at, ["R3.7", "R3.2"])


def task_contact(org: Organisation, task_id: str, inquiry: Inquiry, at: datetime) -> Contact:
    """The contact block of a task, the case distribution applied with the citizen's
    facts in `inquiry` (already read by domain.citizen). NotFound for an unknown task."""
    task: Task | None = org.tasks.get(task_id)
    if task is None:
        raise NotFound("task", task_id)
    rules = ["R3.7", "R3.2"]
    dist = task.distribution
    if dist is None:
        return _of_unit(org, task.unit, at, rules)
    rules.append("R2.2")
    fact = needed_fact(dist)
    if getattr(inquiry, fact) is None:
        found = _of_unit(org, task.unit, at, rules)
        return Contact(found.name, found.unit, found.number, found.hours, found.rules, (fact,))
    picked = pick(
        dist, birth_day=inquiry.birth_day, surname=inquiry.surname, postcode=inquiry.postcode
    )
    person = org.employees.get(picked.employee or "") if picked is not None else None
    if person is not None:
        return _of_employee(org, person, at, rules)
    team = picked.unit if picked is not None and picked.unit in org.units else None
    # A picked employee who has left: the task's unit answers (as the advice does).
    return _of_unit(org, team or task.unit, at, rules)
