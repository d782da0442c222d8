"""Phase 2 of the advice (spec/advice.md steps 6-8): what to do about the target.

Phase 1 (`omstilling.domain.advice`) has decided whom the call is for; this decides,
from the state of that target at the moment asked, whether to transfer, give a number
or take a message, and what to say. `say` never holds an absence reason or code label,
and never a withheld number (R1.4, R1.5, R3.8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from omstilling.domain.advice_text import add_rules, moment_text, notices, number_to, unit_to
from omstilling.domain.advice_types import AbsenceView, Action, Advice, Alternative, Candidate, To
from omstilling.domain.organisation import Employee, Organisation, Task, Unit
from omstilling.domain.presence import (
    PRIVATE_CODES,
    Absence,
    Presence,
    UnitAway,
    citizen_sentence,
    expected_back,
    is_present,
    phone_schedule,
    reachable_through,
    schedule,
    shown_as,
    source_label,
    unit_away_for,
    unit_back,
)

__all__ = ["Target", "decide_action"]


@dataclass(slots=True)
class Target:
    """The outcome of phase 1."""

    unit: str  # what the call concerns: the target's unit
    employee: str | None = None  # asked for or picked by distribution
    task: Task | None = None
    needs: tuple[str, ...] = ()
    person: str | None = None  # whom to reach: the employee, the secretary or the only-to
    number: str | None = None  # the only-to number
    secretary: bool = False
    secretary_when: str = ""  # the unit's R2.4 criteria, when the secretary rule applied


@dataclass(slots=True)
class _Plan:
    """The action part of the advice, decided by steps 6-8."""

    action: Action
    to: To | None
    say: list[str]
    alternatives: tuple[Alternative, ...] = ()
    withheld: bool = False


@dataclass(slots=True)
class _State:
    """What phase 2 reads about the target's unit and people at `at`."""

    org: Organisation
    presence: Presence
    target: Target
    at: datetime
    rules: list[str]
    unit: Unit
    phone_open: bool
    available: list[str]
    next_open: datetime | None
    week: str
    away: UnitAway | None
    concerned: Employee | None  # the person asked about
    person: Employee | None  # the person to reach
    absence: Absence | None  # the concerned person's, now
    message: Alternative = field(init=False)
    message_to: To = field(init=False)

    def __post_init__(self) -> None:
        # A message is for the person asked about, else for the unit.
        for_id = self.concerned.id if self.concerned is not None else None
        self.message = Alternative("take_message", for_id, None if for_id else self.unit.id)
        self.message_to = To("employee", for_id) if for_id else To("unit", self.unit.id)

    @property
    def reachable(self) -> bool:
        return self.phone_open or bool(self.available)

    def away_sentence(self, someone: Employee | None = None) -> list[str]:
        """R1.1, R1.5: tell, unasked, that the person asked for is away and when they are
        back, never why; or, for `someone` else not there, only that."""
        org, presence, at, concerned = self.org, self.presence, self.at, self.concerned
        if concerned is not None and self.absence is not None and not self.absence.reachable:
            add_rules(self.rules, "R1.1", "R1.5")
            back = expected_back(org, presence, concerned.id, at)
            return [citizen_sentence(concerned.name, back, at)]
        if someone is None:
            return []
        if presence.active_absence(someone.id, at) is not None:
            add_rules(self.rules, "R1.1", "R1.5")
        back = expected_back(org, presence, someone.id, at) if self.phone_open else None
        return [citizen_sentence(someone.name, back, at)]


