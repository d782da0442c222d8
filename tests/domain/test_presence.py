"""Absence codes, unit-wide absence and presence (R1.1, R1.5, R3.4, R3.9, R3.11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain import hours
from omstilling.domain.organisation import (
    Employee,
    Hours,
    Municipality,
    MunicipalityHours,
    Organisation,
    Unit,
)
from omstilling.domain.presence import (
    CODES,
    Absence,
    Presence,
    UnitAway,
    citizen_sentence,
    is_known_code,
    is_present,
    shown_as,
    validate_absence,
)

TZ = ZoneInfo("Europe/Copenhagen")


def local(text: str) -> datetime:
    return hours.parse_moment(text, TZ)


# 2026-12-01 is a Tuesday.
OPEN = local("2026-12-01T10:00")
CLOSED = local("2026-12-01T17:00")


def build_org() -> Organisation:
    m = Municipality(
        name="Testby Kommune",
        hours=MunicipalityHours(
            official="Mo-Fr 09:00-16:00; PH off",
            opening="Mo-Fr 09:00-15:00; PH off",
            phone="Mo-Fr 09:00-15:00; PH off",
        ),
        closed="Dec 24 off",
    )
    employees = [
        Employee("lene", "dept", "Lene Berg"),
        Employee("aske", "dept", "Aske Holm"),
        Employee("pia", "dept", "Pia Mose", works="Mo,Tu 09:00-12:00"),
        Employee("ole", "team", "Ole Å"),
        Employee("bent", "team", "Bent Ø"),
        Employee("else", "other", "Else Kjær"),
    ]
    units = [
        Unit("dept", "Afdeling", "department", employees=("lene", "aske", "pia")),
        Unit("team", "Team", "team", parent="dept", employees=("ole", "bent")),
        Unit("other", "Anden", "department", hours=Hours(phone="Mo-Fr 12:00-20:00; PH off"),
             employees=("else",)),
    ]  # fmt: skip
    return Organisation(m, units, employees, [], [])


ORG = build_org()


# --- codes --------------------------------------------------------------------------------

SPEC_TABLE = [
    ("available", "Til stede", True, "Til stede"),
    ("home", "Hjemmearbejde", True, "Hjemmearbejde"),
    ("meeting", "Møde", False, "Møde"),
    ("lunch", "Frokost", False, "Frokost"),
    ("course", "Kursus", False, "Kursus"),
    ("out", "Ude af huset", False, "Ude af huset"),
    ("vacation", "Ferie", False, "Ferie"),
    ("off", "Fri", False, "Fri"),
    ("sick", "Syg", False, "Fraværende"),
    ("private", "Privat", False, "Fraværende"),
]


@pytest.mark.parametrize(("code", "label", "reachable", "shown"), SPEC_TABLE)
def test_r3_11_codes_are_the_spec_table(code: str, label: str, reachable: bool, shown: str) -> None:
    info = CODES[code]
    assert (info.code, info.label, info.reachable, info.shown_as) == (code, label, reachable, shown)
    assert is_known_code(code) and shown_as(code) == shown


def test_r3_11_table_has_exactly_the_spec_codes() -> None:
    assert list(CODES) == [row[0] for row in SPEC_TABLE]


@pytest.mark.parametrize("code", ["sick", "private"])
def test_r1_5_private_codes_are_shown_to_operators_only_as_absent(code: str) -> None:
    assert shown_as(code) == "Fraværende"


def test_unknown_code_is_refused() -> None:
    assert not is_known_code("holiday")
    with pytest.raises(ValueError, match="unknown absence code 'holiday'"):
        shown_as("holiday")
    with pytest.raises(ValueError, match="unknown absence code"):
        Absence("lene", "holiday", OPEN)


@pytest.mark.parametrize("until", [OPEN, OPEN - timedelta(minutes=1)])
def test_absence_until_must_be_after_from(until: datetime) -> None:
    with pytest.raises(ValueError, match="until must be after from"):
        Absence("lene", "meeting", OPEN, until)
    with pytest.raises(ValueError, match="until must be after from"):
        UnitAway("dept", OPEN, until)


def test_absence_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_absence("meeting", datetime(2026, 12, 1, 9), None)
    with pytest.raises(ValueError, match="timezone-aware"):
        Absence("lene", "meeting", OPEN, datetime(2026, 12, 1, 12))


# --- active windows -------------------------------------------------------------------------


def test_absence_is_active_from_start_up_to_but_not_including_until() -> None:
    a = Absence("lene", "meeting", local("2026-12-01T09:00"), local("2026-12-01T11:00"))
    p = Presence([a])
    assert p.active_absence("lene", local("2026-12-01T08:59")) is None
    assert p.active_absence("lene", local("2026-12-01T09:00")) == a
    assert p.active_absence("lene", local("2026-12-01T10:59")) == a
    assert p.active_absence("lene", local("2026-12-01T11:00")) is None
    assert p.active_absence("aske", OPEN) is None


def test_absence_with_unknown_return_stays_active() -> None:
    a = Absence("lene", "sick", local("2026-12-01T08:00"))
    assert Presence([a]).active_absence("lene", local("2027-03-01T10:00")) == a


def test_overlapping_codes_the_latest_start_wins() -> None:
    long = Absence("lene", "vacation", local("2026-11-30T08:00"), local("2026-12-05T08:00"))
    short = Absence("lene", "home", local("2026-12-01T09:00"), local("2026-12-01T12:00"))
    p = Presence([short, long])
    assert p.active_absence("lene", OPEN) == short
    assert p.active_absence("lene", local("2026-12-01T12:00")) == long


def test_r3_9_unit_away_ends_at_until_or_when_reported_back() -> None:
    start, until = local("2026-12-01T09:00"), local("2026-12-01T12:00")
    plain = UnitAway("dept", start, until)
    p = Presence(unit_aways=[plain])
    assert p.active_unit_away("dept", OPEN) == plain
    assert p.active_unit_away("dept", until) is None
    assert p.active_unit_away("team", OPEN) is None
    back = UnitAway("dept", start, until, back_at=local("2026-12-01T09:30"))
    p = Presence(unit_aways=[back])
    assert p.active_unit_away("dept", local("2026-12-01T09:15")) == back
    assert p.active_unit_away("dept", OPEN) is None
    late = UnitAway("dept", start, until, back_at=local("2026-12-01T13:00"))
    assert Presence(unit_aways=[late]).active_unit_away("dept", local("2026-12-01T12:30")) is None


# --- presence ------------------------------------------------------------------------------------


def test_no_code_is_present_only_while_the_unit_phone_hours_are_open() -> None:
    p = Presence()
    assert is_present(ORG, p, "lene", OPEN)
    assert not is_present(ORG, p, "lene", CLOSED)
    assert not is_present(ORG, p, "lene", local("2026-12-05T10:00"))  # Saturday
    assert not is_present(ORG, p, "lene", local("2026-12-25T10:00"))  # public holiday
    assert not is_present(ORG, p, "lene", local("2026-12-24T10:00"))  # municipality closed
    assert is_present(ORG, p, "else", CLOSED)  # own, later phone hours


@pytest.mark.parametrize(("code", "present"), [(row[0], row[2]) for row in SPEC_TABLE])
def test_active_code_decides_presence(code: str, present: bool) -> None:
    p = Presence([Absence("lene", code, local("2026-12-01T08:00"))])
    assert is_present(ORG, p, "lene", OPEN) is present
    # A reachable code counts even outside the unit's hours.
    assert is_present(ORG, p, "lene", CLOSED) is present


def test_works_hours_limit_presence_and_honour_the_closed_rules() -> None:
    p = Presence()
    assert is_present(ORG, p, "pia", OPEN)
    assert not is_present(ORG, p, "pia", local("2026-12-01T13:00"))  # unit open, pia not at work
    assert not is_present(ORG, p, "pia", local("2026-12-02T10:00"))  # Wednesday
    assert is_present(ORG, p, "pia", local("2024-12-23T10:00"))  # Monday
    assert not is_present(ORG, p, "pia", local("2024-12-24T10:00"))  # Tuesday, closed rule


def test_r3_4_available_in_unit_sorted_by_name_including_teams() -> None:
    day = local("2026-12-01T08:00")
    p = Presence([
        Absence("lene", "available", day),
        Absence("ole", "available", day),
        Absence("aske", "available", day, local("2026-12-01T09:00")),  # ended
        Absence("bent", "available", day),
        Absence("pia", "home", day),  # reachable, but not `available`
        Absence("else", "available", day),  # another unit
    ])  # fmt: skip
    assert p.available_in_unit(ORG, "dept", CLOSED) == ["bent", "lene", "ole"]
    assert p.available_in_unit(ORG, "team", CLOSED) == ["bent", "ole"]
    assert Presence().available_in_unit(ORG, "dept", CLOSED) == []


# --- what the citizen hears -------------------------------------------------------------------

NOW = local("2026-11-30T10:00")  # Monday


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (None, "Anne Andersen er ikke til rådighed lige nu."),
        ("2026-11-30T13:00", "Anne Andersen er ikke til rådighed lige nu og forventes tilbage "
                             "i dag kl. 13.00."),
        ("2026-12-01T09:00", "Anne Andersen er ikke til rådighed lige nu og forventes tilbage "
                             "i morgen kl. 9.00."),
        ("2026-12-02T09:00", "Anne Andersen er ikke til rådighed lige nu og forventes tilbage "
                             "onsdag den 2. december kl. 9.00."),
    ],
)  # fmt: skip
def test_r1_1_citizen_sentence_tells_when_back(until: str | None, expected: str) -> None:
    assert citizen_sentence("Anne Andersen", local(until) if until else None, NOW) == expected


def test_r1_1_citizen_sentence_speaks_local_time_whatever_the_zone_of_until() -> None:
    until = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 13.00 in Copenhagen
    assert citizen_sentence("Bo", until, NOW).endswith("i dag kl. 13.00.")


def test_r1_1_citizen_sentence_with_a_past_return_says_no_time() -> None:
    assert citizen_sentence("Bo", NOW - timedelta(hours=1), NOW) == (
        "Bo er ikke til rådighed lige nu."
    )


WORDS = sorted({w for info in CODES.values() for w in (info.label, info.label.lower())})


@given(
    minutes=st.one_of(st.none(), st.integers(min_value=1, max_value=60 * 24 * 60)),
)
def test_r1_5_citizen_sentence_never_holds_a_reason_or_a_pronoun(minutes: int | None) -> None:
    until = NOW + timedelta(minutes=minutes) if minutes else None
    text = citizen_sentence("Kim Juhl", until, NOW)
    for word in WORDS:
        assert word not in text
    for pronoun in (" hun ", " han ", "Hun ", "Han ", " hende", " ham "):
        assert pronoun not in f" {text} "
    assert "overmorgen" not in text
