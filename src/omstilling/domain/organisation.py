"""The organisation as plain typed objects: units, employees, tasks, numbers, mailings.

This is the snapshot the rules answer from. It is built by the organisation file
parser (`omstilling.orgfile`) and by the store (`omstilling.store`), and never
does I/O itself. Each entity keeps only its *own* values as written in the file;
inherited values (hours, sensitivity, main number) are computed by `Organisation`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from omstilling.domain.fields import spec

T = TypeVar("T")

UnitKind = Literal["directorate", "department", "team", "staff", "institution"]
UNIT_KINDS: tuple[UnitKind, ...] = ("directorate", "department", "team", "staff", "institution")

Role = Literal["caseworker", "leader", "director", "secretary", "staff"]
ROLES: tuple[Role, ...] = ("caseworker", "leader", "director", "secretary", "staff")

# A sync's name (spec/sync.md): the author of its audit entries and an employee's `source`.
SOURCE_NAME = "[a-z0-9][a-z0-9-]{0,39}"

DistributionBy = Literal["birth_day", "surname", "postcode"]
DISTRIBUTION_KINDS: tuple[DistributionBy, ...] = ("birth_day", "surname", "postcode")


@dataclass(frozen=True, slots=True)
class Number:
    """A phone number in E.164 ("+4589153000") with an optional label."""

    e164: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class Hours:
    """Own hours of a unit as written; None means inherited."""

    opening: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class DistributionTarget:
    """Exactly one of employee / unit (a team) is set."""

    employee: str | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class DistributionRule:
    match: str
    target: DistributionTarget


@dataclass(frozen=True, slots=True)
class Distribution:
    by: DistributionBy
    rules: tuple[DistributionRule, ...]
    default: DistributionTarget | None = None


@dataclass(frozen=True, slots=True)
class ReferTo:
    name: str
    number: str  # E.164
    hours: str | None = None  # its phone hours (opening_hours syntax), when known
    url: str | None = None  # where the citizen reads more


@dataclass(frozen=True, slots=True)
class Task:
    id: str = field(metadata=spec("id"))
    unit: str = field(metadata=spec("custom", key="", column="unit_id"))
    name: str = field(metadata=spec("required"))
    keywords: tuple[str, ...] = field(
        default=(), metadata=spec("texts", child=("task_keywords", "keyword"))
    )
    kle: str | None = field(default=None, metadata=spec("code"))
    handled_by_switchboard: bool = field(default=False, metadata=spec("flag"))
    answer: str = field(default="", metadata=spec("text"))
    refer_to: ReferTo | None = field(default=None, metadata=spec("custom", column=""))
    distribution: Distribution | None = field(default=None, metadata=spec("custom", column=""))


@dataclass(frozen=True, slots=True)
class Employee:
    id: str = field(metadata=spec("id"))
    unit: str = field(metadata=spec("custom", key="", column="unit_id"))
    name: str = field(metadata=spec("required"))
    title: str = field(default="", metadata=spec("text"))
    role: Role = field(default="caseworker", metadata=spec("choice", choices=ROLES, always=True))
    phone: str | None = field(default=None, metadata=spec("phone"))  # E.164
    public: bool = field(default=True, metadata=spec("flag"))
    extension: str | None = field(
        default=None, metadata=spec("text", pattern="[0-9*#]{2,8}", rule="2-8 digits")
    )
    mobile: str | None = field(default=None, metadata=spec("phone"))  # E.164, internal only
    email: str | None = field(default=None, metadata=spec("text"))
    login: str | None = field(default=None, metadata=spec("text"))
    external_id: str | None = field(default=None, metadata=spec("text"))
    works: str | None = field(default=None, metadata=spec("hours"))
    # The directory sync that owns her (spec/sync.md): its name, e.g. "ad".
    source: str | None = field(
        default=None, metadata=spec("text", pattern=SOURCE_NAME, rule="a sync's name (a-z, 0-9, -)")
    )
    # Her calendar feed (issue 15): in a snapshot only "set" or None, since the address is a
    # secret the store keeps (domain.calendar_address); an address only on its way in.
    calendar: str | None = field(default=None, metadata=spec("custom"))
    tasks: tuple[str, ...] = field(
        default=(), metadata=spec("texts", child=("employee_tasks", "task_id"))
    )
    main_tasks: str = field(default="", metadata=spec("text"))


@dataclass(frozen=True, slots=True)
class SecretaryRule:
    employee: str
    when: str = ""
    roles: tuple[Role, ...] = ()


@dataclass(frozen=True, slots=True)
class TransferOnlyTo:
    """Exactly one of employee / number (E.164) is set."""

    employee: str | None = None
    number: str | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    id: str = field(metadata=spec("id"))
    name: str = field(metadata=spec("required"))
    kind: UnitKind = field(metadata=spec("choice", choices=UNIT_KINDS, required=True))
    parent: str | None = field(default=None, metadata=spec("text", column="parent_id"))
    description: str = field(default="", metadata=spec("text"))
    address: str = field(default="", metadata=spec("text"))
    hours: Hours = field(default_factory=Hours, metadata=spec("custom", column=""))
    numbers: tuple[Number, ...] = field(default=(), metadata=spec("custom", column=""))
    # The unit's own flag; see Organisation.is_sensitive for the inherited value.
    sensitive: bool = field(default=False, metadata=spec("flag"))
    transfer_only_to: TransferOnlyTo | None = field(
        default=None, metadata=spec("custom", column="")
    )
    secretary: SecretaryRule | None = field(default=None, metadata=spec("custom", column=""))
    owner: str | None = field(default=None, metadata=spec("text", column="owner_id"))
    reviewed: date | None = field(default=None, metadata=spec("day"))
    queues: tuple[str, ...] = field(
        default=(), metadata=spec("texts", child=("unit_queues", "queue"))
    )
    external_id: str | None = field(default=None, metadata=spec("text", after="address"))
    # Ids in file order; the file nests the tasks and employees themselves in the unit.
    tasks: tuple[str, ...] = field(default=(), metadata=spec("custom", column=""))
    employees: tuple[str, ...] = field(default=(), metadata=spec("custom", column=""))


@dataclass(frozen=True, slots=True)
class Mailing:
    id: str = field(metadata=spec("id"))
    unit: str = field(metadata=spec("required", column="unit_id"))
    title: str = field(metadata=spec("required"))
    sent: date = field(metadata=spec("day", required=True))
    calls_expected_until: date = field(metadata=spec("day", required=True))
    expected_calls: int | None = field(default=None, metadata=spec("count"))
    tasks: tuple[str, ...] = field(
        default=(), metadata=spec("texts", child=("mailing_tasks", "task_id"))
    )
    answer: str = field(default="", metadata=spec("text"))
    staffed: bool = field(default=False, metadata=spec("flag"))

    def active_on(self, day: date) -> bool:
        """Active from `sent` through `calls_expected_until`, both included (local dates)."""
        return self.sent <= day <= self.calls_expected_until


@dataclass(frozen=True, slots=True)
class MunicipalityHours:
    official: str
    opening: str
    phone: str


@dataclass(frozen=True, slots=True)
class Municipality:
    name: str = field(metadata=spec("required"))
    hours: MunicipalityHours = field(metadata=spec("custom", column="", after="switchboard"))
    timezone: str = field(default="Europe/Copenhagen", metadata=spec("text", always=True))
    country: str = field(default="DK", metadata=spec("text", always=True))
    main_number: str | None = field(default=None, metadata=spec("phone"))  # E.164
    website: str | None = field(default=None, metadata=spec("text"))
    switchboard: str | None = field(default=None, metadata=spec("text"))  # unit id
    closed: str | None = field(default=None, metadata=spec("custom"))


def with_closed(expression: str, closed: str | None) -> str:
    """Append the municipality's `closed` rules to an hours expression."""
    if not closed:
        return expression
    return f"{expression}; {closed}"


