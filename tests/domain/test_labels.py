"""Every enumeration once (domain/labels.py): each value of each type has a label, and
the tables agree with the types and tuples the rules use."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, get_args

import pytest

from omstilling.domain import danish, labels
from omstilling.domain.advice_types import Action, EntityKind
from omstilling.domain.callbacks import OUTCOMES, STATUSES, Outcome, Status
from omstilling.domain.citizen import FACTS, Fact
from omstilling.domain.labels import Choices
from omstilling.domain.organisation import (
    DISTRIBUTION_KINDS,
    ROLES,
    UNIT_KINDS,
    DistributionBy,
    Role,
    UnitKind,
)
from omstilling.domain.presence import CODES, PRIVATE_CODES, shown_as
from omstilling.domain.search import HitKind

# (table, the Literal type of its values, the tuple the rules iterate, if any)
TABLES: list[tuple[str, Any, tuple[str, ...] | None]] = [
    ("ADVICE_ACTION", Action, None),
    ("ENTITY_KIND", EntityKind, None),
    ("ENTITY_KIND", HitKind, None),
    ("UNIT_KIND", UnitKind, UNIT_KINDS),
    ("ROLE", Role, ROLES),
    ("DISTRIBUTION", DistributionBy, DISTRIBUTION_KINDS),
    ("CITIZEN_FACT", Fact, FACTS),
    ("ABSENCE_CODE", labels.AbsenceCode, tuple(CODES)),
    ("ACCOUNT_ROLE", labels.AccountRole, None),  # accounts.ROLES is read from it
    ("MESSAGE_STATUS", Status, STATUSES),
    ("MESSAGE_OUTCOME", Outcome, OUTCOMES),
]


def test_every_table_is_tested_here() -> None:
    tables = {name for name in labels.__all__ if isinstance(getattr(labels, name), Choices)}
    assert tables == {name for name, _, _ in TABLES}


@pytest.mark.parametrize(("name", "literal", "used"), TABLES)
def test_each_table_has_exactly_the_values_of_its_type_in_order(
    name: str, literal: Any, used: tuple[str, ...] | None
) -> None:
    table: Choices[str] = getattr(labels, name)
    assert table.values == get_args(literal)
    if used is not None:
        assert table.values == used


@pytest.mark.parametrize(("name", "literal"), [(n, lit) for n, lit, _ in TABLES])
def test_every_value_has_a_danish_label(name: str, literal: Any) -> None:
    table: Choices[str] = getattr(labels, name)
    for value in get_args(literal):
        label = table.label(value)
        assert label.strip() == label and label and label[0].isupper(), (name, value)
    assert [v for v, _ in table.choices()] == list(table.values)
    assert len({label for _, label in table.choices()}) == len(table), f"{name}: two alike"


def test_an_unknown_value_has_no_label() -> None:
    assert "nap" not in labels.ABSENCE_CODE
    with pytest.raises(KeyError, match="nap"):
        labels.ABSENCE_CODE.label("nap")


def test_a_table_lists_and_iterates_in_its_order() -> None:
    assert list(labels.UNIT_KIND) == list(UNIT_KINDS)
    assert labels.UNIT_KIND.choices()[0] == ("directorate", "Forvaltning")
    assert len(labels.ROLE) == len(ROLES)


@pytest.mark.parametrize(
    ("action", "label"),
    [("give_number", "Giv nummeret"), ("handle_here", "Besvar selv"), ("transfer", "Stil om")],
)
def test_one_wording_per_action_the_consoles(action: str, label: str) -> None:
    assert labels.ADVICE_ACTION.label(action) == label


def test_absence_codes_read_their_labels_and_private_ones_show_only_absent() -> None:
    for code, info in CODES.items():
        assert info.label == labels.ABSENCE_CODE.label(code)
        expected = "Fraværende" if code in PRIVATE_CODES else info.label
        assert shown_as(code) == expected  # R1.5


def test_weekday_and_month_names_follow_the_calendar() -> None:
    monday = date(2026, 11, 30)
    names = [danish.weekday_name(monday + timedelta(days=i)) for i in range(7)]
    assert names == list(danish.WEEKDAY_NAMES)
    assert tuple(n[:3] for n in names) == danish.WEEKDAY_SHORT
    assert danish.WEEKDAY_SHORT[5] == "lør"
    assert len(danish.MONTH_NAMES) == 12
    assert danish.MONTH_NAMES[4] == "maj"
