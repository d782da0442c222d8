"""Random edits of an organisation, as the editor pages, the sync and the calendar make them.

Each edit goes through `domain.orgedit` (so unchanged entities stay the same objects,
as in the server) and keeps the organisation valid under the file's rules: ids are new,
only people and tasks nobody refers to are removed, hours and numbers are well formed.
Used by the property tests of the diff (`tests/domain/test_orgdiff.py`) and of the
snapshot kept current from what changed (`tests/store/test_org_changes.py`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from hypothesis import strategies as st

from omstilling.domain import orgedit
from omstilling.domain.organisation import Employee, Hours, Mailing, Number, Organisation, Task

Edit = Callable[[Organisation], Organisation]

WORDS = ("boligstøtte", "pas", "skat", "Æbler", "hjemmehjælp", "affald", "ferie", "byggesag")
HOURS = ("Mo-Fr 08:00-15:00", "Mo-Th 09:00-14:00; Fr 09:00-12:00", None)


def _referred_employees(org: Organisation) -> set[str]:
    out: set[str] = set()
    for u in org.units.values():
        out.update(x for x in (u.owner,) if x)
        if u.secretary:
            out.add(u.secretary.employee)
        if u.transfer_only_to and u.transfer_only_to.employee:
            out.add(u.transfer_only_to.employee)
    for t in org.tasks.values():
        d = t.distribution
        if d is not None:
            targets = [r.target for r in d.rules] + ([d.default] if d.default else [])
            out.update(x.employee for x in targets if x.employee)
    return out


def _referred_tasks(org: Organisation) -> set[str]:
    return {t for m in org.mailings.values() for t in m.tasks}


def _pick(seq: list[str], n: int) -> str:
    return seq[n % len(seq)]


@st.composite
def edit(draw: st.DrawFn) -> tuple[str, Callable[[Organisation], Organisation]]:
    """One edit, named for the failure message; n picks the entity (modulo the count)."""
    kind = draw(
        st.sampled_from(
            (
                "employee-title",
                "employee-phone",
                "employee-rename",
                "employee-new",
                "employee-remove",
                "employee-move",
                "employee-tasks",
                "unit-hours",
                "unit-numbers",
                "task-new",
                "task-keywords",
                "task-remove",
                "mailing-put",
                "mailing-remove",
                "municipality",
            )
        )
    )
    n = draw(st.integers(0, 10_000))
    word = draw(st.sampled_from(WORDS))
    hours = draw(st.sampled_from(HOURS))

    def apply(org: Organisation) -> Organisation:
        units = list(org.units)
        employees = sorted(org.employees)
        tasks = sorted(org.tasks)
        if kind == "employee-title":
            e = org.employees[_pick(employees, n)]
            return orgedit.put_employee(org, dataclasses.replace(e, title=f"{word} {n}"), new=False)
        if kind == "employee-phone":
            e = org.employees[_pick(employees, n)]
            phone = None if n % 3 == 0 else f"+458951{n % 10000:04d}"
            return orgedit.put_employee(org, dataclasses.replace(e, phone=phone), new=False)
        if kind == "employee-rename":
            e = org.employees[_pick(employees, n)]
            renamed = dataclasses.replace(e, name=f"{word.title()} {e.name.split()[-1]}")
            return orgedit.put_employee(org, renamed, new=False)
        if kind == "employee-new":
            unit = _pick(units, n)
            ident = orgedit.free_id(f"ny-{n}", org.employees)
            phone = f"+458950{n % 10000:04d}"
            new = Employee(ident, unit, f"Ny {word}", title=word, phone=phone)
            return orgedit.put_employee(org, new, new=True)
        if kind == "employee-remove":
            free = [e for e in employees if e not in _referred_employees(org)]
            if not free:
                return org
            e = org.employees[_pick(free, n)]
            return orgedit.remove_employee(org, e.unit, e.id)
        if kind == "employee-move":
            free = [e for e in employees if e not in _referred_employees(org)]
            if not free:
                return org
            e = org.employees[_pick(free, n)]
            target = _pick(units, n // 7)
            if target == e.unit:
                return org
            org = orgedit.remove_employee(org, e.unit, e.id)
            return orgedit.put_employee(org, dataclasses.replace(e, unit=target), new=True)
        if kind == "employee-tasks":
            e = org.employees[_pick(employees, n)]
            chosen = tuple(dict.fromkeys([_pick(tasks, n), _pick(tasks, n // 3)]))
            return orgedit.put_employee(org, dataclasses.replace(e, tasks=chosen), new=False)
        if kind == "unit-hours":
            return orgedit.change_unit(org, _pick(units, n), hours=Hours(hours, hours))
        if kind == "unit-numbers":
            numbers = (Number(f"+458940{n % 10000:04d}", word),)
            return orgedit.change_unit(org, _pick(units, n), numbers=numbers)
        if kind == "task-new":
            unit = _pick(units, n)
            ident = orgedit.free_id(f"opgave-{n}", org.tasks)
            return orgedit.put_task(org, Task(ident, unit, f"{word} {n}", (word,)), new=True)
        if kind == "task-keywords":
            t = org.tasks[_pick(tasks, n)]
            keywords = (*t.keywords[:2], f"{word}{n}")
            return orgedit.put_task(org, dataclasses.replace(t, keywords=keywords), new=False)
        if kind == "task-remove":
            free = [t for t in tasks if t not in _referred_tasks(org)]
            if not free:
                return org
            t = org.tasks[_pick(free, n)]
            return orgedit.remove_task(org, t.unit, t.id)
        if kind == "mailing-put":
            ident = f"brev-{n % 5}"
            mailing = Mailing(
                ident, _pick(units, n), f"Brev om {word}", date(2026, 11, 2), date(2026, 12, 20)
            )
            return orgedit.put_mailing(org, mailing)
        if kind == "mailing-remove":
            if not org.mailings:
                return org
            return orgedit.remove_mailing(org, _pick(list(org.mailings), n))
        municipality = dataclasses.replace(org.municipality, website=f"https://{word}.dk")
        return Organisation(
            municipality,
            list(org.units.values()),
            list(org.employees.values()),
            list(org.tasks.values()),
            list(org.mailings.values()),
            revision=org.revision,
        )

    return f"{kind}#{n}({word}, {hours})", apply


def edits(max_size: int = 6) -> st.SearchStrategy[list[tuple[str, Edit]]]:
    return st.lists(edit(), min_size=1, max_size=max_size)
