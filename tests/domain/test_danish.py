"""Danish formatting (R1.4): numbers, times, days, dates and holiday names."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opening_hours import OpeningHours

from omstilling.domain.danish import (
    easter_sunday,
    format_clock,
    format_date,
    format_day,
    format_moment,
    format_phone,
    holiday_name,
    holidays,
    parse_phone,
    weekday_name,
)

CPH = ZoneInfo("Europe/Copenhagen")
CLOSING_DAYS = {"juleaftensdag", "nytårsaftensdag", "grundlovsdag"}


# --- phone numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["89151234", "89 15 12 34", "8915 1234", "+45 8915 1234", "+4589151234", "0045 89 15 12 34",
     " 89-15-12-34 "],
)  # fmt: skip
def test_parse_phone_accepts_usual_danish_spellings(text: str) -> None:
    assert parse_phone(text) == "+4589151234"


@pytest.mark.parametrize("text", ["", "abc", "123", "8915123", "+45 0000 0000", "891512345"])
def test_parse_phone_rejects_invalid_numbers_naming_them(text: str) -> None:
    with pytest.raises(ValueError, match="invalid phone number"):
        parse_phone(text)


def test_parse_phone_uses_the_region_for_national_spellings() -> None:
    assert parse_phone("08-123 456 78", region="SE") == "+46812345678"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+4589153101", "89 15 31 01"),
        ("+4570121416", "70 12 14 16"),
        ("+46812345678", "+46 8 123 456 78"),
        ("+4930123456", "+49 30 123456"),
        ("not a number", "not a number"),
    ],
)
def test_r1_4_format_phone_writes_danish_numbers_in_pairs(e164: str, shown: str) -> None:
    assert format_phone(e164) == shown


@given(st.integers(min_value=20_000_000, max_value=99_999_999))
def test_format_phone_round_trips_through_parse_phone(n: int) -> None:
    try:
        e164 = parse_phone(str(n))
    except ValueError:
        return
    shown = format_phone(e164)
    assert shown.replace(" ", "") == str(n)
    assert [len(p) for p in shown.split(" ")] == [2, 2, 2, 2]
    assert parse_phone(shown) == e164


# --- clock, days, dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (time(13, 0), "13.00"),
        (time(9, 0), "9.00"),
        (time(14, 30), "14.30"),
        (time(0, 5), "0.05"),
        (datetime(2026, 12, 1, 8, 15, tzinfo=CPH), "8.15"),
    ],
)
def test_r1_4_format_clock_has_no_leading_zero(t: time | datetime, text: str) -> None:
    assert format_clock(t) == text


@pytest.mark.parametrize(
    ("d", "name"),
    [
        (1, "mandag"), (2, "tirsdag"), (3, "onsdag"), (4, "torsdag"), (5, "fredag"),
        (6, "lørdag"), (7, "søndag"), (date(2026, 12, 2), "onsdag"), (date(2026, 12, 27), "søndag"),
    ],
)  # fmt: skip
def test_weekday_name_takes_iso_weekday_or_date(d: date | int, name: str) -> None:
    assert weekday_name(d) == name


@pytest.mark.parametrize("bad", [0, 8, -1])
def test_weekday_name_rejects_out_of_range_weekdays(bad: int) -> None:
    with pytest.raises(ValueError):
        weekday_name(bad)


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2026, 12, 2), "onsdag den 2. december"),
        (date(2027, 1, 4), "mandag den 4. januar"),
        (date(2026, 6, 5), "fredag den 5. juni"),
        (date(2026, 3, 29), "søndag den 29. marts"),
    ],
)
def test_format_date_gives_weekday_day_and_month(d: date, text: str) -> None:
    assert format_date(d) == text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 12, 1), "i dag"),
        (date(2026, 12, 2), "i morgen"),
        (date(2026, 12, 3), "torsdag den 3. december"),
        (date(2026, 11, 30), "mandag den 30. november"),
    ],
)
def test_format_day_says_today_tomorrow_else_the_date(day: date, text: str) -> None:
    assert format_day(day, today=date(2026, 12, 1)) == text


@given(st.dates(), st.integers(min_value=-400, max_value=400))
def test_format_day_never_says_i_overmorgen(today: date, delta: int) -> None:
    try:
        day = today + timedelta(days=delta)
    except OverflowError:
        return
    text = format_day(day, today)
    assert "overmorgen" not in text
    assert (text == "i dag") == (delta == 0)
    assert (text == "i morgen") == (delta == 1)
    if delta not in (0, 1):
        assert text == format_date(day)


@pytest.mark.parametrize(
    ("moment", "now", "text"),
    [
        (datetime(2026, 12, 1, 13, tzinfo=CPH), datetime(2026, 12, 1, 10, tzinfo=CPH),
         "i dag kl. 13.00"),
        (datetime(2026, 12, 2, 9, tzinfo=CPH), datetime(2026, 12, 1, 10, tzinfo=CPH),
         "i morgen kl. 9.00"),
        (datetime(2026, 12, 2, 9, tzinfo=CPH), datetime(2026, 11, 30, 10, tzinfo=CPH),
         "onsdag den 2. december kl. 9.00"),
        # 23:30 UTC on Nov 30 is already Dec 1 in Copenhagen.
        (datetime(2026, 12, 2, 9, tzinfo=CPH), datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
         "i morgen kl. 9.00"),
        (datetime(2026, 12, 1, 9, tzinfo=CPH), datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
         "i dag kl. 9.00"),
    ],
)  # fmt: skip
def test_r1_4_format_moment_compares_local_dates(
    moment: datetime, now: datetime, text: str
) -> None:
    assert format_moment(moment, now) == text


# --- holidays -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
     (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22))],
)  # fmt: skip
def test_easter_sunday_known_dates(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("d", "name"),
    [
        (date(2026, 1, 1), "nytårsdag"),
        (date(2026, 4, 2), "skærtorsdag"),
        (date(2026, 4, 3), "langfredag"),
        (date(2026, 4, 5), "påskedag"),
        (date(2026, 4, 6), "2. påskedag"),
        (date(2026, 5, 14), "kristi himmelfartsdag"),
        (date(2026, 5, 24), "pinsedag"),
        (date(2026, 5, 25), "2. pinsedag"),
        (date(2026, 6, 5), "grundlovsdag"),
        (date(2026, 12, 24), "juleaftensdag"),
        (date(2026, 12, 25), "1. juledag"),
        (date(2026, 12, 26), "2. juledag"),
        (date(2026, 12, 31), "nytårsaftensdag"),
        (date(2023, 5, 5), "store bededag"),
        (date(2024, 4, 26), None),  # store bededag was abolished from 2024
        (date(2026, 5, 1), None),
        (date(2026, 12, 23), None),
        (date(2026, 12, 27), None),
        (datetime(2026, 12, 26, 10, tzinfo=CPH), "2. juledag"),
    ],
)
def test_holiday_name_names_public_holidays_and_closing_days(d: date, name: str | None) -> None:
    assert holiday_name(d) == name


def test_holiday_name_prefers_the_public_holiday_when_grundlovsdag_is_pinse() -> None:
    # Pinse fell on 5 June in 2022 (2. pinsedag: 6 June) and 2033 (pinsedag: 5 June).
    assert holiday_name(date(2033, 6, 5)) == "pinsedag"


@pytest.mark.parametrize("year", range(2000, 2041))
def test_public_holidays_agree_with_opening_hours_library(year: int) -> None:
    ph = OpeningHours("PH", country="DK")
    library = {
        d
        for d in (date(year, 1, 1) + timedelta(days=i) for i in range(366))
        if d.year == year and ph.is_open(datetime.combine(d, time(12)))
    }
    ours = {d for d, name in holidays(year).items() if name not in CLOSING_DAYS}
    assert ours == library
