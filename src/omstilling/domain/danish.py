"""Danish formatting: phone numbers, clock times, days, dates and holiday names.

The weekday and month names are defined here and nowhere else (the report reads them
from here too); the other enumerations and their labels are in `domain.labels`.

Pure functions; the current moment is always passed in. The wording follows
spec/advice.md ("What `say` contains"): numbers as "89 15 31 01", times as
"13.00" (callers add "kl."), days as "i dag", "i morgen", otherwise
"onsdag den 2. december", never "i overmorgen".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import phonenumbers

__all__ = [
    "MONTH_NAMES",
    "WEEKDAY_NAMES",
    "WEEKDAY_SHORT",
    "easter_sunday",
    "format_clock",
    "format_date",
    "format_day",
    "format_moment",
    "format_phone",
    "holiday_name",
    "holidays",
    "parse_phone",
    "weekday_name",
]

WEEKDAY_NAMES: tuple[str, ...] = (
    "mandag",
    "tirsdag",
    "onsdag",
    "torsdag",
    "fredag",
    "lørdag",
    "søndag",
)

# "man", "tir", ... "søn": the first three letters, as charts and tables abbreviate them.
WEEKDAY_SHORT: tuple[str, ...] = tuple(name[:3] for name in WEEKDAY_NAMES)

MONTH_NAMES: tuple[str, ...] = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)

# Store bededag was abolished as a public holiday from 2024 on.
_LAST_STORE_BEDEDAG_YEAR = 2023


# --- phone numbers -------------------------------------------------------------


def parse_phone(text: str, region: str = "DK") -> str:
    """Any usual spelling of a phone number -> E.164 ("+4589151234").

    Raises ValueError("invalid phone number '...'") when the text is not a valid number.
    """
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"invalid phone number '{text}'") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"invalid phone number '{text}'")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """E.164 -> the Danish way of writing it.

    "+4589153101" -> "89 15 31 01"; a foreign number in international format
    ("+46 8 123 456 78"). Text that is not a phone number at all is returned
    unchanged, so a display never fails on bad data.
    """
    try:
        number = phonenumbers.parse(e164, "DK")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 45:
        digits = phonenumbers.national_significant_number(number)
        if len(digits) == 8:
            return " ".join(digits[i : i + 2] for i in range(0, 8, 2))
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- times and days ----------------------------------------------------------------


def format_clock(t: datetime | time) -> str:
    """ "13.00", "9.00", "14.30": the hour without a leading zero."""
    return f"{t.hour}.{t.minute:02d}"


def weekday_name(d: date | int) -> str:
    """ "mandag".."søndag"; an int is the ISO weekday 1 (Monday) .. 7 (Sunday)."""
    if isinstance(d, date):
        return WEEKDAY_NAMES[d.weekday()]
    if not 1 <= d <= 7:
        raise ValueError(f"ISO weekday must be 1..7, not {d}")
    return WEEKDAY_NAMES[d - 1]


def format_date(d: date) -> str:
    """ "onsdag den 2. december"."""
    return f"{weekday_name(d)} den {d.day}. {MONTH_NAMES[d.month - 1]}"


def format_day(day: date, today: date) -> str:
    """ "i dag", "i morgen", otherwise the weekday and date (never "i overmorgen")."""
    if isinstance(day, datetime):
        day = day.date()
    if isinstance(today, datetime):
        today = today.date()
    if day == today:
        return "i dag"
    if day == today + timedelta(days=1):
        return "i morgen"
    return format_date(day)


def format_moment(moment: datetime, now: datetime) -> str:
    """ "i dag kl. 13.00", "i morgen kl. 9.00", "onsdag den 2. december kl. 9.00".

    Both should be aware; the local dates are compared in `moment`'s time zone.
    When either is naive, both are taken as local wall times as given.
    """
    if moment.tzinfo is not None and now.tzinfo is not None:
        now = now.astimezone(moment.tzinfo)
    return f"{format_day(moment.date(), now.date())} kl. {format_clock(moment)}"


# --- holidays ----------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Easter Sunday (Gregorian), by the anonymous Gregorian algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def holidays(year: int) -> dict[date, str]:
    """The named days of `year`: Danish public holidays and the usual closing days.

    The usual closing days (juleaftensdag, nytårsaftensdag, grundlovsdag) are not
    public holidays but are named too; a public holiday wins when two coincide.
    The returned dict is shared (cached): do not modify it.
    """
    easter = easter_sunday(year)
    named: dict[date, str] = {
        date(year, 6, 5): "grundlovsdag",
        date(year, 12, 24): "juleaftensdag",
        date(year, 12, 31): "nytårsaftensdag",
    }
    public: list[tuple[date, str]] = [
        (date(year, 1, 1), "nytårsdag"),
        (easter - timedelta(days=3), "skærtorsdag"),
        (easter - timedelta(days=2), "langfredag"),
        (easter, "påskedag"),
        (easter + timedelta(days=1), "2. påskedag"),
        (easter + timedelta(days=39), "kristi himmelfartsdag"),
        (easter + timedelta(days=49), "pinsedag"),
        (easter + timedelta(days=50), "2. pinsedag"),
        (date(year, 12, 25), "1. juledag"),
        (date(year, 12, 26), "2. juledag"),
    ]
    if year <= _LAST_STORE_BEDEDAG_YEAR:
        public.append((easter + timedelta(days=26), "store bededag"))
    named.update(public)
    return named


def holiday_name(d: date) -> str | None:
    """The Danish name of a public holiday or usual closing day, else None."""
    if isinstance(d, datetime):
        d = d.date()
    return holidays(d.year).get(d)


def format_wait(seconds: int) -> str:
    """A wait as the operator reads it: '45 sekunder', '1 minut', '15 minutter'."""
    if seconds < 60:
        return f"{seconds} sekund" if seconds == 1 else f"{seconds} sekunder"
    minutes = -(-seconds // 60)
    return "1 minut" if minutes == 1 else f"{minutes} minutter"
