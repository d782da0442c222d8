"""What an employee's choice on their own page means as a code and an until (R3.11).

The page offers quick choices (lunch for 30 minutes, working from home), a meeting
until a time today, a vacation through a date (back the morning after), and any code
with an optional date and time. The texts of `ChoiceError` are shown to the employee,
so they are Danish.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from omstilling.domain.presence import CODES

__all__ = ["QUICK", "ChoiceError", "chosen_absence"]

QUICK: dict[str, tuple[str, timedelta | None]] = {
    "lunch30": ("lunch", timedelta(minutes=30)),
    "home": ("home", None),
}


class ChoiceError(ValueError):
    """A choice, time or date the page cannot use; the text is for the employee."""


def chosen_absence(
    choice: str, now: datetime, *, code: str = "", until_time: str = "", until_date: str = ""
) -> tuple[str, datetime | None]:
    """(code, until) for a choice made at `now` (aware, local); until None means unknown."""
    if choice in QUICK:
        quick, length = QUICK[choice]
        return quick, now + length if length else None
    if choice == "meeting":
        return "meeting", at_time(now, until_time)
    if choice == "vacation":
        return "vacation", after_day(now, until_date)
    if choice != "custom" or code not in CODES:
        raise ChoiceError("ukendt valg")
    if not (until_date or until_time):
        return code, None
    if until_date and not until_time:
        return code, after_day(now, until_date)
    return code, at_time(now, until_time, until_date)


def at_time(now: datetime, text: str, day: str = "") -> datetime:
    """ "hh:mm" today (or on `day`, an ISO date), which must still be ahead."""
    try:
        hh, mm = (int(x) for x in text.split(":"))
        on = datetime.fromisoformat(day).date() if day else now.date()
        moment = datetime.combine(on, time(hh, mm), tzinfo=now.tzinfo)
    except ValueError:
        raise ChoiceError("skriv tiden som tt:mm") from None
    if moment <= now:
        raise ChoiceError("tidspunktet er allerede passeret")
    return moment


def after_day(now: datetime, text: str) -> datetime:
    """Away through that date (ISO): back the morning after."""
    try:
        last = datetime.fromisoformat(text).date()
    except ValueError:
        raise ChoiceError("vælg en dato") from None
    if last < now.date():
        raise ChoiceError("datoen er allerede passeret")
    return datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=now.tzinfo)
