"""The citizen's facts (birth day, surname, postcode) and the one CPR guard.

A citizen on the line may tell the operator the day of the month they were born,
their surname and their postcode; case distribution needs one of them (R2.2). This
module reads them from whatever a form, a command line or a JSON body holds, and it
is the only place that decides whether a text holds a CPR number. The CLI, the API,
the console, messages and test calls all ask it, so they refuse the same inputs.

Errors name the field and never repeat what the citizen said: a whole CPR number
must not reach a log, a page or a stored row (R1.5 and the data protection rules).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

from omstilling.domain.errors import Invalid
from omstilling.domain.inquiry import Inquiry, InvalidInquiry

__all__ = [
    "FACTS",
    "CitizenFactError",
    "Fact",
    "HoldsCpr",
    "checked_inquiry",
    "free_text",
    "inquiry_from",
    "looks_like_cpr",
    "read_birth_day",
    "read_postcode",
    "read_surname",
]

Fact = Literal["birth_day", "surname", "postcode"]
FACTS: tuple[Fact, ...] = ("birth_day", "surname", "postcode")

MAX_SURNAME = 100

# A CPR number is DDMMYY and four digits. People write it with a dash, an en or em
# dash, a space, dots or slashes in the date, spaces around the dash, or the date in
# pairs ("03 11 85 1502"). Between any two pairs of digits one separator is allowed:
# a punctuation mark with up to three spaces around it, or up to three spaces.
_SEP = r"(?:\s{0,3}[-./\u2010-\u2015\u2212]\s{0,3}|\s{1,3})?"
# Lookahead so that overlapping candidates are all tried: "99 03 11 85 1506" must be
# caught at "03", though the first candidate starts at "99". Not after a digit or a
# "+" (the rest of a longer or international number), not followed by a digit.
_CANDIDATE = re.compile(
    rf"(?<![0-9+])(?=([0-9]{{2}}){_SEP}([0-9]{{2}}){_SEP}([0-9]{{2}}){_SEP}"
    rf"[0-9]{{2}}{_SEP}[0-9]{{2}}(?![0-9]))"
)
_DIGIT = re.compile(r"[0-9]")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Replacement numbers (erstatningspersonnumre) add 60 to the day.
_REPLACEMENT_DAY_OFFSET = 60


class CitizenFactError(InvalidInquiry):
    """A citizen fact in the wrong form; the message names the field, never the value."""

    def __init__(self, field: Fact, message: str) -> None:
        self.field: Fact = field
        super().__init__(message)


class HoldsCpr(Invalid):
    """A free text that holds a CPR number: refused whole, named by its field, never echoed."""

    cpr = True  # pages that say it in their own words ask for this

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(
            f"{field}: looks like a CPR number; CPR numbers are never stored. Nothing was saved."
        )


def free_text(field: str, value: str | None) -> str:
    """A free text as it may be stored, logged or shown: refused (HoldsCpr) when it holds a
    CPR number. Every free-text field on the way in asks this (the edge), whichever door
    it came through: a form, the API, the CLI, the organisation file."""
    text = value or ""
    if looks_like_cpr(text):
        raise HoldsCpr(field)
    return text


def _plausible_date(day: int, month: int, year: int) -> bool:
    """DDMMYY could be a birth date (the century is unknown, so 29 February is allowed
    in every year divisible by four, 00 included)."""
    if day > _REPLACEMENT_DAY_OFFSET:
        day -= _REPLACEMENT_DAY_OFFSET
    if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]):
        return False
    return not (month == 2 and day == 29 and year % 4 != 0)


def looks_like_cpr(text: str) -> bool:
    """True when `text` holds a CPR number anywhere, in any usual spelling.

    Ten digits grouped like a CPR number whose first six are a plausible date. The
    date keeps phone numbers (eight digits; "+45 86 15 15 15") and case numbers out;
    beyond that the guard leans towards refusing: a harmless number refused costs the
    operator a retype, a CPR number stored breaks the law."""
    if len(text) < 10 or _DIGIT.search(text) is None:  # most texts: names, titles, words
        return False
    for found in _CANDIDATE.finditer(text):
        day, month, year = (int(found.group(i)) for i in (1, 2, 3))
        if _plausible_date(day, month, year):
            return True
    return False


def read_birth_day(value: object) -> int | None:
    """The day of the month (1-31) from a form, an option or JSON; None when not given.

    A whole CPR number (or anything longer than two digits) is refused and never echoed."""
    if value is None or value == "":
        return None
    # bool is an int: a JSON `true` must not pass as day 1.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise CitizenFactError("birth_day", "birth_day: must be a day of the month, 1-31")
    text = str(value).strip()
    if looks_like_cpr(text) or (text.isdigit() and len(text) > 2):
        raise CitizenFactError(
            "birth_day",
            "birth_day: only the day of the month is used (1-31), never a whole CPR number; "
            "nothing was stored",
        )
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 31:
        raise CitizenFactError("birth_day", "birth_day: must be a day of the month, 1-31")
    return int(text)


def read_postcode(value: str | None) -> str | None:
    """A Danish postcode, four digits ("8900", also written "DK-8900"); None when blank."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    digits = text[3:].strip() if text[:3].upper() == "DK-" else text
    if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
        raise CitizenFactError("postcode", "postcode: must be a Danish postcode of four digits")
    return digits


def read_surname(value: str | None) -> str | None:
    """The citizen's surname as said; None when blank. It must hold a letter."""
    if value is None or value.strip() == "":
        return None
    if len(value) > MAX_SURNAME or not any(ch.isalpha() for ch in value):
        raise CitizenFactError("surname", "surname: must be a name")
    return value.strip()


def _subject(text: str | None) -> str | None:
    return (text.strip() or None) if text is not None else None


def inquiry_from(
    *,
    query: str | None = None,
    employee: str | None = None,
    unit: str | None = None,
    task: str | None = None,
    birth_day: object = None,
    surname: str | None = None,
    postcode: str | None = None,
) -> Inquiry:
    """The inquiry from raw inputs, as the CLI, the API and the console receive them.

    Raises CitizenFactError for a fact in the wrong form, InvalidInquiry for a query
    that is only blanks with nothing else asked about. Blank text counts as absent."""
    if query is not None and not query.strip() and not (employee or unit or task):
        raise InvalidInquiry("the query is empty: say what to search for")
    raw = Inquiry(query, employee, unit, task, read_birth_day(birth_day), surname, postcode)
    return checked_inquiry(raw)


def checked_inquiry(inquiry: Inquiry) -> Inquiry:
    """An inquiry made anywhere (the acceptance scenarios build them directly) read by
    the same rules: blank text as absent, the citizen facts checked."""
    return replace(
        inquiry,
        # What the call is about, as typed: searched, never stored, but refused like any
        # free text that holds a CPR number (the console's search refuses it too).
        query=_subject(free_text("query", inquiry.query) if inquiry.query else None),
        employee=_subject(inquiry.employee),
        unit=_subject(inquiry.unit),
        task=_subject(inquiry.task),
        birth_day=read_birth_day(inquiry.birth_day),
        surname=read_surname(inquiry.surname),
        postcode=read_postcode(inquiry.postcode),
    )