def _state(
    org: Organisation, presence: Presence, target: Target, at: datetime, rules: list[str]
) -> _State:
    unit = org.units[target.unit]
    phone = phone_schedule(org, unit.id)
    phone_open, available = reachable_through(org, presence, unit.id, at)
    reachable = phone_open or bool(available)
    concerned = org.employees[target.employee] if target.employee is not None else None
    return _State(
        org=org,
        presence=presence,
        target=target,
        at=at,
        rules=rules,
        unit=unit,
        phone_open=phone_open,
        available=available,
        next_open=None if reachable else phone.next_open(at),
        week=phone.week_text(at),
        away=unit_away_for(org, presence, unit.id, at),
        concerned=concerned,
        person=org.employees[target.person] if target.person is not None else None,
        absence=presence.active_absence(concerned.id, at) if concerned is not None else None,
    )


def _unit_away_plan(s: _State, away: UnitAway) -> _Plan:
    """Step 6 (R3.9): the whole unit is away."""
    add_rules(s.rules, "R3.9")
    back = moment_text(unit_back(s.org, away, s.unit.id, s.at), s.at)
    say = [
        f"Medarbejderne i {s.unit.name} er ikke til rådighed lige nu og forventes tilbage {back}.",
        f"Jeg kan tage en besked til {s.concerned.name if s.concerned else s.unit.name}.",
    ]
    return _Plan("take_message", s.message_to, say)


def _not_reachable_plan(s: _State) -> _Plan:
    """Step 8 (R3.10): a number and the hours; a message as the alternative."""
    org, unit, person, at = s.org, s.unit, s.person, s.at
    add_rules(s.rules, "R3.10")
    hours_text = (
        f"har telefontid {s.week}" if s.week != "lukket" else "har ingen faste telefontider"
    )
    say = [*s.away_sentence(), f"{unit.name} {hours_text}."]
    if s.next_open is not None:
        say.append(f"Telefonen åbner igen {moment_text(s.next_open, at)}.")
    withheld = False
    if person is None and s.target.number is not None:
        to = number_to("number", None, s.target.number)
        tail = [f"Du kan ringe på {to.display}."]
    elif person is not None:
        sensitive = org.is_sensitive(person.unit) or org.is_sensitive(unit.id)
        if person.phone is not None and person.public and not sensitive:
            to = number_to("employee", person.id, person.phone)
            tail = [f"Du kan ringe direkte til {person.name} på {to.display}."]
        else:
            # R3.8 (which overrides R2.5), `public: false`, or no direct number.
            add_rules(s.rules, *(["R3.8"] if sensitive else []))
            withheld = person.phone is not None
            to = unit_to(org, unit.id)
            tail = [f"Du kan ringe på {to.display}."]
    else:
        to = unit_to(org, unit.id)
        official = schedule(org, org.official_expression()).week_text(at)
        tail = [
            f"Du kan ringe på {to.display}.",
            f"Ring gerne igen inden for kommunens åbningstid: {official}.",
        ]
    if to.number is None:
        # Nothing to give: a message is what is left (R3.6).
        add_rules(s.rules, "R3.6")
        return _Plan("take_message", s.message_to, [*say, "Jeg kan tage en besked."])
    return _Plan("give_number", to, [*say, *tail], (s.message,), withheld)


