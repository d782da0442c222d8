"""Polling (issue 15 items 5 and 6): a local HTTP server of iCalendar files that answers 304,
and a real CalDAV server (Radicale); conditional requests, failures kept to their feed,
back-off, bad input named, server-side request forgery refused. Both engines."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from omstilling import orgfile
from omstilling.calendars.feeds import FeedRefused, feed_status, set_feed
from omstilling.calendars.poller import Parser, PollReport, backoff, poll_once
from omstilling.directory import Directory
from omstilling.domain.citizen import inquiry_from
from omstilling.settings import Settings
from omstilling.store import presence as store
from omstilling.store.models import PresenceChange
from omstilling.store.organisation import import_organisation
from tests.calendars.conftest import FeedServer, Radicale
from tests.calendars.ics import event, exchange, google
from tests.conftest import mini_text

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=CPH)  # Monday
WHO, OTHER = "mette-jobcenter", "niels-jobcenter"
MEETING = event("m1", "20261130T100000", "20261130T110000", "Borgermøde")


def settings(**kw: Any) -> Settings:
    base: dict[str, Any] = {
        "calendar_allow_loopback": True,
        "calendar_parse_processes": 0,
        "calendar_timeout_seconds": 1.0,
        "calendar_poll_seconds": 60,
    }
    return Settings(_env_file=None, **{**base, **kw})  # type: ignore[call-arg]


@pytest.fixture
def org_engine(engine: Engine) -> Engine:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="test")
    return engine


def give(engine: Engine, who: str, url: str) -> None:
    set_feed(engine, who, url, actor="test", now=NOW, allow_loopback=True)


def poll(engine: Engine, at: datetime = NOW, **kw: Any) -> PollReport:
    return poll_once(engine, settings(**kw), at)


def code_at(engine: Engine, at: datetime, who: str = WHO) -> str | None:
    with engine.connect() as conn:
        found = store.load_presence(conn, at).active_absence(who, at)
    return found.code if found else None


def test_a_feed_is_read_then_answered_304_while_unchanged(
    org_engine: Engine, feed_server: FeedServer
) -> None:
    give(org_engine, WHO, feed_server.put("/mette.ics", exchange(MEETING)))
    first = poll(org_engine)
    assert (first.due, first.read, first.codes_changed, first.failed) == (1, 1, 1, 0)
    assert code_at(org_engine, NOW + timedelta(hours=2, minutes=30)) == "meeting"
    second = poll(org_engine, NOW + timedelta(minutes=5))
    assert (second.read, second.unchanged) == (0, 1)
    assert feed_server.hits[-1] == ("/mette.ics", 304)
    # a change is read at the next poll
    feed_server.put("/mette.ics", exchange(event("m1", "20261130T130000", "20261130T140000", "X")))
    third = poll(org_engine, NOW + timedelta(minutes=10))
    assert third.read == 1 and feed_server.hits[-1] == ("/mette.ics", 200)
    assert code_at(org_engine, NOW + timedelta(hours=2, minutes=30)) is None
    assert code_at(org_engine, NOW + timedelta(hours=5, minutes=30)) == "meeting"


def test_a_failing_feed_keeps_its_codes_shows_why_and_backs_off_alone(
    org_engine: Engine, feed_server: FeedServer
) -> None:
    give(org_engine, WHO, feed_server.put("/mette.ics", exchange(MEETING)))
    give(org_engine, OTHER, feed_server.put("/niels.ics", exchange(MEETING)))
    poll(org_engine)
    feed_server.put("/mette.ics", b"", status=500)
    report = poll(org_engine, NOW + timedelta(minutes=5))
    assert (report.failed, report.unchanged) == (1, 1)  # Niels's feed went on
    assert report.errors == {WHO: "serverfejl (500)"}
    assert code_at(org_engine, NOW + timedelta(hours=2, minutes=30)) == "meeting"  # kept
    (status,) = feed_status(org_engine, WHO)
    assert status.failing and status.error == "serverfejl (500)" and status.failures == 1
    assert status.next_at is not None and status.ok_at is not None
    # backed off: not tried again before its time, then tried with a longer wait
    assert poll(org_engine, NOW + timedelta(minutes=5, seconds=30)).due == 1
    again = poll(org_engine, NOW + timedelta(minutes=6, seconds=1))
    assert again.failed == 1
    assert feed_status(org_engine, WHO)[0].failures == 2
    assert backoff(1, timedelta(minutes=5)) == timedelta(minutes=5)
    assert backoff(3, timedelta(minutes=5)) == timedelta(minutes=20)
    assert backoff(30, timedelta(minutes=5)) == timedelta(hours=6)


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ({"body": b"<html>Log ind</html>"}, "ikke en iCalendar"),
        ({"body": exchange(MEETING)[:200]}, "afkortet|ugyldig"),
        ({"body": exchange(MEETING) + b" " * 3000}, "større end"),
        ({"status": 302, "location": "http://example.org/x.ics"}, "anden vært"),
        ({"status": 401}, "kræver login"),
        ({"status": 404}, "findes ikke"),
        ({"status": 500}, "serverfejl"),
        ({"body": exchange(MEETING), "delay": 2.5}, "i tide"),
    ],
)
def test_bad_feeds_are_marked_failing_with_a_clear_reason(
    org_engine: Engine, feed_server: FeedServer, route: dict[str, Any], reason: str
) -> None:
    url = feed_server.put("/bad.ics", **route)
    give(org_engine, WHO, url)
    report = poll(org_engine, calendar_max_bytes=2048)
    assert report.failed == 1

    assert re.search(reason, report.errors[WHO]), report.errors
    assert "bad.ics" not in report.errors[WHO]  # never the address


def test_a_redirect_on_the_same_host_is_followed(
    org_engine: Engine, feed_server: FeedServer
) -> None:
    feed_server.put("/new.ics", exchange(MEETING))
    give(org_engine, WHO, feed_server.put("/old.ics", b"", status=301, location="/new.ics"))
    assert poll(org_engine).read == 1


def test_a_feed_on_loopback_is_refused_when_saved_and_when_connecting(
    org_engine: Engine, feed_server: FeedServer
) -> None:
    url = feed_server.put("/mette.ics", exchange(MEETING))
    with pytest.raises(FeedRefused, match="loopback or link-local"):
        set_feed(org_engine, WHO, url, actor="t", now=NOW, allow_loopback=False)
    name = url.replace("127.0.0.1", "localhost")
    with pytest.raises(FeedRefused, match="localhost"):
        set_feed(org_engine, WHO, name, actor="t", now=NOW, allow_loopback=False)
    give(org_engine, WHO, url)  # allowed when saved (tests), then the setting is off
    report = poll(org_engine, calendar_allow_loopback=False)
    assert report.failed == 1 and "denne maskine" in report.errors[WHO]
    assert feed_server.hits == []  # never connected


def test_removing_the_feed_ends_its_codes(org_engine: Engine, feed_server: FeedServer) -> None:
    give(org_engine, WHO, feed_server.put("/mette.ics", exchange(MEETING)))
    poll(org_engine)
    during = NOW + timedelta(hours=2, minutes=30)
    set_feed(org_engine, WHO, None, actor="test", now=during, allow_loopback=True)
    assert code_at(org_engine, during + timedelta(minutes=1)) is None
    assert feed_status(org_engine, WHO) == []


def test_caldav_events_from_a_real_radicale_server(org_engine: Engine, radicale: Radicale) -> None:
    import caldav

    url = radicale.calendar("mette")
    calendar = caldav.DAVClient(url=url).calendar(url=url)
    course = event("c1", "20261201T090000", "20261201T150000", "Kursus i Excel", tz=None, busy=None)
    dentist = event(
        "p1", "20261202T090000", "20261202T100000", "Tandlæge", tz=None, busy=None,
        extra=["CLASS:PRIVATE"],
    )  # fmt: skip
    for vevent in (course, dentist):
        calendar.save_event(google(vevent).decode())
    give(org_engine, WHO, url)
    report = poll(org_engine)
    assert (report.read, report.failed) == (1, 0), report.errors
    assert code_at(org_engine, datetime(2026, 12, 1, 10, tzinfo=CPH)) == "course"
    assert code_at(org_engine, datetime(2026, 12, 2, 9, 30, tzinfo=CPH)) == "private"
    calendar.event_by_uid("c1").delete()
    poll(org_engine, NOW + timedelta(minutes=5))
    assert code_at(org_engine, datetime(2026, 12, 1, 10, tzinfo=CPH)) is None


def test_r1_5_end_to_end_back_at_the_end_of_the_calendars_holiday_never_why(
    org_engine: Engine, feed_server: FeedServer
) -> None:
    """R1.1, R1.5: a holiday booked in her calendar shows within one poll, parsed in a worker
    process; the operator is told she is back on Monday, never why."""
    holiday = event(
        "h1", "20261130", "20261205", "Sommerferie i Thailand", tz=None, busy=None,
        extra=["TRANSP:TRANSPARENT"],
    )  # fmt: skip
    give(org_engine, WHO, feed_server.put("/mette.ics", google(holiday)))
    assert poll(org_engine, calendar_parse_processes=1).read == 1
    at = datetime(2026, 12, 1, 10, tzinfo=CPH)
    advice = Directory(org_engine).advise(inquiry_from(employee=WHO), at).to_json()
    assert advice["absence"]["source"] == "kalender"  # type: ignore[index]
    say = str(advice["say"])
    assert "forventes tilbage mandag den 7. december kl. 9.00" in say
    assert "ferie" not in say.lower() and "thailand" not in str(advice).lower()


def test_a_parser_can_be_shared_between_rounds(org_engine: Engine, feed_server: FeedServer) -> None:
    give(org_engine, WHO, feed_server.put("/mette.ics", exchange(MEETING)))
    parser = Parser(0)
    try:
        assert poll_once(org_engine, settings(), NOW, parser=parser).read == 1
    finally:
        parser.close()


def test_a_poll_makes_the_servers_codes_read_again_only_for_the_changed_feeds(
    org_engine: Engine, feed_server: FeedServer
) -> None:
    """A server keeping the codes in memory reads again only the codes of the feeds whose
    codes a poll changed (the change log), not every code (it stalled advice for seconds
    at 5,000 feeds); an unchanged poll moves nothing."""
    give(org_engine, WHO, feed_server.put("/mette.ics", exchange(MEETING)))
    give(org_engine, OTHER, feed_server.put("/niels.ics", exchange(MEETING)))
    cache = store.PresenceCache(org_engine, max_age=0.0)
    at = NOW + timedelta(hours=2, minutes=30)
    cache.at(at)
    poll(org_engine)
    assert cache.at(at).active_absence(WHO, at) is not None
    assert (cache.loads, cache.updates) == (1, 1)
    with org_engine.connect() as conn:
        version = store.presence_version(conn)
    poll(org_engine, NOW + timedelta(minutes=5))  # both 304
    with org_engine.connect() as conn:
        assert store.presence_version(conn) == version
    feed_server.put("/niels.ics", exchange(event("n1", "20261130T130000", "20261130T140000", "X")))
    poll(org_engine, NOW + timedelta(minutes=10))
    with org_engine.connect() as conn:
        logged = conn.execute(
            select(PresenceChange.employee_id).where(PresenceChange.version > version)
        ).scalars()
        assert list(logged) == [OTHER]
    assert cache.at(at).active_absence(OTHER, at) is None
    assert cache.at(at).active_absence(WHO, at) is not None
    assert (cache.loads, cache.updates) == (1, 2)


def test_a_round_asked_to_stop_reads_no_more_feeds(
    org_engine: Engine, feed_server: FeedServer
) -> None:
    give(org_engine, WHO, feed_server.put("/mette.ics", exchange(MEETING)))
    report = poll_once(org_engine, settings(), NOW, stopping=lambda: True)
    assert (report.due, report.read, report.unchanged, report.failed) == (1, 0, 0, 0)
    assert feed_server.hits == []


def test_a_removed_feed_ends_its_codes_and_this_process_sees_it_at_once(
    org_engine: Engine, feed_server: FeedServer
) -> None:
    """Removing a feed is an organisation edit that ends its codes in the same transaction;
    this process's presence caches are told of it (after the commit, by the edit)."""
    give(org_engine, WHO, feed_server.put("/mette.ics", exchange(MEETING)))
    poll(org_engine)
    cache = store.PresenceCache(org_engine, max_age=3600.0)  # only a notice makes it look
    at = NOW + timedelta(hours=2, minutes=30)
    assert cache.at(at).active_absence(WHO, at) is not None
    set_feed(org_engine, WHO, None, actor="test", now=at, allow_loopback=True)
    assert cache.at(at).active_absence(WHO, at) is None
    assert (cache.loads, cache.updates) == (1, 1)
