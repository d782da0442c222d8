"""The hours engine: open?, next opening, intervals and Danish text (R3.1, R3.3, R3.10)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omstilling.domain.danish import WEEKDAY_NAMES, holiday_name
from omstilling.domain.hours import (
    HoursError,
    Schedule,
    compile_schedule,
    parse_moment,
    to_local,
    validate_expression,
)

CPH = ZoneInfo("Europe/Copenhagen")
CLOSED = "Dec 24,Dec 31 off; Jun 05 12:00-24:00 off"
FAMILIE = f"Mo 09:00-17:00; Tu-Th 09:00-15:00; Fr 09:00-14:00; PH off; {CLOSED}"
JOBCENTER = f"Mo-We,Fr 09:00-14:30; Th 09:00-17:00; PH off; {CLOSED}"
LUNCH = f"Mo-Fr 08:00-12:00,13:00-15:00; PH off; {CLOSED}"
SOCIAL = f"Mo-Fr 09:00-13:00; PH off; {CLOSED}"
FAMILIE_WEEK = "mandag 9.00-17.00, tirsdag-torsdag 9.00-15.00, fredag 9.00-14.00"


def cph(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CPH)


def same_instant(a: datetime | None, b: datetime | None) -> bool:
    """Equal as instants and in offset (Python compares same-zone datetimes by wall time)."""
    if a is None or b is None:
        return a is b
    return a.astimezone(UTC) == b.astimezone(UTC) and a.utcoffset() == b.utcoffset()


# --- validation, zones, moments -------------------------------------------------------------


@pytest.mark.parametrize(
    "expression", [FAMILIE, JOBCENTER, LUNCH, "24/7", "off", "Mo-Fr 08:00-16:00"]
)
def test_validate_expression_accepts_valid_expressions(expression: str) -> None:
    assert validate_expression(expression) is None


@pytest.mark.parametrize(
    "expression", ["", "Mo 25:00-26:00", "Mo-Fr 9-17", "mandag 9-17", "Mo 09:00-17:00;"]
)
def test_validate_expression_gives_one_line_message(expression: str) -> None:
    message = validate_expression(expression)
    assert message is not None
    assert message.startswith("invalid opening_hours expression: ")
    assert "\n" not in message


def test_schedule_rejects_invalid_expression_zone_and_country() -> None:
    with pytest.raises(HoursError, match="invalid opening_hours expression"):
        Schedule("Mo-Fr 9-17")
    with pytest.raises(HoursError, match="time zone"):
        Schedule("24/7", timezone="Europe/Nowhere")
    with pytest.raises(HoursError, match="country"):
        Schedule("24/7", country="XX")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 1, 15, 30), cph(2026, 12, 1, 15, 30)),
        (datetime(2026, 12, 1, 14, 30, tzinfo=UTC), cph(2026, 12, 1, 15, 30)),
        (datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
         cph(2026, 12, 1, 15, 30)),
        # Summer time starts: 02:30 does not exist and means the moment an hour later.
        (datetime(2026, 3, 29, 2, 30), cph(2026, 3, 29, 3, 30)),
        # Summer time ends: 02:30 occurs twice and means the first (+02:00).
        (datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2026, 10, 25, 2, 30, fold=1), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2026, 3, 29, 2, 30, tzinfo=CPH), cph(2026, 3, 29, 3, 30)),
    ],
)  # fmt: skip
def test_to_local_converts_aware_and_resolves_naive_dst_times(
    moment: datetime, expected: datetime
) -> None:
    local = to_local(moment, CPH)
    assert local.tzinfo is CPH
    assert local.astimezone(UTC) == expected.astimezone(UTC)


def test_to_local_dst_offsets_are_those_of_the_spec() -> None:
    assert to_local(datetime(2026, 3, 29, 2, 30), CPH).isoformat() == "2026-03-29T03:30:00+02:00"
    assert to_local(datetime(2026, 10, 25, 2, 30), CPH).isoformat() == "2026-10-25T02:30:00+02:00"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-12-01T15:30", "2026-12-01T15:30:00+01:00"),
        ("2026-12-01 15:30", "2026-12-01T15:30:00+01:00"),
        ("2026-12-01T15:30:45", "2026-12-01T15:30:45+01:00"),
        ("2026-12-01T15:30+01:00", "2026-12-01T15:30:00+01:00"),
        ("2026-12-01T14:30:00Z", "2026-12-01T15:30:00+01:00"),
        ("2026-07-01T15:30:00+00:00", "2026-07-01T17:30:00+02:00"),
        (" 2026-03-29T02:30 ", "2026-03-29T03:30:00+02:00"),
    ],
)
def test_parse_moment_reads_iso_forms_as_local_time(text: str, iso: str) -> None:
    assert parse_moment(text, CPH).isoformat() == iso


@pytest.mark.parametrize(
    "text", ["", "i morgen", "2026-12-01", "01-12-2026 15:30", "2026-13-01T10:00"]
)
def test_parse_moment_error_names_the_accepted_form(text: str) -> None:
    with pytest.raises(HoursError, match="YYYY-MM-DDTHH:MM"):
        parse_moment(text, CPH)


# --- is_open / next_open tables ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "at", "is_open"),
    [
        (FAMILIE, cph(2026, 11, 30, 16, 59), True),  # Monday
        (FAMILIE, cph(2026, 11, 30, 17, 0), False),
        (FAMILIE, cph(2026, 12, 1, 9, 0), True),  # opening minute is open
        (FAMILIE, cph(2026, 12, 1, 8, 59, 59), False),
        (FAMILIE, cph(2026, 12, 1, 15, 0), False),  # R3.10: Tuesday after 15
        (FAMILIE, cph(2026, 12, 5, 10, 0), False),  # Saturday
        (FAMILIE, cph(2026, 12, 24, 10, 0), False),  # closed rule appended
        (FAMILIE, cph(2026, 12, 25, 10, 0), False),  # PH
        (FAMILIE, cph(2026, 12, 31, 10, 0), False),
        (FAMILIE, cph(2027, 1, 1, 10, 0), False),  # nytårsdag, a Friday
        (FAMILIE, cph(2026, 6, 5, 11, 59), True),  # grundlovsdag morning
        (FAMILIE, cph(2026, 6, 5, 12, 0), False),
        (LUNCH, cph(2026, 12, 1, 11, 59), True),
        (LUNCH, cph(2026, 12, 1, 12, 30), False),
        (LUNCH, cph(2026, 12, 1, 13, 0), True),
        (FAMILIE, datetime(2026, 12, 1, 13, 30, tzinfo=UTC), True),  # 14:30 local
        (FAMILIE, datetime(2026, 12, 1, 14, 30, tzinfo=UTC), False),  # 15:30 local
        (FAMILIE, datetime(2026, 12, 1, 14, 30, tzinfo=timezone(timedelta(0))), False),
        (FAMILIE, datetime(2026, 12, 1, 14, 30), True),  # naive = local
    ],
)  # fmt: skip
def test_r3_3_is_open_follows_the_units_hours(expression: str, at: datetime, is_open: bool) -> None:
    assert compile_schedule(expression).is_open(at) is is_open


@pytest.mark.parametrize(
    ("expression", "at", "iso"),
    [
        # R3.10 example of spec/advice.md: Tuesday 15:30 -> Wednesday 9.00.
        (FAMILIE, cph(2026, 12, 1, 15, 30), "2026-12-02T09:00:00+01:00"),
        # Christmas: 24 closed rule, 25/26 PH, 27 Sunday.
        (FAMILIE, cph(2026, 12, 23, 15, 0), "2026-12-28T09:00:00+01:00"),
        (FAMILIE, cph(2026, 12, 25, 10, 0), "2026-12-28T09:00:00+01:00"),
        # New Year: 31 closed rule, 1 January PH (Friday), weekend.
        (FAMILIE, cph(2026, 12, 30, 16, 0), "2027-01-04T09:00:00+01:00"),
        # Weekend.
        (JOBCENTER, cph(2026, 12, 4, 14, 30), "2026-12-07T09:00:00+01:00"),
        (JOBCENTER, cph(2026, 12, 5, 10, 0), "2026-12-07T09:00:00+01:00"),
        # Grundlovsdag afternoon: Friday 5 June 2026, then the weekend.
        (FAMILIE, cph(2026, 6, 5, 12, 0), "2026-06-08T09:00:00+02:00"),
        # Lunch break.
        (LUNCH, cph(2026, 12, 1, 12, 0), "2026-12-01T13:00:00+01:00"),
        # Open now: the moment itself, local.
        (FAMILIE, datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "2026-12-01T10:00:00+01:00"),
        # Over both DST weekends.
        (FAMILIE, cph(2026, 3, 27, 15, 0), "2026-03-30T09:00:00+02:00"),
        (FAMILIE, cph(2026, 10, 23, 15, 0), "2026-10-26T09:00:00+01:00"),
        # Easter 2026: skærtorsdag 2 April .. 2. påskedag 6 April.
        (FAMILIE, cph(2026, 4, 1, 16, 0), "2026-04-07T09:00:00+02:00"),
        # Naive input is local.
        (FAMILIE, datetime(2026, 12, 25, 10, 0), "2026-12-28T09:00:00+01:00"),
    ],
)  # fmt: skip
def test_r3_10_next_open_is_the_next_opening_in_local_time(
    expression: str, at: datetime, iso: str
) -> None:
    result = compile_schedule(expression).next_open(at)
    assert result is not None
    assert result.tzinfo is CPH
    assert result.isoformat() == iso


@pytest.mark.parametrize("expression", ["off", "2020 Mo 09:00-10:00", "PH off; off"])
def test_next_open_is_none_when_never_open(expression: str) -> None:
    schedule = compile_schedule(expression)
    assert schedule.next_open(cph(2026, 12, 1, 10)) is None


def test_next_change_flips_at_closing_and_opening() -> None:
    schedule = compile_schedule(LUNCH)
    assert same_instant(schedule.next_change(cph(2026, 12, 1, 9)), cph(2026, 12, 1, 12))
    assert same_instant(schedule.next_change(cph(2026, 12, 1, 12)), cph(2026, 12, 1, 13))
    assert same_instant(schedule.next_change(cph(2026, 12, 1, 13)), cph(2026, 12, 1, 15))
    assert compile_schedule("24/7").next_change(cph(2026, 12, 1, 9)) is None


# --- DST nights ---------------------------------------------------------------------------------


def test_dst_spring_night_has_no_open_interval_in_the_missing_hour() -> None:
    # The library reports a zero-length 03:00-03:00 interval on 29 March; we report nothing.
    schedule = compile_schedule("Mo-Su 02:30-02:45")
    assert schedule.day_intervals(date(2026, 3, 29)) == []
    assert schedule.day_text(date(2026, 3, 29)) == "lukket"
    nxt = schedule.next_open(cph(2026, 3, 29, 0, 0))
    assert nxt is not None and nxt.isoformat() == "2026-03-30T02:30:00+02:00"


def test_dst_spring_night_interval_over_the_change_is_an_hour_shorter() -> None:
    schedule = compile_schedule("Mo-Su 01:00-05:00")
    [(start, end)] = schedule.day_intervals(date(2026, 3, 29))
    assert start.isoformat() == "2026-03-29T01:00:00+01:00"
    assert end.isoformat() == "2026-03-29T05:00:00+02:00"
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=3)
    assert schedule.day_text(date(2026, 3, 29)) == "1.00-5.00"


def test_dst_autumn_night_interval_over_the_change_is_an_hour_longer() -> None:
    schedule = compile_schedule("Mo-Su 01:00-05:00")
    [(start, end)] = schedule.day_intervals(date(2026, 10, 25))
    assert start.isoformat() == "2026-10-25T01:00:00+02:00"
    assert end.isoformat() == "2026-10-25T05:00:00+01:00"
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=5)


def test_dst_autumn_repeated_hour_next_change_does_not_skip_an_hour() -> None:
    # From 02:35+02:00 the library answers 02:45+01:00 (an hour too late).
    schedule = compile_schedule("Mo-Su 02:30-02:45")
    first = datetime(2026, 10, 25, 0, 35, tzinfo=UTC)  # 02:35+02:00
    assert schedule.is_open(first)
    change = schedule.next_change(first)
    assert change is not None and change.isoformat() == "2026-10-25T02:45:00+02:00"
    # Both occurrences of the repeated wall time are open.
    intervals = schedule.day_intervals(date(2026, 10, 25))
    assert [(s.isoformat(), e.isoformat()) for s, e in intervals] == [
        ("2026-10-25T02:30:00+02:00", "2026-10-25T02:45:00+02:00"),
        ("2026-10-25T02:30:00+01:00", "2026-10-25T02:45:00+01:00"),
    ]


@pytest.mark.parametrize(
    ("at", "iso"),
    [
        (datetime(2026, 3, 28, 18, 0), "2026-03-29T09:00:00+02:00"),
        (datetime(2026, 3, 29, 2, 30), "2026-03-29T09:00:00+02:00"),
        (datetime(2026, 10, 24, 18, 0), "2026-10-25T09:00:00+01:00"),
        (datetime(2026, 10, 25, 2, 30), "2026-10-25T09:00:00+01:00"),
    ],
)
def test_dst_daily_hours_keep_their_wall_clock_time(at: datetime, iso: str) -> None:
    result = compile_schedule("Mo-Su 09:00-17:00").next_open(at)
    assert result is not None and result.isoformat() == iso


def test_dst_naive_missing_time_is_read_as_an_hour_later() -> None:
    # 02:30 does not exist on 29 March and means 03:30+02:00, inside 03:00-04:00.
    schedule = compile_schedule("Mo-Su 03:00-04:00")
    assert schedule.is_open(datetime(2026, 3, 29, 2, 30))
    result = schedule.next_open(datetime(2026, 3, 29, 2, 30))
    assert result is not None and result.isoformat() == "2026-03-29T03:30:00+02:00"


# --- day and week text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "day", "text"),
    [
        (FAMILIE, date(2026, 11, 30), "9.00-17.00"),
        (FAMILIE, date(2026, 12, 2), "9.00-15.00"),
        (FAMILIE, date(2026, 12, 5), "lukket"),
        (FAMILIE, date(2026, 12, 24), "lukket, juleaftensdag"),
        (FAMILIE, date(2026, 12, 25), "lukket, 1. juledag"),
        (FAMILIE, date(2026, 12, 26), "lukket, 2. juledag"),
        (FAMILIE, date(2026, 12, 31), "lukket, nytårsaftensdag"),
        (FAMILIE, date(2027, 1, 1), "lukket, nytårsdag"),
        (FAMILIE, date(2026, 6, 5), "9.00-12.00"),
        (FAMILIE, date(2026, 4, 3), "lukket, langfredag"),
        (LUNCH, date(2026, 12, 1), "8.00-12.00 og 13.00-15.00"),
        ("Mo-Su 09:00-24:00", date(2026, 12, 1), "9.00-24.00"),
        ("24/7", date(2026, 12, 1), "0.00-24.00"),
    ],
)
def test_day_text_in_danish(expression: str, day: date, text: str) -> None:
    assert compile_schedule(expression).day_text(day) == text


@pytest.mark.parametrize(
    ("expression", "at", "text"),
    [
        (JOBCENTER, cph(2026, 12, 1, 10), "mandag-onsdag og fredag 9.00-14.30, torsdag 9.00-17.00"),
        (FAMILIE, cph(2026, 12, 1, 10), FAMILIE_WEEK),
        (SOCIAL, cph(2026, 12, 1, 10), "mandag-fredag 9.00-13.00"),
        ("Mo-Su 09:00-13:00", cph(2026, 12, 1, 10), "mandag-søndag 9.00-13.00"),
        (LUNCH, cph(2026, 12, 1, 10), "mandag-fredag 8.00-12.00 og 13.00-15.00"),
        ("Mo,We,Fr 09:00-12:00; Tu,Th 10:00-12:00", cph(2026, 12, 1, 10),
         "mandag og onsdag og fredag 9.00-12.00, tirsdag og torsdag 10.00-12.00"),
        ("Sa 10:00-14:00; Mo-Tu 08:00-16:00", cph(2026, 12, 1, 10),
         "mandag-tirsdag 8.00-16.00, lørdag 10.00-14.00"),
        ("off", cph(2026, 12, 1, 10), "lukket"),
        # Holidays and closing days do not make a weekday look closed.
        (FAMILIE, cph(2026, 12, 24, 10), FAMILIE_WEEK),
        (FAMILIE, cph(2026, 12, 31, 10), FAMILIE_WEEK),
        (FAMILIE, cph(2026, 4, 2, 10), FAMILIE_WEEK),
        (FAMILIE, cph(2026, 5, 25, 10), FAMILIE_WEEK),
        (FAMILIE, cph(2026, 6, 5, 10), FAMILIE_WEEK),
        # An extra closing day that is not a named holiday is outvoted by the weeks around it.
        ("Mo-Fr 09:00-15:00; 2026 Dec 28-Dec 30 off", cph(2026, 12, 29, 10),
         "mandag-fredag 9.00-15.00"),
        # A UTC moment late on Sunday names the local (next) week.
        (FAMILIE, datetime(2026, 12, 6, 23, 30, tzinfo=UTC), FAMILIE_WEEK),
    ],
)  # fmt: skip
def test_r3_3_week_text_groups_weekdays_with_the_same_hours(
    expression: str, at: datetime, text: str
) -> None:
    assert compile_schedule(expression).week_text(at) == text


def test_week_text_follows_seasonal_hours_of_the_week_asked() -> None:
    schedule = compile_schedule("Mo-Fr 09:00-15:00; Jul Mo-Fr 10:00-12:00")
    assert schedule.week_text(cph(2026, 6, 24, 10)) == "mandag-fredag 9.00-15.00"
    assert schedule.week_text(cph(2026, 7, 8, 10)) == "mandag-fredag 10.00-12.00"


# --- properties ------------------------------------------------------------

_SLOTS = st.integers(min_value=6 * 4, max_value=20 * 4)  # quarter hours, 6.00 to 20.00


@st.composite
def day_hours(draw: st.DrawFn) -> str | None:
    """One weekday's hours: None (closed) or one or two intervals, "HH:MM-HH:MM[,...]"."""
    cuts = sorted(draw(st.sets(_SLOTS, min_size=0, max_size=4)))
    if len(cuts) < 2:
        return None
    pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    return ",".join(
        f"{a // 4:02d}:{a % 4 * 15:02d}-{b // 4:02d}:{b % 4 * 15:02d}" for a, b in pairs
    )


