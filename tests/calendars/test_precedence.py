"""Who wins (issue 15 item 4): a code set by a person or the phone system wins over the
calendar for its period; the calendar never ends a person's code; a person who clears a
calendar code is not made absent again by the next poll; `available` set by hand after
hours wins (R3.4); the operator and the boards see where a code came from. Both engines."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from omstilling import orgfile
from omstilling.calendars.parse import read_feed
from omstilling.directory import Directory
from omstilling.domain.boards import board
from omstilling.domain.citizen import inquiry_from
from omstilling.domain.presence import Presence, reachable_through
from omstilling.store import presence as store
from omstilling.store.calendar_presence import store_codes
from omstilling.store.models import AbsenceRow
from omstilling.store.organisation import import_organisation, load_organisation
from tests.calendars.ics import event, exchange, google
from tests.conftest import mini_text

CPH = ZoneInfo("Europe/Copenhagen")
MON = datetime(2026, 11, 30, 8, 0, tzinfo=CPH)  # Monday 30 November 2026
WHO = "mette-jobcenter"


@pytest.fixture
def org_engine(engine: Engine) -> Engine:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="test")
    return engine


def poll(engine: Engine, data: bytes, now: datetime, who: str = WHO) -> int:
    """What a successful poll of the feed does to presence."""
    window = (now - timedelta(days=1), now + timedelta(days=14))
    feed = read_feed(data, *window, "Europe/Copenhagen")
    return store_codes(engine, who, feed.codes, window=window, now=now)


def presence(engine: Engine, at: datetime) -> Presence:
    with engine.connect() as conn:
        return store.load_presence(conn, at)


def code_at(engine: Engine, at: datetime, who: str = WHO) -> str | None:
    found = presence(engine, at).active_absence(who, at)
    return found.code if found else None


MEETING = event("m1", "20261130T100000", "20261130T110000", "Borgermøde")
ALL_DAY_OUT = event("d1", "20261130", "20261201", "Borgermøde", tz=None)


def test_a_calendar_code_shows_with_its_source(org_engine: Engine) -> None:
    assert poll(org_engine, exchange(MEETING), MON) == 1
    at = MON + timedelta(hours=2, minutes=30)
    found = presence(org_engine, at).active_absence(WHO, at)
    assert found is not None and found.code == "meeting" and found.from_calendar
    assert found.until == datetime(2026, 11, 30, 11, tzinfo=CPH)
    assert poll(org_engine, exchange(MEETING), MON) == 0  # the same feed changes nothing


def test_a_code_set_by_a_person_wins_over_the_calendar_for_its_period(org_engine: Engine) -> None:
    store.set_absence(org_engine, WHO, "home", MON, MON + timedelta(hours=8), actor="m", now=MON)
    poll(org_engine, exchange(MEETING), MON)
    assert code_at(org_engine, MON + timedelta(hours=2, minutes=30)) == "home"


def test_the_calendar_never_ends_a_code_a_person_set(org_engine: Engine) -> None:
    store.set_absence(org_engine, WHO, "sick", MON, None, actor="m", now=MON, source="api")
    poll(org_engine, exchange(MEETING), MON)
    poll(org_engine, exchange(), MON + timedelta(hours=2, minutes=30))  # the meeting went
    with org_engine.connect() as conn:
        row = conn.execute(select(AbsenceRow).where(AbsenceRow.code == "sick")).one()
    assert row.cleared_at is None and row.until is None and row.source == "api"
    assert code_at(org_engine, MON + timedelta(hours=5)) == "sick"


def test_a_person_who_clears_a_calendar_code_is_not_made_absent_again(org_engine: Engine) -> None:
    later = event("m2", "20261201T100000", "20261201T110000", "Borgermøde")
    feed = exchange(ALL_DAY_OUT, later)
    poll(org_engine, feed, MON)
    assert code_at(org_engine, MON + timedelta(hours=1)) == "out"
    back = MON + timedelta(hours=2)  # "I am back early"
    store.clear_absence(org_engine, WHO, now=back)
    poll(org_engine, feed, back + timedelta(minutes=5))
    assert code_at(org_engine, back + timedelta(minutes=10)) is None
    # the calendar's later code is still hers
    assert code_at(org_engine, datetime(2026, 12, 1, 10, 30, tzinfo=CPH)) == "meeting"


def test_a_code_of_her_own_over_a_calendar_code_ends_it_for_good(org_engine: Engine) -> None:
    poll(org_engine, exchange(ALL_DAY_OUT), MON)
    at = MON + timedelta(hours=1)
    store.set_absence(org_engine, WHO, "lunch", at, at + timedelta(minutes=30), actor="m", now=at)
    poll(org_engine, exchange(ALL_DAY_OUT), at + timedelta(minutes=40))
    assert code_at(org_engine, at + timedelta(minutes=45)) is None


def test_r3_4_available_set_by_hand_after_hours_wins(org_engine: Engine) -> None:
    """R3.4: after the unit's phone hours the switchboard transfers to whoever is coded
    available, even when her calendar says she is out all day."""
    poll(org_engine, exchange(ALL_DAY_OUT), MON)
    evening = datetime(2026, 11, 30, 15, 30, tzinfo=CPH)  # Jobcenter closes 14.30 Monday
    store.set_absence(org_engine, WHO, "available", evening, None, actor="m", now=evening)
    with org_engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None
    p = presence(org_engine, evening + timedelta(minutes=5))
    assert p.active_absence(WHO, evening + timedelta(minutes=5)).code == "available"  # type: ignore[union-attr]
    unit = org.employees[WHO].unit
    assert reachable_through(org, p, unit, evening + timedelta(minutes=5)) == (False, [WHO])


def test_the_calendar_follows_moved_shortened_and_removed_events(org_engine: Engine) -> None:
    poll(org_engine, exchange(MEETING, event("m3", "20261202T100000", "20261202T120000", "X")), MON)
    moved = event("m3", "20261203T130000", "20261203T140000", "X")
    at = MON + timedelta(hours=2, minutes=30)  # during the first meeting, which is removed
    poll(org_engine, exchange(moved), at)
    assert code_at(org_engine, at + timedelta(minutes=1)) is None  # ended when it went
    assert code_at(org_engine, datetime(2026, 12, 2, 10, 30, tzinfo=CPH)) is None
    assert code_at(org_engine, datetime(2026, 12, 3, 13, 30, tzinfo=CPH)) == "meeting"


def test_r1_5_the_operator_is_told_when_she_is_back_never_why(org_engine: Engine) -> None:
    """R1.1, R1.5: a holiday week in her calendar; the advice says she is back on Monday
    when the unit opens, the operator sees 'kalender', and nobody hears 'ferie'."""
    holiday = event(
        "hol", "20261130", "20261205", "Ferie på Mallorca", tz=None, busy=None,
        extra=["TRANSP:TRANSPARENT"],
    )  # fmt: skip
    poll(org_engine, google(holiday), MON)
    at = datetime(2026, 12, 2, 10, 0, tzinfo=CPH)
    advice = Directory(org_engine).advise(inquiry_from(employee=WHO), at).to_json()
    assert advice["absence"] == {
        "shown_as": "Ferie",
        "until": "2026-12-05T00:00:00+01:00",
        "source": "kalender",
    }
    assert "mandag den 7. december kl. 9.00" in str(advice["say"])
    assert "ferie" not in str(advice["say"]).lower() and "mallorca" not in str(advice).lower()
    with org_engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None
    rows = [r for _, away in board(org, presence(org_engine, at), at).away for r in away]
    assert [(r.id, r.source) for r in rows] == [(WHO, "kalender")]


def test_r1_1_back_only_when_no_code_holds_her_a_course_after_the_holiday(
    org_engine: Engine,
) -> None:
    """R1.1: a holiday week and then a course on the Monday: she is expected back on
    Tuesday morning, not on the Monday the holiday ends."""
    holiday = event("h", "20261130", "20261205", "Ferie", tz=None, busy=None)
    course = event("c", "20261207T080000", "20261207T160000", "Kursus", tz="Europe/Copenhagen")
    poll(org_engine, google(holiday, course), MON)
    at = datetime(2026, 12, 2, 10, 0, tzinfo=CPH)
    advice = Directory(org_engine).advise(inquiry_from(employee=WHO), at).to_json()
    assert "forventes tilbage tirsdag den 8. december kl. 9.00" in str(advice["say"])
