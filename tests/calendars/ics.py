"""iCalendar files as Exchange/Outlook and Google publish them, written by the tests."""

from __future__ import annotations

from collections.abc import Iterable

# Exchange writes Windows zone names with a VTIMEZONE that defines them.
ROMANCE = """BEGIN:VTIMEZONE
TZID:Romance Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""


def event(
    uid: str,
    start: str,
    end: str | None,
    summary: str = "",
    *,
    tz: str | None = "Romance Standard Time",
    busy: str | None = "BUSY",
    extra: Iterable[str] = (),
) -> str:
    """One VEVENT; `start`/`end` as 20261201T100000 (in `tz`), ...Z, or a date 20261207."""

    def when(name: str, value: str) -> str:
        if len(value) == 8:
            return f"{name};VALUE=DATE:{value}"
        if value.endswith("Z") or tz is None:
            return f"{name}:{value}"
        return f"{name};TZID={tz}:{value}"

    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", when("DTSTART", start)]
    if end is not None:
        lines.append(when("DTEND", end))
    if summary:
        lines.append(f"SUMMARY:{summary}")
    lines.append("DESCRIPTION:Dagsorden: fortroligt indhold")
    lines.append("LOCATION:Mødelokale 3")
    lines.append("ATTENDEE;CN=Anne Andersen:mailto:anne@randers.dk")
    if busy:
        lines.append(f"X-MICROSOFT-CDO-BUSYSTATUS:{busy}")
    lines += list(extra)
    lines.append("END:VEVENT")
    return "\n".join(lines)


def exchange(*events: str) -> bytes:
    body = "\n".join(
        [
            "BEGIN:VCALENDAR",
            "METHOD:PUBLISH",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            "X-WR-CALNAME:Kalender",
            ROMANCE,
            *events,
            "END:VCALENDAR",
        ]
    )
    return body.replace("\n", "\r\n").encode()


def google(*events: str) -> bytes:
    body = "\n".join(
        [
            "BEGIN:VCALENDAR",
            "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:mette@randers.dk",
            "X-WR-TIMEZONE:Europe/Copenhagen",
            *events,
            "END:VCALENDAR",
        ]
    )
    return body.replace("\n", "\r\n").encode()


def weekly_with_moved_and_cancelled(uid: str = "weekly-1") -> list[str]:
    """A weekly Monday meeting 10-11 from 30 Nov 2026; 7 Dec moved to Tue 8 Dec 14-15,
    14 Dec cancelled (EXDATE)."""
    return [
        event(
            uid,
            "20261130T100000",
            "20261130T110000",
            "Teammøde",
            extra=[
                "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10",
                "EXDATE;TZID=Romance Standard Time:20261214T100000",
            ],
        ),
        event(
            uid,
            "20261208T140000",
            "20261208T150000",
            "Teammøde (flyttet)",
            extra=["RECURRENCE-ID;TZID=Romance Standard Time:20261207T100000"],
        ),
    ]
