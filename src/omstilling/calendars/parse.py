"""Reading an iCalendar feed into codes (issue 15 item 2): `icalendar`, recurrences by
`recurring-ical-events`, `X-WR-TIMEZONE` by `x-wr-timezone`.

Only a window around now is expanded. Windows zone names as Exchange writes them
("Romance Standard Time") are understood by icalendar; a time in a zone nobody knows
is skipped and counted, and so is an event with no end or an end before its start.
A floating time (no zone) is the municipality's local time, and an all-day event its
local days. The summary, categories and class are read here, in memory, by the domain's
rules (`domain.calendar_rules`); what leaves is only codes with from and until.

`read_feed` is a plain function of bytes so that the poller can run it in a process of
its own: parsing is CPU work that must not hold the server's core.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from omstilling.domain.calendar_rules import (
    CalendarCode,
    Occurrence,
    WordRule,
    codes_of,
    parse_words,
)


class FeedError(Exception):
    """The feed cannot be read; the text is shown to the employee and the admin (Danish)."""


@dataclass(frozen=True)
class ParsedFeed:
    codes: list[CalendarCode]
    skipped: int  # events with no end, an end before the start, or an unknown zone


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def _categories(component: Any) -> tuple[str, ...]:
    found = component.get("CATEGORIES")
    if found is None:
        return ()
    items = found if isinstance(found, list) else [found]
    out: list[str] = []
    for item in items:
        cats = getattr(item, "cats", None)
        out += [str(c) for c in cats] if cats is not None else [str(item)]
    return tuple(out)


def _unknown_zone(component: Any) -> bool:
    """A start or end with a TZID that icalendar could not resolve (it is left naive)."""
    for name in ("DTSTART", "DTEND"):
        prop = component.get(name)
        if prop is None or "TZID" not in getattr(prop, "params", {}):
            continue
        value = prop.dt
        if isinstance(value, datetime) and value.tzinfo is None:
            return True
    return False


def _backwards(component: Any) -> bool:
    """An end before its start (recurring-ical-events would swap them)."""
    start, end = component.get("DTSTART"), component.get("DTEND")
    if start is None or end is None or type(start.dt) is not type(end.dt):
        return False
    try:
        return bool(end.dt < start.dt)
    except TypeError:  # one naive, one aware
        return False


def _survey(calendar: Any) -> tuple[set[str], set[str], set[str]]:
    """UIDs that recur, that have no end (a timed start, no DTEND or DURATION), and that
    name an unknown time zone, from the calendar as written."""
    recurring: set[str] = set()
    endless: set[str] = set()
    unknown: set[str] = set()
    for c in calendar.walk("VEVENT"):
        uid = _text(c, "UID")
        if "RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c:
            recurring.add(uid)
        if ("DTEND" not in c and "DURATION" not in c) or _backwards(c):
            endless.add(uid)
        if _unknown_zone(c):
            unknown.add(uid)
    return recurring, endless, unknown


def _moment(value: Any, tz: ZoneInfo) -> datetime | date:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return value
    raise FeedError("en begivenhed har et tidspunkt, der ikke kan læses")


def _occurrences(
    calendar: Any, start: datetime, end: datetime, tz: ZoneInfo
) -> tuple[list[Occurrence], int]:
    recurring, endless, unknown = _survey(calendar)
    skipped_uids = endless | unknown
    out: list[Occurrence] = []
    skipped = 0
    query = recurring_ical_events.of(calendar, skip_bad_series=True)
    for ev in query.between(start, end):
        uid = _text(ev, "UID")
        if uid in skipped_uids:
            skipped += 1
            continue
        rid = ev.get("RECURRENCE-ID")
        recurrence = ""
        if uid in recurring and rid is not None:
            moment = _moment(rid.dt, tz)
            recurrence = (
                moment.astimezone(UTC).isoformat()
                if isinstance(moment, datetime)
                else moment.isoformat()
            )
        dtend = ev.get("DTEND")
        out.append(
            Occurrence(
                uid=uid,
                recurrence=recurrence,
                start=_moment(ev["DTSTART"].dt, tz),
                end=_moment(dtend.dt, tz) if dtend is not None else None,
                summary=_text(ev, "SUMMARY"),
                categories=_categories(ev),
                klass=_text(ev, "CLASS"),
                transp=_text(ev, "TRANSP"),
                status=_text(ev, "STATUS"),
                busy=_text(ev, "X-MICROSOFT-CDO-BUSYSTATUS")
                or _text(ev, "X-MICROSOFT-CDO-INTENDEDSTATUS"),
            )
        )
    return out, skipped


_VTIMEZONE = re.compile(rb"BEGIN:VTIMEZONE\r?\n(.*?)END:VTIMEZONE\r?\n", re.S)
_TZID = re.compile(rb"^TZID:([^\r\n]*)", re.M)


@lru_cache(maxsize=1)
def _iana() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zones_by_name(data: bytes) -> bytes:
    """The feed without the VTIMEZONE definitions of zones known by name (IANA names, and
    Windows names as Exchange writes them): icalendar then uses the zone database, which
    is right and fast, where a definition's yearly rules from 1601 cost about 0.3 s a
    feed to evaluate."""

    def keep(found: re.Match[bytes]) -> bytes:
        tzid = _TZID.search(found.group(1))
        name = tzid.group(1).decode("utf-8", "replace").strip() if tzid else ""
        return b"" if name in WINDOWS_TO_OLSON or name in _iana() else found.group(0)

    return _VTIMEZONE.sub(keep, data)


# Properties never read: dropped before parsing (less to parse, and never in memory long).
_UNREAD = frozenset(
    {b"DESCRIPTION", b"LOCATION", b"ATTENDEE", b"ORGANIZER", b"X-ALT-DESC", b"COMMENT",
     b"CONTACT", b"ATTACH", b"X-MICROSOFT-CDO-APPT-SEQUENCE", b"X-MS-OLK-CONFTYPE"}
)  # fmt: skip
_RECURS = (b"RRULE", b"RDATE", b"RECURRENCE-ID", b"EXRULE")


def _name(line: bytes) -> bytes:
    cut = min((i for i in (line.find(b":"), line.find(b";")) if i >= 0), default=len(line))
    return line[:cut].upper()


def _day(line: bytes) -> bytes:
    value = line.rsplit(b":", 1)[-1].strip()
    return value[:8] if value[:8].isdigit() else b""


def _pruned(data: bytes, first: bytes, last: bytes) -> bytes:
    """The feed without single events wholly outside [first, last] (days YYYYMMDD, with
    a margin for time zones) and without the properties never read. A cheap scan of the
    text: parsing 200 events where 30 matter costs most of a poll."""
    out: list[bytes] = []
    event: list[bytes] | None = None
    for raw in data.replace(b"\r\n", b"\n").split(b"\n"):
        if raw[:1] in (b" ", b"\t"):  # a folded line continues the one before
            target = event if event is not None else out
            if target:
                target[-1] += raw[1:]
            continue
        upper = raw.upper()
        if upper.startswith(b"BEGIN:VEVENT"):
            event = [raw]
            continue
        if event is None:
            out.append(raw)
            continue
        event.append(raw)
        if not upper.startswith(b"END:VEVENT"):
            continue
        names = [_name(line) for line in event]
        starts = [_day(line) for line, n in zip(event, names, strict=True) if n == b"DTSTART"]
        ends = [_day(line) for line, n in zip(event, names, strict=True) if n == b"DTEND"]
        outside = (
            not any(n in _RECURS for n in names)
            and starts
            and starts[0]
            and ((ends and ends[0] and ends[0] < first) or starts[0] > last)
        )
        if not outside:
            out += [line for line, n in zip(event, names, strict=True) if n not in _UNREAD]
        event = None
    if event is not None:
        out += event  # truncated: left for the parser to refuse
    return b"\r\n".join(out)


def _calendar(data: bytes, start: datetime, end: datetime) -> Any:
    head = data.lstrip()[:15].upper()
    if not head.startswith(b"BEGIN:VCALENDAR"):
        raise FeedError("svaret er ikke en iCalendar-kalender")
    if not data.rstrip().upper().endswith(b"END:VCALENDAR"):
        raise FeedError("kalenderen er afkortet (END:VCALENDAR mangler)")
    margin = timedelta(days=2)
    first = f"{start - margin:%Y%m%d}".encode()
    last = f"{end + margin:%Y%m%d}".encode()
    try:
        text = _known_zones_by_name(_pruned(data, first, last))
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise FeedError("kalenderen kan ikke læses (ufuldstændig eller ugyldig)") from exc
    return x_wr_timezone.to_standard(calendar)


def read_feed(
    data: bytes | Iterable[bytes],
    start: datetime,
    end: datetime,
    timezone: str,
    words: str = "",
) -> ParsedFeed:
    """The codes of a feed (or of several calendar objects, as CalDAV gives them) for
    the occurrences that touch [start, end). FeedError when it is no iCalendar."""
    tz = ZoneInfo(timezone)
    rules: tuple[WordRule, ...] = parse_words(words)
    parts = [data] if isinstance(data, bytes) else list(data)
    occurrences: list[Occurrence] = []
    skipped = 0
    for part in parts:
        calendar = _calendar(part, start, end)
        try:
            found, bad = _occurrences(calendar, start, end, tz)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise FeedError("kalenderens begivenheder kan ikke læses") from exc
        occurrences += found
        skipped += bad
    codes, invalid = codes_of(occurrences, tz, rules)
    return ParsedFeed(codes, skipped + invalid)