@st.composite
def expressions(draw: st.DrawFn) -> str:
    days = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    rules = [f"{d} {h}" for d, h in zip(days, [draw(day_hours()) for _ in days], strict=True) if h]
    if not rules:
        rules = ["Mo 09:00-10:00"]
    return "; ".join([*rules, "PH off", CLOSED])


_MOMENTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
_DST_MOMENTS = st.sampled_from(
    [datetime(2026, 3, 29), datetime(2026, 10, 25), datetime(2027, 3, 28), datetime(2027, 10, 31)]
).flatmap(
    lambda night: st.datetimes(
        min_value=night - timedelta(days=3), max_value=night + timedelta(days=1)
    )
)  # naive, so they also exercise to_local on the missing and repeated hours
_ANY_MOMENT = _MOMENTS | _DST_MOMENTS
# Hours at night, so the DST moments hit the missing and the repeated hour.
_NIGHT = st.sampled_from(
    ["Mo-Su 01:00-05:00", "Mo-Su 02:30-02:45", "Mo-Su 02:00-03:00", "Sa,Su 02:15-03:30,04:00-04:30"]
)
_EXPRESSIONS = expressions() | st.sampled_from([FAMILIE, JOBCENTER, LUNCH, SOCIAL])


def _probe_points(start: datetime, end: datetime, n: int = 24) -> list[datetime]:
    """Points spread over [start, end) in UTC, including the last second before `end`."""
    a, b = start.astimezone(UTC), end.astimezone(UTC)
    span = b - a
    points = [a + span * i / n for i in range(n)]
    if span > timedelta(seconds=1):
        points.append(b - timedelta(seconds=1))
    return points


