"""Reading feeds into codes (issue 15 items 2 and 3): the mapping rules in order, recurrences,
Windows zone names, X-WR-TIMEZONE, all-day local days, midnight and the October clock change.
The files are written by the tests in the shapes Exchange and Google publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from omstilling.calendars.parse import FeedError, ParsedFeed, read_feed
from omstilling.domain.calendar_rules import Occurrence, classify, parse_words
from tests.calendars.ics import event, exchange, google, weekly_with_moved_and_cancelled

CPH = ZoneInfo("Europe/Copenhagen")
FROM = datetime(2026, 11, 29, tzinfo=CPH)
UNTIL = datetime(2026, 12, 31, tzinfo=CPH)


def read(data: bytes, start: datetime = FROM, end: datetime = UNTIL) -> ParsedFeed:
    return read_feed(data, start, end, "Europe/Copenhagen")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)  # type: ignore[misc]


# --- the rules in order (domain.calendar_rules) ----------------------------------------------


def occ(summary: str = "", **kw: object) -> Occurrence:
    base: dict[str, object] = {
        "uid": "u",
        "recurrence": "",
        "start": local(2026, 12, 1, 10),
        "end": local(2026, 12, 1, 11),
        "summary": summary,
    }
    return Occurrence(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("o", "code"),
    [
        (occ("Ferie", transp="TRANSPARENT"), None),  # free time: nothing
        (occ("Ferie", busy="FREE"), None),
        (occ("Ferie", busy="TENTATIVE"), None),
        (occ("Ferie", status="TENTATIVE"), None),
        (occ("Ferie", status="CANCELLED"), None),
        (occ("Ferie", klass="PRIVATE"), "private"),  # private whatever the words say
        (occ("Kursus", klass="CONFIDENTIAL"), "private"),
        (occ("Sommerferie"), "vacation"),  # Danish folding, compounds
        (occ("FERIE i Ærø"), "vacation"),
        (occ("Førstehjælpskursus"), "course"),
        (occ("KURSUS"), "course"),
        (occ("Hjemmearbejde"), "home"),
        (occ("Fri"), "off"),
        (occ("Frist for aflevering"), "meeting"),  # "fri" is short: only the whole word
        (occ("Noget", categories=("Ferie",)), "vacation"),  # categories count too
        (occ("Ude af huset hele dagen"), "out"),
        (occ("Borgermøde", busy="WORKINGELSEWHERE"), "home"),
        (occ("Borgermøde", busy="OOF"), "out"),
        (occ("Borgermøde"), "meeting"),
        (occ("Borgermøde", start=local(2026, 12, 1).date(), end=local(2026, 12, 2).date()), "out"),
        # Google and Outlook make all-day events free: only their words count
        (
            occ("Ferie", start=local(2026, 12, 1).date(), end=local(2026, 12, 2).date(),
                transp="TRANSPARENT"),
            "vacation",
        ),
        (
            occ("Fødselsdag", start=local(2026, 12, 1).date(), end=local(2026, 12, 2).date(),
                transp="TRANSPARENT"),
            None,
        ),
    ],
)  # fmt: skip
def test_the_rules_apply_in_order(o: Occurrence, code: str | None) -> None:
    assert classify(o) == code


def test_the_words_are_configurable() -> None:
    words = parse_words("orlov=off; tjenestemøde ude=out")
    assert classify(occ("Orlov"), words) == "off"
    assert classify(occ("Tjenestemøde ude"), words) == "out"
    assert classify(occ("Ferie"), words) == "meeting"  # the built-in list is replaced
    with pytest.raises(ValueError, match="rule 1: unknown code 'holiday'"):
        parse_words("ferie=holiday")
    with pytest.raises(ValueError, match="rule 2 must be word=code"):
        parse_words("ferie=vacation; kursus")


# --- Exchange --------------------------------------------------------------------------------


def test_exchange_weekly_meeting_with_one_moved_and_one_cancelled_occurrence() -> None:
    feed = read(exchange(*weekly_with_moved_and_cancelled()))
    starts = [(c.code, c.start, c.until - c.start) for c in feed.codes]
    hour = timedelta(hours=1)
    assert starts == [
        ("meeting", local(2026, 11, 30, 10), hour),
        ("meeting", local(2026, 12, 8, 14), hour),  # the moved one
        ("meeting", local(2026, 12, 21, 10), hour),  # 14 Dec is cancelled
        ("meeting", local(2026, 12, 28, 10), hour),
    ]
    assert len({c.key for c in feed.codes}) == 4


def test_exchange_statuses_and_a_private_appointment() -> None:
    feed = read(
        exchange(
            event("oof", "20261201T080000", "20261201T160000", "Borgermøde i Aarhus", busy="OOF"),
            event("else", "20261202T080000", "20261202T160000", "Arbejde", busy="WORKINGELSEWHERE"),
            event("free", "20261203T080000", "20261203T090000", "Ferie", busy="FREE"),
            event("tent", "20261203T100000", "20261203T110000", "Møde", busy="TENTATIVE"),
            event(
                "priv", "20261204T120000", "20261204T130000", "Tandlæge", extra=["CLASS:PRIVATE"]
            ),
        )
    )
    assert [(c.code, c.start.hour) for c in feed.codes] == [
        ("out", 8),
        ("home", 8),
        ("private", 12),
    ]


def test_a_windows_zone_name_without_its_definition_is_understood() -> None:
    data = exchange(
        event("w", "20261201T100000", "20261201T110000", "Møde", tz="W. Europe Standard Time")
    )
    (code,) = read(data).codes
    assert code.start == local(2026, 12, 1, 10) and code.start.utcoffset() == timedelta(hours=1)


# --- Google ----------------------------------------------------------------------------------


def test_google_all_day_holiday_week_is_local_days() -> None:
    holiday = event(
        "hol", "20261207", "20261212", "Ferie", tz=None, busy=None, extra=["TRANSP:TRANSPARENT"]
    )
    (code,) = read(google(holiday)).codes
    assert code.code == "vacation"
    assert code.start == local(2026, 12, 7) and code.until == local(2026, 12, 12)


def test_google_utc_times_and_floating_times_with_x_wr_timezone() -> None:
    data = google(
        event("utc", "20261201T090000Z", "20261201T100000Z", "Kursus", tz=None, busy=None),
        event("float", "20261202T090000", "20261202T100000", "Møde", tz=None, busy=None),
    )
    first, second = read(data).codes
    assert first.code == "course" and first.start == local(2026, 12, 1, 10)
    assert second.code == "meeting" and second.start == local(2026, 12, 2, 9)  # local time


def test_over_midnight_and_over_the_october_clock_change() -> None:
    data = google(
        event("night", "20261201T230000", "20261202T010000", "Vagt", tz="Europe/Copenhagen"),
        # 25 Oct 2026: 03:00 summer time becomes 02:00 winter time
        event("dst", "20261024T220000", "20261025T040000", "Natkursus", tz="Europe/Copenhagen"),
        event("day", "20261025", "20261026", "Fri", tz=None),
    )
    feed = read(data, local(2026, 10, 20), local(2026, 12, 31))
    by_code = {c.code: c for c in feed.codes}
    night = by_code["meeting"]
    assert night.until - night.start == timedelta(hours=2)
    dst = by_code["course"]
    assert dst.until.astimezone(UTC) - dst.start.astimezone(UTC) == timedelta(hours=7)
    day = by_code["off"]
    assert day.until.astimezone(UTC) - day.start.astimezone(UTC) == timedelta(hours=25)


def test_only_the_window_is_expanded() -> None:
    data = exchange(
        event("daily", "20200101T100000", "20200101T103000", "Morgenmøde",
              extra=["RRULE:FREQ=DAILY"]),
    )  # fmt: skip
    feed = read(data, local(2026, 12, 1), local(2026, 12, 3))
    assert [c.start for c in feed.codes] == [local(2026, 12, 1, 10), local(2026, 12, 2, 10)]


# --- what is kept, and bad input -------------------------------------------------------------


def test_summary_description_location_attendees_are_never_kept() -> None:
    feed = read(exchange(event("x", "20261201T100000", "20261201T110000", "Lægebesøg Kræft")))
    kept = repr(feed)
    for secret in ("Lægebesøg", "Kræft", "Dagsorden", "Mødelokale", "Anne", "anne@"):
        assert secret not in kept


def test_events_without_end_with_end_before_start_or_unknown_zone_are_skipped_and_counted() -> None:
    feed = read(
        exchange(
            event("ok", "20261201T100000", "20261201T110000", "Møde"),
            event("noend", "20261201T120000", None, "Møde"),
            event("backwards", "20261201T150000", "20261201T140000", "Møde"),
            event("mars", "20261201T100000", "20261201T110000", "Møde", tz="Mars/Olympus Mons"),
        )
    )
    assert len(feed.codes) == 1 and feed.skipped == 3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><body>Log ind</body></html>", "ikke en iCalendar"),
        (b"", "ikke en iCalendar"),
        (exchange(event("a", "20261201T100000", "20261201T110000"))[:300], "afkortet|ugyldig"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:nonsense\r\n", "ugyldig|afkortet"),
    ],
)
def test_a_feed_that_is_not_icalendar_or_is_truncated_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        read(data)


def test_folded_lines_and_events_far_outside_the_window() -> None:
    """Single events far from the window are left out before parsing; a folded line (RFC
    5545 3.1) still reads whole."""
    far = event("far", "20250101T100000", "20250101T110000", "Ferie")
    folded = event("fold", "20261201T100000", "20261201T110000", "Sommer").replace(
        "SUMMARY:Sommer", "SUMMARY:Sommer\n ferie\nDESCRIPTION:lang tekst\n  der fortsætter"
    )
    feed = read(exchange(far, folded))
    assert [(c.code, c.start) for c in feed.codes] == [("vacation", local(2026, 12, 1, 10))]
