"""People who leave (issue 14 item 4, R3.5): out of the organisation, never silently.

A leaver is removed from her unit's list and the snapshot (her row stays, marked removed,
so her history stays readable and she can come back). A rule that names her names her
unit instead, so the organisation stays valid and the advice goes to the unit: a case
distribution rule or default (any task's), a secretary rule (removed: calls go to the
unit), `transfer_only_to` (the unit's main number, else removed) and a unit's `owner`
(removed until someone takes it). Each rewrite is a flag for the unit editor's page and
the boards; the audit trail keeps the old value (the diff's before).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from omstilling.domain.organisation import (
    Distribution,
    DistributionRule,
    DistributionTarget,
    Employee,
    Organisation,
    Task,
    TransferOnlyTo,
    Unit,
)


@dataclass(frozen=True)
class Flag:
    unit_id: str  # the unit that now answers (and whose editor decides)
    employee_id: str  # who left
    what: str  # in Danish, for the editor page and the boards


def rewrite_leavers(
    org: Organisation, left: list[str], sync: str
) -> tuple[Organisation, list[Flag]]:
    """`org` without the people `left`, each rule naming one of them rewritten to her unit."""
    if not left:
        return org, []
    gone = _Gone({i: org.employees[i] for i in left}, sync)
    tasks: dict[str, Task | None] = {}
    for t in org.tasks.values():
        if t.distribution is not None and _names_any(t.distribution, gone.home):
            tasks[t.id] = dataclasses.replace(t, distribution=gone.distribution(t))
    units: dict[str, Unit | None] = {}
    for u in org.units.values():
        new = gone.unit(org, u)
        if new is not u:
            units[u.id] = new
    employees = dict.fromkeys(left)
    return org.replaced(units=units, tasks=tasks, employees=employees), gone.flags


class _Gone:
    """The people who left, and the flags their rewritten rules raise."""

    def __init__(self, people: dict[str, Employee], sync: str) -> None:
        self.home = {i: e.unit for i, e in people.items()}
        self.names = {i: e.name for i, e in people.items()}
        self.sync = sync
        self.flags: list[Flag] = []

    def flag(self, unit_id: str, who: str, text: str) -> None:
        left = f"{self.names[who]}, som er fratrådt ({self.sync})"
        self.flags.append(Flag(unit_id, who, text.replace("{left}", left)))

    def distribution(self, t: Task) -> Distribution:
        d = t.distribution
        assert d is not None
        rules = []
        for r in d.rules:
            who = r.target.employee
            if who in self.home:
                rules.append(DistributionRule(r.match, DistributionTarget(unit=self.home[who])))
                self.flag(
                    self.home[who],
                    who,
                    f"Opgaven «{t.name}»: fordelingen {r.match} gik til {{left}}; nu til enheden",
                )
            else:
                rules.append(r)
        default = d.default
        if default is not None and default.employee in self.home:
            who = default.employee
            default = DistributionTarget(unit=self.home[who])
            self.flag(
                self.home[who], who, f"Opgaven «{t.name}»: resten gik til {{left}}; nu til enheden"
            )
        return Distribution(d.by, tuple(rules), default)

    def unit(self, org: Organisation, u: Unit) -> Unit:
        new = u
        if u.secretary is not None and u.secretary.employee in self.home:
            new = dataclasses.replace(new, secretary=None)
            self.flag(
                u.id,
                u.secretary.employee,
                "Sekretærreglen gik til {left}; opkald går nu til enheden",
            )
        only = u.transfer_only_to
        if only is not None and only.employee in self.home:
            main = org.main_number(u.id)
            new = dataclasses.replace(
                new, transfer_only_to=TransferOnlyTo(number=main.e164) if main else None
            )
            self.flag(u.id, only.employee, "«Omstil kun til» var {left}; nu enhedens nummer")
        if u.owner in self.home:
            new = dataclasses.replace(new, owner=None)
            self.flag(u.id, u.owner, "Ansvarlig for enhedens data var {left}; vælg en ny")
        if any(e in self.home for e in new.employees):
            kept = tuple(e for e in new.employees if e not in self.home)
            new = dataclasses.replace(new, employees=kept)
        return new


def _names_any(d: Distribution, home: dict[str, str]) -> bool:
    if d.default is not None and d.default.employee in home:
        return True
    return any(r.target.employee in home for r in d.rules)