@settings(max_examples=150, deadline=None)
@given(_EXPRESSIONS | _NIGHT, _ANY_MOMENT)
def test_next_open_is_open_and_nothing_opens_before_it(expression: str, at: datetime) -> None:
    schedule = compile_schedule(expression)
    result = schedule.next_open(at)
    assert result is not None  # every generated schedule opens within a year
    assert result.tzinfo is CPH
    assert schedule.is_open(result)
    start = to_local(at, CPH)
    assert result.astimezone(UTC) >= start.astimezone(UTC)
    if schedule.is_open(at):
        assert same_instant(result, start)
    else:
        for point in _probe_points(start, result):
            assert not schedule.is_open(point)
        assert schedule.open_intervals(start, result) == []


@settings(max_examples=150, deadline=None)
@given(_EXPRESSIONS | _NIGHT, _ANY_MOMENT)
def test_next_change_flips_state_and_state_holds_until_then(expression: str, at: datetime) -> None:
    schedule = compile_schedule(expression)
    change = schedule.next_change(at)
    assert change is not None
    state = schedule.is_open(at)
    assert schedule.is_open(change) is not state
    for point in _probe_points(to_local(at, CPH), change):
        assert schedule.is_open(point) is state


@settings(max_examples=100, deadline=None)
@given(_EXPRESSIONS | _NIGHT, _ANY_MOMENT, st.integers(min_value=1, max_value=14 * 24))
def test_open_intervals_are_ordered_disjoint_clipped_and_open(
    expression: str, at: datetime, hours: int
) -> None:
    schedule = compile_schedule(expression)
    start = to_local(at, CPH)
    end = start + timedelta(hours=hours)
    intervals = [
        (s.astimezone(UTC), e.astimezone(UTC)) for s, e in schedule.open_intervals(start, end)
    ]
    previous_end = start.astimezone(UTC)
    for s, e in intervals:
        assert previous_end <= s < e <= end.astimezone(UTC)
        assert schedule.is_open(s) and schedule.is_open(s + (e - s) / 2)
        if previous_end < s:
            assert not schedule.is_open(previous_end + (s - previous_end) / 2)
        previous_end = e