class Organisation:
    """An immutable snapshot of the whole organisation with lookups and inheritance."""

    def __init__(
        self,
        municipality: Municipality,
        units: list[Unit],
        employees: list[Employee],
        tasks: list[Task],
        mailings: list[Mailing],
        revision: int | None = None,
    ) -> None:
        self.municipality = municipality
        self.revision = revision
        self.units: dict[str, Unit] = {u.id: u for u in units}
        self.employees: dict[str, Employee] = {e.id: e for e in employees}
        self.tasks: dict[str, Task] = {t.id: t for t in tasks}
        self.mailings: dict[str, Mailing] = {m.id: m for m in mailings}
        self._children: dict[str | None, list[str]] = {}
        for u in units:
            self._children.setdefault(u.parent, []).append(u.id)
        self._sensitive: dict[str, bool] = {}
        self._login_index: dict[str, str] | None = None

    def replaced(
        self,
        *,
        municipality: Municipality | None = None,
        units: Mapping[str, Unit | None] | None = None,
        employees: Mapping[str, Employee | None] | None = None,
        tasks: Mapping[str, Task | None] | None = None,
        mailings: Mapping[str, Mailing | None] | None = None,
    ) -> Organisation:
        """A new snapshot with entities replaced (None removes one, an unknown id is added
        last); it shares what did not change, so an edit costs what it changes."""
        new = object.__new__(Organisation)
        new.municipality = municipality or self.municipality
        new.revision = self.revision
        new.units = _patched(self.units, units)
        new.employees = _patched(self.employees, employees)
        new.tasks = _patched(self.tasks, tasks)
        new.mailings = _patched(self.mailings, mailings)
        if units:
            new._children = {}
            for u in new.units.values():
                new._children.setdefault(u.parent, []).append(u.id)
            new._sensitive = {}
        else:
            new._children = self._children
            new._sensitive = dict(self._sensitive)
        new._login_index = None if employees else self._login_index
        return new

    @property
    def _by_login(self) -> dict[str, str]:
        if self._login_index is None:
            employees = self.employees.values()
            self._login_index = {e.login.casefold(): e.id for e in employees if e.login}
        return self._login_index

    # --- tree -----------------------------------------------------------------

    def children(self, unit_id: str | None) -> list[Unit]:
        """Direct children in file order (`None` gives the top-level units)."""
        return [self.units[c] for c in self._children.get(unit_id, [])]

    def ancestors(self, unit_id: str) -> Iterator[Unit]:
        """The unit itself, then its parent, up to the top."""
        seen: set[str] = set()
        current: str | None = unit_id
        while current is not None and current not in seen:
            seen.add(current)
            unit = self.units[current]
            yield unit
            current = unit.parent

    def descendants(self, unit_id: str) -> Iterator[Unit]:
        """Every unit below `unit_id` (not itself), depth first in file order."""
        stack = list(reversed(self._children.get(unit_id, [])))
        while stack:
            uid = stack.pop()
            yield self.units[uid]
            stack.extend(reversed(self._children.get(uid, [])))

    def top_level(self) -> list[Unit]:
        return self.children(None)

    def path(self, unit_id: str) -> list[Unit]:
        """From the top-level unit down to `unit_id`."""
        return list(reversed(list(self.ancestors(unit_id))))

    # --- inherited values -------------------------------------------------------

    def opening_expression(self, unit_id: str) -> str:
        """The unit's opening hours, inherited, with the municipality's `closed` appended."""
        for unit in self.ancestors(unit_id):
            if unit.hours.opening:
                return with_closed(unit.hours.opening, self.municipality.closed)
        return with_closed(self.municipality.hours.opening, self.municipality.closed)

    def phone_expression(self, unit_id: str) -> str:
        """The unit's phone hours, inherited, with the municipality's `closed` appended."""
        for unit in self.ancestors(unit_id):
            if unit.hours.phone:
                return with_closed(unit.hours.phone, self.municipality.closed)
        return with_closed(self.municipality.hours.phone, self.municipality.closed)

    def official_expression(self) -> str:
        return with_closed(self.municipality.hours.official, self.municipality.closed)

    def is_sensitive(self, unit_id: str) -> bool:
        """R3.8: a unit is sensitive when it or any unit above it is."""
        cached = self._sensitive.get(unit_id)
        if cached is None:
            cached = any(u.sensitive for u in self.ancestors(unit_id))
            self._sensitive[unit_id] = cached
        return cached

    def main_number(self, unit_id: str) -> Number | None:
        """The unit's first function number, else its nearest ancestor's."""
        for unit in self.ancestors(unit_id):
            if unit.numbers:
                return unit.numbers[0]
        return None

    # --- lookups ------------------------------------------------------------------

    def unit_of(self, employee_id: str) -> Unit:
        return self.units[self.employees[employee_id].unit]

    def employees_of(self, unit_id: str) -> list[Employee]:
        return [self.employees[e] for e in self.units[unit_id].employees]

    def tasks_of(self, unit_id: str) -> list[Task]:
        return [self.tasks[t] for t in self.units[unit_id].tasks]

    def employee_by_login(self, login: str) -> Employee | None:
        eid = self._by_login.get(login.casefold())
        return self.employees[eid] if eid else None

    def active_mailings(self, day: date) -> list[Mailing]:
        return [m for m in self.mailings.values() if m.active_on(day)]

    def switchboard_unit(self) -> Unit | None:
        sb = self.municipality.switchboard
        return self.units.get(sb) if sb else None


def _patched(current: dict[str, T], changes: Mapping[str, T | None] | None) -> dict[str, T]:
    if not changes:
        return current  # snapshots are never changed in place: shared
    out = dict(current)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def municipality_tz(org: Organisation | None) -> ZoneInfo:
    """The municipality's time zone (Copenhagen when no organisation is loaded)."""
    return ZoneInfo(org.municipality.timezone if org else "Europe/Copenhagen")