def _reachable_plan(s: _State) -> _Plan:
    """Step 7: reachable, by the phone hours or through someone present (R3.4)."""
    org, unit, person, at = s.org, s.unit, s.person, s.at
    if not s.phone_open:
        add_rules(s.rules, "R3.4")
    if person is None and s.target.number is not None:
        add_rules(s.rules, "R1.2")
        to = number_to("number", None, s.target.number)
        return _Plan("transfer", to, [*s.away_sentence(), f"Jeg stiller dig om til {unit.name}."])
    if (
        person is not None
        and is_present(org, s.presence, person.id, at)
        and (s.phone_open or person.id in s.available)
    ):
        add_rules(s.rules, "R1.2")
        say = s.away_sentence()
        to = number_to("employee", person.id, person.phone, person.extension)
        if s.concerned is not None and person.id != s.concerned.id:
            say.append(
                f"Jeg stiller dig om til {person.name}, som tager imod opkald til "
                f"{s.concerned.name}."
            )
        else:
            say.append(f"Jeg stiller dig om til {person.name}.")
        return _Plan("transfer_secretary" if s.target.secretary else "transfer", to, say)
    if s.phone_open and person is None:
        add_rules(s.rules, "R1.2")
        return _Plan("transfer", unit_to(org, unit.id), [f"Jeg stiller dig om til {unit.name}."])
    if s.phone_open:
        # Not present: the unit's main number, where a colleague takes it (R3.5, R3.6).
        add_rules(s.rules, "R3.5", "R3.6")
        say = [*s.away_sentence(person), f"Jeg stiller dig om til en kollega i {unit.name}."]
        return _Plan("transfer", unit_to(org, unit.id), say, (s.message,))
    # Reachable only through R3.4: the first available employee by name.
    helper = org.employees[s.available[0]]
    say = s.away_sentence(person) if person is not None else []
    say.append(
        f"{unit.name} har ikke telefontid nu, men {helper.name} er til stede. "
        f"Jeg stiller dig om til {helper.name}."
    )
    to = number_to("employee", helper.id, helper.phone, helper.extension)
    return _Plan("transfer", to, say, (s.message,))


def decide_action(
    org: Organisation,
    presence: Presence,
    target: Target,
    at: datetime,
    rules: list[str],
    found: tuple[Candidate, ...],
) -> Advice:
    """Steps 6-8 for the target phase 1 chose; `rules` holds phase 1's citations."""
    s = _state(org, presence, target, at, rules)
    if s.away is not None:
        plan = _unit_away_plan(s, s.away)
    elif not s.reachable:
        plan = _not_reachable_plan(s)
    else:
        plan = _reachable_plan(s)
    to = plan.to
    if plan.action == "transfer" and to is not None and to.kind == "unit" and to.number is None:
        # A unit without any number to transfer to: take a message (R3.6).
        add_rules(rules, "R3.6")
        plan = _Plan("take_message", s.message_to, [*plan.say[:-1], "Jeg kan tage en besked."])
    plan = _unstaffed_mailing_plan(s, plan)
    absence_view = None
    if s.absence is not None:
        until = s.absence.until.astimezone(at.tzinfo) if s.absence.until is not None else None
        # The note reaches the operator, never the citizen; a private code keeps it (R1.5).
        note = None if s.absence.code in PRIVATE_CODES else (s.absence.note.strip() or None)
        source = source_label(s.absence.source) if s.absence.from_calendar else None
        absence_view = AbsenceView(shown_as(s.absence.code), until, note, source)
    return Advice(
        action=plan.action,
        unit=s.unit.id,
        employee=target.employee,
        to=plan.to,
        number_withheld=plan.withheld,
        open=s.reachable,
        next_open=s.next_open,
        hours=s.week,
        absence=absence_view,
        needs=target.needs,
        say=" ".join(plan.say),
        rules=tuple(rules),
        notices=notices(org, target.task, s.unit.id, s.away, at),
        alternatives=plan.alternatives,
        candidates=found,
        secretary_when=(target.secretary_when or None) if target.secretary else None,
    )


def _unstaffed_mailing_plan(s: _State, plan: _Plan) -> _Plan:
    """R2.7: a call about a task of an active mailing whose unit has not confirmed it is
    staffed to answer is answered here from the mailing's answer, so the flood does not
    land on the unit; transferring (or the original action) and a message stay
    alternatives. A unit away (R3.9) keeps its message."""
    task = s.target.task
    if task is None or s.away is not None:
        return plan
    for m in s.org.active_mailings(s.at.date()):
        if task.id in m.tasks and not m.staffed and m.answer:
            add_rules(s.rules, "R2.7")
            first = Alternative(plan.action, unit=s.unit.id)
            alternatives = (first, s.message) if plan.action != "take_message" else (s.message,)
            return _Plan("handle_here", None, [m.answer], alternatives)
    return plan