def _parse_week_text(text: str) -> dict[int, str]:
    """ISO weekday -> hours text, from a week text (the inverse of the grouping)."""
    result: dict[int, str] = {}
    if text == "lukket":
        return result
    index = {name: i + 1 for i, name in enumerate(WEEKDAY_NAMES)}
    for group in text.split(", "):
        first_digit = next(i for i, ch in enumerate(group) if ch.isdigit())
        days_part, hours = group[: first_digit - 1], group[first_digit:]
        for run in days_part.split(" og "):
            a, _, b = run.partition("-")
            for weekday in range(index[a], index[b or a] + 1):
                assert weekday not in result
                result[weekday] = hours
    return result


@settings(max_examples=100, deadline=None)
@given(_EXPRESSIONS, st.dates(min_value=date(2026, 1, 5), max_value=date(2027, 12, 20)))
def test_r3_3_week_text_names_every_open_interval_of_a_regular_week(
    expression: str, day: date
) -> None:
    schedule = compile_schedule(expression)
    monday = day - timedelta(days=day.weekday())
    week = [monday + timedelta(days=i) for i in range(7)]
    if any(holiday_name(d) for d in week):
        return  # not a regular week
    named = _parse_week_text(schedule.week_text(cph(day.year, day.month, day.day, 12)))
    for d in week:
        text = schedule.day_text(d)
        if text == "lukket":
            assert d.isoweekday() not in named
        else:
            assert named[d.isoweekday()] == text
            for start, end in schedule.day_intervals(d):
                assert f"{start.hour}.{start.minute:02d}-{end.hour}.{end.minute:02d}" in text


# --- caching, threads, speed --------------------------------------------------


def test_compile_schedule_is_cached() -> None:
    assert compile_schedule(FAMILIE) is compile_schedule(FAMILIE)
    assert compile_schedule(FAMILIE).expression == FAMILIE


def test_schedule_is_safe_to_share_between_threads() -> None:
    schedule = compile_schedule(FAMILIE)
    expected = [schedule.next_open(cph(2026, 12, d, 16)) for d in range(1, 29)]
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                got = [schedule.next_open(cph(2026, 12, d, 16)) for d in range(1, 29)]
                assert all(same_instant(g, e) for g, e in zip(got, expected, strict=True))
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
