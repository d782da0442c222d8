"""The boards' figures and the employee's own choices (R1.5, R2.7, R3.9, R3.11), pure."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain import hours
from omstilling.domain.boards import SOON, absence_until_text, board
from omstilling.domain.organisation import (
    Employee,
    Hours,
    Mailing,
    Municipality,
    MunicipalityHours,
    Organisation,
    Unit,
)
from omstilling.domain.own_absence import ChoiceError, after_day, at_time, chosen_absence
from omstilling.domain.presence import CODES, Absence, Presence, UnitAway

TZ = ZoneInfo("Europe/Copenhagen")


def local(text: str) -> datetime:
    return hours.parse_moment(text, TZ)


# 2026-12-01 is a Tuesday.
TUESDAY_10 = local("2026-12-01T10:00")


def build_org() -> Organisation:
    m = Municipality(
        name="Testby Kommune",
        hours=MunicipalityHours(
            official="Mo-Fr 09:00-16:00", opening="Mo-Fr 09:00-15:00", phone="Mo-Fr 09:00-15:00"
        ),
    )
    employees = [
        Employee("lene", "dept", "Lene Berg"),
        Employee("aske", "dept", "aske Holm"),
        Employee("ole", "team", "Ole Å"),
        Employee("else", "late", "Else Kjær"),
    ]
    units = [
        Unit("dept", "Afdeling", "department", employees=("lene", "aske")),
        Unit("team", "Team", "team", parent="dept", hours=Hours(phone="Mo-Fr 09:00-10:20"),
             employees=("ole",)),
        Unit("late", "Aftenvagt", "department", hours=Hours(phone="Mo-Fr 12:00-20:00"),
             employees=("else",)),
    ]  # fmt: skip
    mailings = [
        Mailing("skat", "dept", "Forskud 2027", date(2026, 11, 20), date(2026, 12, 1)),
        Mailing("gammel", "dept", "Sidste år", date(2025, 11, 20), date(2025, 12, 1)),
        Mailing("ukendt", "nowhere", "Uden enhed", date(2026, 11, 30), date(2026, 12, 24)),
    ]
    return Organisation(m, units, employees, [], mailings)


ORG = build_org()


def test_r1_5_who_is_away_by_unit_with_sick_shown_only_as_away() -> None:
    presence = Presence(
        [
            Absence("lene", "sick", local("2026-12-01T08:00"), local("2026-12-01T14:30")),
            Absence("aske", "meeting", local("2026-12-01T09:00"), local("2026-12-01T11:00")),
            Absence("ole", "vacation", local("2026-11-20T00:00")),
            Absence("else", "lunch", local("2026-12-01T11:00"), local("2026-12-01T11:30")),
        ]
    )
    away = board(ORG, presence, TUESDAY_10).away
    assert [(unit.id, [r.id for r in rows]) for unit, rows in away] == [
        ("dept", ["aske", "lene"]),  # by name, case folded; Else's lunch is not yet
        ("team", ["ole"]),
    ]
    lene = away[0][1][1]
    assert (lene.shown_as, lene.until) == ("Fraværende", "i dag kl. 14.30")
    assert "Syg" not in repr(away)
    ole = away[1][1][0]
    assert (ole.shown_as, ole.back, ole.until) == ("Ferie", None, "ukendt")


def test_the_latest_code_wins_when_codes_overlap() -> None:
    presence = Presence(
        [
            Absence("lene", "vacation", local("2026-11-30T00:00"), local("2026-12-05T00:00")),
            Absence("lene", "home", local("2026-12-01T09:00"), local("2026-12-01T12:00")),
        ]
    )
    [(_unit, rows)] = board(ORG, presence, TUESDAY_10).away
    assert [(r.id, r.shown_as) for r in rows] == [("lene", "Hjemmearbejde")]


@pytest.mark.parametrize(
    ("at", "open_now", "closing_soon"),
    [
        ("2026-12-01T10:00", ["dept"], ["team"]),  # team closes 10.20: within 30 minutes
        ("2026-12-01T09:45", ["dept", "team"], []),  # 35 minutes to go: not yet soon
        ("2026-12-01T14:30", ["late"], ["dept"]),
        ("2026-12-01T19:40", [], ["late"]),
        ("2026-12-01T21:00", [], []),
        ("2026-12-05T10:00", [], []),  # a Saturday
    ],
)
def test_units_open_now_and_closing_within_half_an_hour(
    at: str, open_now: list[str], closing_soon: list[str]
) -> None:
    figures = board(ORG, Presence(), local(at))
    assert [r.unit.id for r in figures.open_now] == open_now
    assert [r.unit.id for r in figures.closing_soon] == closing_soon


def test_an_open_unit_says_when_it_closes_in_danish() -> None:
    figures = board(ORG, Presence(), TUESDAY_10)
    [dept] = figures.open_now
    assert (dept.closes, dept.until) == (local("2026-12-01T15:00"), "15.00")
    [team] = figures.closing_soon
    assert team.until == "10.20"


@given(st.integers(min_value=0, max_value=7 * 24 * 4 - 1))
def test_a_unit_is_open_or_closing_soon_never_both_and_soon_means_soon(quarter: int) -> None:
    now = local("2026-11-30T00:00") + timedelta(minutes=15 * quarter)
    figures = board(ORG, Presence(), now)
    open_ids = [r.unit.id for r in figures.open_now]
    soon_ids = [r.unit.id for r in figures.closing_soon]
    assert not set(open_ids) & set(soon_ids)
    for row in figures.closing_soon:
        assert row.closes is not None and row.closes - now <= SOON
    for row in figures.open_now:
        assert row.closes is None or row.closes - now > SOON


def test_r3_9_units_away_with_their_end_and_note() -> None:
    presence = Presence(
        unit_aways=[
            UnitAway("team", local("2026-12-01T09:00"), local("2026-12-01T12:00"), "Møde"),
            UnitAway(
                "late",
                local("2026-12-01T08:00"),
                local("2026-12-01T16:00"),
                back_at=local("2026-12-01T09:30"),  # reported back already
            ),
        ]
    )
    [row] = board(ORG, presence, TUESDAY_10).units_away
    assert (row.unit.id, row.end, row.until, row.note) == (
        "team",
        local("2026-12-01T12:00"),
        "i dag kl. 12.00",
        "Møde",
    )


def test_r2_7_active_mailings_with_their_unit_and_last_day() -> None:
    mailings = board(ORG, Presence(), TUESDAY_10).mailings
    assert [(r.m.id, r.unit.id if r.unit else None) for r in mailings] == [
        ("skat", "dept"),
        ("ukendt", None),
    ]
    assert mailings[0].until == "tirsdag den 1. december"


def test_the_board_says_when_it_was_made() -> None:
    assert board(ORG, Presence(), TUESDAY_10).now_text == "tirsdag den 1. december kl. 10.00"


def test_absence_until_text_is_none_when_the_return_is_unknown() -> None:
    assert absence_until_text(Absence("lene", "off", local("2026-12-01T08:00")), TUESDAY_10) is None
    utc_until = local("2026-12-02T09:00").astimezone(ZoneInfo("UTC"))
    absence = Absence("lene", "off", local("2026-12-01T08:00"), utc_until)
    assert absence_until_text(absence, TUESDAY_10) == "i morgen kl. 9.00"  # in local time


# --- the employee's own choices (R3.11) ---------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "fields", "code", "until"),
    [
        ("lunch30", {}, "lunch", "2026-12-01T10:30"),
        ("home", {}, "home", None),
        ("meeting", {"until_time": "11:15"}, "meeting", "2026-12-01T11:15"),
        ("vacation", {"until_date": "2026-12-04"}, "vacation", "2026-12-05T00:00"),
        ("vacation", {"until_date": "2026-12-01"}, "vacation", "2026-12-02T00:00"),
        ("custom", {"code": "course"}, "course", None),
        ("custom", {"code": "course", "until_date": "2026-12-02"}, "course", "2026-12-03T00:00"),
        ("custom", {"code": "out", "until_time": "13:00"}, "out", "2026-12-01T13:00"),
        (
            "custom",
            {"code": "out", "until_time": "08:00", "until_date": "2026-12-02"},
            "out",
            "2026-12-02T08:00",
        ),
    ],
)
def test_r3_11_a_choice_means_a_code_and_an_until(
    choice: str, fields: dict[str, str], code: str, until: str | None
) -> None:
    got = chosen_absence(choice, TUESDAY_10, **fields)
    assert got == (code, local(until) if until else None)


@pytest.mark.parametrize(
    ("choice", "fields", "message"),
    [
        ("sleep", {}, "ukendt valg"),
        ("custom", {"code": "holiday"}, "ukendt valg"),
        ("clear", {}, "ukendt valg"),  # clearing is its own action, not a code
        ("meeting", {"until_time": "elleve"}, "skriv tiden som tt:mm"),
        ("meeting", {"until_time": "25:00"}, "skriv tiden som tt:mm"),
        ("meeting", {"until_time": "09:30"}, "tidspunktet er allerede passeret"),
        ("meeting", {"until_time": "10:00"}, "tidspunktet er allerede passeret"),
        ("vacation", {"until_date": ""}, "vælg en dato"),
        ("vacation", {"until_date": "2026-11-30"}, "datoen er allerede passeret"),
    ],
)
def test_r3_11_a_choice_the_page_cannot_use_is_refused_in_danish(
    choice: str, fields: dict[str, str], message: str
) -> None:
    with pytest.raises(ChoiceError, match=f"^{message}$"):
        chosen_absence(choice, TUESDAY_10, **fields)


@given(st.sampled_from(sorted(CODES)), st.integers(min_value=0, max_value=400))
def test_r3_11_any_known_code_with_a_date_is_back_the_morning_after(code: str, days: int) -> None:
    day = (TUESDAY_10 + timedelta(days=days)).date()
    got_code, until = chosen_absence("custom", TUESDAY_10, code=code, until_date=day.isoformat())
    assert got_code == code and until is not None
    assert until.date() == day + timedelta(days=1) and (until.hour, until.minute) == (0, 0)
    assert until == after_day(TUESDAY_10, day.isoformat())


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_r3_11_a_time_today_is_taken_only_while_it_is_ahead(hh: int, mm: int) -> None:
    text = f"{hh:02d}:{mm:02d}"
    if (hh, mm) <= (10, 0):
        with pytest.raises(ChoiceError):
            at_time(TUESDAY_10, text)
    else:
        assert at_time(TUESDAY_10, text) == local(f"2026-12-01T{text}")
