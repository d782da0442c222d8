"""An edit checked from what it changes says what the whole file's rules say (issue 13
item 2): the same verdict, the same normalised organisation, the same problems."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omstilling import orgfile
from omstilling.demo.org import demo_organisation
from omstilling.domain import orgedit
from omstilling.domain.organisation import (
    Distribution,
    DistributionRule,
    DistributionTarget,
    Organisation,
    SecretaryRule,
)
from omstilling.domain.orgdiff import entity_docs
from tests.org_edits import edit


@cache
def demo() -> Organisation:
    return orgfile.parse_data(demo_organisation()).organisation


def _first(org: Organisation, n: int, pred: Callable[[object], bool]) -> str:
    ids = sorted(k for k, v in org.employees.items() if pred(v))
    return ids[n % len(ids)]


@st.composite
def breaking(draw: st.DrawFn) -> tuple[str, Callable[[Organisation], Organisation]]:
    """An edit that breaks a rule of the file."""
    kind = draw(
        st.sampled_from(
            ("bad-phone", "unknown-task", "secretary-gone", "cycle", "duplicate", "bad-hours")
        )
    )
    n = draw(st.integers(0, 10_000))

    def apply(org: Organisation) -> Organisation:
        units = list(org.units)
        if kind == "bad-phone":
            e = org.employees[_first(org, n, lambda _: True)]
            return orgedit.put_employee(org, dataclasses.replace(e, phone="12"), new=False)
        if kind == "unknown-task":
            e = org.employees[_first(org, n, lambda _: True)]
            return orgedit.put_employee(
                org, dataclasses.replace(e, tasks=("findes-ikke",)), new=False
            )
        if kind == "secretary-gone":
            unit = org.units[units[n % len(units)]]
            e = org.employees[_first(org, n, lambda x: x.unit != unit.id)]  # type: ignore[attr-defined]
            org = orgedit.change_unit(org, unit.id, secretary=SecretaryRule(e.id))
            target = DistributionTarget(employee=e.id)
            return (
                orgedit.remove_employee(org, e.unit, e.id)
                if n % 2
                else orgedit.put_task(
                    org,
                    dataclasses.replace(
                        org.tasks[sorted(org.tasks)[n % len(org.tasks)]],
                        distribution=Distribution("birth_day", (DistributionRule("1-31", target),)),
                    ),
                    new=False,
                )
            )
        if kind == "cycle":
            top = next(u for u in org.units.values() if u.parent is None)
            below = next(u for u in org.units.values() if u.parent == top.id)
            return orgedit.change_unit(org, top.id, parent=below.id)
        if kind == "duplicate":
            e = org.employees[_first(org, n, lambda _: True)]
            other = next(u for u in units if u != e.unit)
            return orgedit.put_employee(org, dataclasses.replace(e, unit=other), new=True)
        return orgedit.change_unit(
            org,
            units[n % len(units)],
            hours=dataclasses.replace(org.units[units[0]].hours, opening="Mo-Fr 25:00-26:00"),
        )

    return kind, apply


def _verdict(before: Organisation, after: Organisation) -> tuple[Organisation | None, list[str]]:
    try:
        checked = orgfile.validate_edit(before, after)
    except orgfile.EditRejected as exc:
        return None, exc.errors
    return checked.organisation, checked.warnings


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(edit(), edit(), breaking()), min_size=1, max_size=5))
def test_checking_what_changed_agrees_with_the_whole_file(steps: list) -> None:  # type: ignore[type-arg]
    org = demo()
    for name, apply in steps:
        after = apply(org)
        part, problems = _verdict(org, after)
        try:
            whole = orgfile.validate(after)
        except orgfile.OrgFileError as exc:
            assert part is None, f"{name}: the whole file refuses it ({exc.errors[:2]})"
            assert problems, name
            continue
        assert part is not None, f"{name}: refused from what changed only: {problems[:2]}"
        assert entity_docs(part) == entity_docs(whole.organisation), name
        assert sorted(x.split(": ", 1)[1] for x in problems) <= sorted(
            x.split(": ", 1)[1] for x in whole.warnings
        ), name
        org = part


def test_a_bad_number_is_named_where_it_stands() -> None:
    org = demo()
    e = next(iter(org.employees.values()))
    after = orgedit.put_employee(org, dataclasses.replace(e, phone="12"), new=False)
    with pytest.raises(orgfile.EditRejected) as caught:
        orgfile.validate_edit(org, after)
    (problem,) = caught.value.errors
    path = problem.split(":")[0]
    unit = list(caught.value.part.units.values())[int(path[6 : path.index("]")])]
    assert e.id in unit.employees and path.endswith(".phone")


def test_removing_someone_a_unit_names_is_refused() -> None:
    org = demo()
    unit = next(u for u in org.units.values() if u.owner)
    owner = org.employees[unit.owner or ""]
    after = orgedit.remove_employee(org, owner.unit, owner.id)
    with pytest.raises(orgfile.EditRejected) as caught:
        orgfile.validate_edit(org, after)
    assert any(f"unknown employee '{owner.id}'" in p for p in caught.value.errors)


def test_a_number_typed_the_danish_way_is_stored_normalised() -> None:
    org = demo()
    e = next(iter(org.employees.values()))
    after = orgedit.put_employee(org, dataclasses.replace(e, phone="89 15 12 34"), new=False)
    checked = orgfile.validate_edit(org, after)
    assert checked.organisation.employees[e.id].phone == "+4589151234"
    assert [(c.entity, c.id, c.fields()) for c in checked.changes] == [
        ("employee", e.id, ["phone"])
    ]
