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
    home = {i: org.employees[i].unit for i in left}
    names = {i: org.employees[i].name for i in left}
    flags: list[Flag] = []
    tasks: dict[str, Task | None] = {}
    for t in org.tasks.values():
        d = t.distribution
        if d is None or not _names_any(d, home):
            continue
        rules = []
        for r in d.rules:
            who = r.target.employee
            if who in home:
                rules.append(DistributionRule(r.match, DistributionTarget(unit=home[who])))
                flags.append(
                    Flag(
                        home[who],
                        who,
                        f"Opgaven «{t.name}»: fordelingen {r.match} gik til "
                        f"{names[who]}, som er fratrådt ({sync}); nu til enheden",
                    )
                )
            else:
                rules.append(r)
        default = d.default
        if default is not None and default.employee in home:
            who = default.employee
            default = DistributionTarget(unit=home[who])
            flags.append(
                Flag(
                    home[who],
                    who,
                    f"Opgaven «{t.name}»: resten gik til {names[who]}, som er "
                    f"fratrådt ({sync}); nu til enheden",
                )
            )
        tasks[t.id] = dataclasses.replace(t, distribution=Distribution(d.by, tuple(rules), default))
    units: dict[str, Unit | None] = {}
    for u in org.units.values():
        new = u
        if u.secretary is not None and u.secretary.employee in home:
            who = u.secretary.employee
            new = dataclasses.replace(new, secretary=None)
            flags.append(
                Flag(
                    u.id,
                    who,
                    f"Sekretærreglen gik til {names[who]}, som er fratrådt "
                    f"({sync}); opkald går nu til enheden",
                )
            )
        only = u.transfer_only_to
        if only is not None and only.employee in home:
            who = only.employee
            main = org.main_number(u.id)
            new = dataclasses.replace(
                new, transfer_only_to=TransferOnlyTo(number=main.e164) if main else None
            )
            flags.append(
                Flag(
                    u.id,
                    who,
                    f"«Omstil kun til» var {names[who]}, som er fratrådt "
                    f"({sync}); nu enhedens nummer",
                )
            )
        if u.owner in home:
            who = u.owner
            new = dataclasses.replace(new, owner=None)
            flags.append(
                Flag(
                    u.id,
                    who,
                    f"Ansvarlig for enhedens data var {names[who]}, som er "
                    f"fratrådt ({sync}); vælg en ny",
                )
            )
        gone = tuple(e for e in new.employees if e in home)
        if gone:
            new = dataclasses.replace(
                new, employees=tuple(e for e in new.employees if e not in home)
            )
        if new is not u:
            units[u.id] = new
    employees = dict.fromkeys(left)
    return org.replaced(units=units, tasks=tasks, employees=employees), flags


def _names_any(d: Distribution, home: dict[str, str]) -> bool:
    if d.default is not None and d.default.employee in home:
        return True
    return any(r.target.employee in home for r in d.rules)
