"""Hours engine: OpenStreetMap `opening_hours` expressions evaluated in real time.

opening-hours-py evaluates expressions in Rust, but in local *wall-clock* time:
given a time zone it converts inputs to wall time and back, and across the two
daylight-saving nights that goes wrong (a zero-length open interval at the
missing hour; from the first of two repeated hours `next_change` jumps to the
second, skipping a real hour). It also rejects `datetime.timezone` offsets.

So the library is used here purely as a wall-clock function (no time zone given
to it: naive in, naive out), and this module maps wall time to real instants
itself, segment by segment between the zone's offset changes. The meaning is
simple and the same everywhere: an instant is open when the library says its
local wall time is open. Every internal comparison is made in UTC, because
Python compares two datetimes of the *same* ZoneInfo by wall time, ignoring fold.

All returned datetimes are aware, in the schedule's time zone.
"""

from __future__ import annotations

import bisect
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opening_hours import OpeningHours

from omstilling.domain.danish import WEEKDAY_NAMES, format_clock, holiday_name
from omstilling.domain.errors import Invalid

__all__ = [
    "HoursError",
    "Schedule",
    "compile_schedule",
    "parse_moment",
    "to_local",
    "validate_expression",
]

# The library would otherwise search up to year 9999 for a change that never
# comes (~300 ms for "2020 Mo 09:00-10:00"); with a cap it answers in ~40 µs.
_MAX_INTERVAL_DAYS = 366
# next_change / next_open give up beyond this; the library's cap already bounds one hop.
_HORIZON = timedelta(days=400)
_MAX_HOPS = 2000
_WEEK_CACHE_SIZE = 256

_ERROR_POSITION = re.compile(r"-->\s*\d+:(\d+)")
_ERROR_DETAIL = re.compile(r"^\s*=\s*(.+)$", re.MULTILINE)


class HoursError(Invalid):
    """An invalid hours expression, time zone, country or moment."""


# --- validation and moments ------------------------------------------------------------


def _parser_message(exc: Exception) -> str:
    text = str(exc)
    detail = _ERROR_DETAIL.search(text)
    position = _ERROR_POSITION.search(text)
    message = detail.group(1).strip() if detail else text.splitlines()[0] if text else "error"
    if position:
        message += f" (at character {position.group(1)})"
    return f"invalid opening_hours expression: {message}"


def validate_expression(expression: str) -> str | None:
    """None when `expression` is a valid opening_hours expression, else a one-line message."""
    try:
        OpeningHours(expression)
    except Exception as exc:  # the library raises its own ParserError (not in its stubs)
        return _parser_message(exc)
    return None


def to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment` as an aware datetime in `tz`.

    Aware: converted. Naive: local wall time in `tz`; a time that occurs twice
    (the night summer time ends) is the first of the two, a time that does not
    exist (the night it starts) is the moment an hour later (02:30 -> 03:30+02:00).
    """
    if moment.tzinfo is None:
        # fold=0 gives the first of two repeated times and, for a missing time,
        # the offset from before the change, i.e. the instant an hour later.
        moment = moment.replace(tzinfo=tz, fold=0)
    # Through UTC, since astimezone() to the datetime's own tzinfo is a no-op and
    # would keep a non-existent wall time.
    return moment.astimezone(UTC).astimezone(tz)


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """ "2026-12-01T15:30" or "2026-12-01 15:30", seconds and offset optional -> aware local."""
    cleaned = text.strip()
    if len(cleaned) < 16 or cleaned[10] not in "Tt ":
        raise HoursError(f"invalid moment '{text}': expected YYYY-MM-DDTHH:MM")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise HoursError(f"invalid moment '{text}': expected YYYY-MM-DDTHH:MM") from exc
    return to_local(moment, tz)


# --- time zone offset changes ------------------------------------------------------------


@lru_cache(maxsize=256)
def _offset_changes(tz: ZoneInfo, year: int) -> tuple[datetime, ...]:
    """The UTC instants in `year` at which `tz`'s UTC offset changes (to the second)."""
    start = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())

    def offset(ts: int) -> timedelta | None:
        return datetime.fromtimestamp(ts, UTC).astimezone(tz).utcoffset()

    changes: list[datetime] = []
    day = 86400
    lo, lo_offset = start, offset(start)
    while lo < end:
        hi = min(lo + day, end)
        hi_offset = offset(hi)
        if hi_offset != lo_offset:
            a, b = lo, hi
            while b - a > 1:
                mid = (a + b) // 2
                if offset(mid) == lo_offset:
                    a = mid
                else:
                    b = mid
            if b < end:
                changes.append(datetime.fromtimestamp(b, UTC))
        lo, lo_offset = hi, hi_offset
    return tuple(changes)


def _next_offset_change(tz: ZoneInfo, after: datetime) -> datetime | None:
    """The first offset change strictly after the UTC instant `after` (within two years)."""
    for year in (after.year, after.year + 1):
        changes = _offset_changes(tz, year)
        i = bisect.bisect_right(changes, after)
        if i < len(changes):
            return changes[i]
    return None


# --- the schedule ------------------------------------------------------------------------


def _clock_text(start: time, end: time | None) -> str:
    """ "9.00-17.00"; `end` None means midnight at the end of the day ("24.00")."""
    return f"{format_clock(start)}-{'24.00' if end is None else format_clock(end)}"


WallShape = tuple[tuple[time, time | None], ...]


class Schedule:
    """One compiled hours expression in one time zone. Immutable and thread-safe."""

    __slots__ = ("_oh", "_week_cache", "country", "expression", "timezone", "tz")

    expression: str
    timezone: str
    country: str
    tz: ZoneInfo

    def __init__(
        self, expression: str, timezone: str = "Europe/Copenhagen", country: str = "DK"
    ) -> None:
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise HoursError(f"unknown time zone '{timezone}'") from exc
        try:
            # No time zone: the library works in naive wall-clock time (see module doc).
            oh = OpeningHours(
                expression, country=country, auto_country=False, auto_timezone=False,
                max_interval_days=_MAX_INTERVAL_DAYS,
            )  # fmt: skip
        except Exception as exc:  # ParserError / UnknownCountryError (not in its stubs)
            if "country" in type(exc).__name__.lower():
                raise HoursError(f"unknown country '{country}'") from exc
            raise HoursError(_parser_message(exc)) from exc
        self.expression = expression
        self.timezone = timezone
        self.country = country
        self.tz = tz
        self._oh = oh
        self._week_cache: dict[date, str] = {}

    def __repr__(self) -> str:
        return f"Schedule({self.expression!r}, {self.timezone!r}, {self.country!r})"

    # --- instants ---------------------------------------------------------------------

    def _utc(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.tz, fold=0)
        return at.astimezone(UTC)

    def _wall(self, utc: datetime) -> datetime:
        return utc.astimezone(self.tz).replace(tzinfo=None, fold=0)

    def _open_at_utc(self, utc: datetime) -> bool:
        return self._oh.is_open(self._wall(utc))

    def is_open(self, at: datetime) -> bool:
        """Open at `at` (aware in any zone, or naive local)."""
        return self._oh.is_open(self._wall(self._utc(at)))

    def _next_change_utc(self, utc: datetime) -> datetime | None:
        """The first instant after `utc` at which open-ness flips, as UTC."""
        oh = self._oh
        state = self._open_at_utc(utc)
        horizon = utc + _HORIZON
        current = utc
        for _ in range(_MAX_HOPS):
            local = current.astimezone(self.tz)
            offset = local.utcoffset()
            assert offset is not None
            wall = local.replace(tzinfo=None, fold=0)
            boundary = _next_offset_change(self.tz, current)
            # Wall-clock changes within this segment, skipping closed<->unknown ones.
            while True:
                change = oh.next_change(wall)
                if change is None:
                    break
                instant = (change - offset).replace(tzinfo=UTC)
                if boundary is not None and instant >= boundary:
                    break
                if instant > horizon:
                    return None
                if oh.is_open(change) != state:
                    return instant
                wall = change
            if boundary is None or boundary > horizon:
                return None
            # The wall clock jumps at the offset change; open-ness may flip with it.
            if self._open_at_utc(boundary) != state:
                return boundary
            current = boundary
        return None

    def next_change(self, at: datetime) -> datetime | None:
        """The first moment after `at` when the schedule opens or closes; None if none near."""
        change = self._next_change_utc(self._utc(at))
        return None if change is None else change.astimezone(self.tz)

    def next_open(self, at: datetime) -> datetime | None:
        """The first moment >= `at` when open (`at` itself, local, if open); None if none near."""
        utc = self._utc(at)
        if self._open_at_utc(utc):
            return utc.astimezone(self.tz)
        return self.next_change(utc)

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals [from, to) within [start, end), clipped, in order."""
        lo, hi = self._utc(start), self._utc(end)
        result: list[tuple[datetime, datetime]] = []
        if hi <= lo:
            return result
        state = self._open_at_utc(lo)
        current = lo
        while current < hi:
            change = self._next_change_utc(current)
            stop = hi if change is None or change > hi else change
            if state:
                result.append((current.astimezone(self.tz), stop.astimezone(self.tz)))
            if change is None:
                break
            current, state = change, not state
        return result

    def _day_bounds(self, day: date) -> tuple[datetime, datetime]:
        start = to_local(datetime.combine(day, time()), self.tz)
        end = to_local(datetime.combine(day + timedelta(days=1), time()), self.tz)
        return start, end

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of the local calendar day `day`."""
        return self.open_intervals(*self._day_bounds(day))

    def day_text(self, day: date) -> str:
        """ "9.00-17.00", "8.00-12.00 og 13.00-15.00", "lukket" or "lukket, 2. juledag"."""
        intervals = self.day_intervals(day)
        if not intervals:
            name = holiday_name(day)
            return f"lukket, {name}" if name else "lukket"
        day_end = self._day_bounds(day)[1].astimezone(UTC)
        parts = [
            _clock_text(s.time(), None if e.astimezone(UTC) >= day_end else e.time())
            for s, e in intervals
        ]
        return " og ".join(parts)

    # --- the regular week ---------------------------------------------------------------

    def _wall_shape(self, day: date) -> WallShape:
        """The open intervals of `day` in wall-clock time (the shape, free of DST effects)."""
        oh = self._oh
        wall = datetime.combine(day, time())
        end = wall + timedelta(days=1)
        state = oh.is_open(wall)
        shape: list[tuple[time, time | None]] = []
        start = wall
        while wall < end:
            change = oh.next_change(wall)
            if change is None or change >= end:
                if state:
                    shape.append((start.time(), None))
                break
            new_state = oh.is_open(change)
            if new_state != state:
                if state:
                    shape.append((start.time(), change.time()))
                start, state = change, new_state
            wall = change
        return tuple(shape)

    def _regular_shape(self, day: date) -> WallShape:
        """The usual shape of `day`'s weekday near `day`.

        The most common shape of the weekday over five weeks around `day`, named
        holidays and closing days left out, ties going to the nearest week; so a
        public holiday or a closing day never makes the weekday look closed.
        """
        counts: dict[WallShape, int] = {}
        for weeks in (0, -1, 1, -2, 2):
            candidate = day + timedelta(weeks=weeks)
            if holiday_name(candidate) is None:
                shape = self._wall_shape(candidate)
                counts[shape] = counts.get(shape, 0) + 1
        if not counts:
            return self._wall_shape(day)
        best = max(counts.values())
        return next(shape for shape, n in counts.items() if n == best)

    def regular_week(self, at: datetime) -> list[WallShape]:
        """The regular week of `at`, Monday first: each day's usual wall-clock intervals
        (an end of None is midnight). The same week `week_text` describes."""
        local_day = self._utc(at).astimezone(self.tz).date()
        monday = local_day - timedelta(days=local_day.weekday())
        return [self._regular_shape(monday + timedelta(days=i)) for i in range(7)]

    def week_text(self, at: datetime) -> str:
        """The regular week of `at` in Danish, e.g.
        "mandag-onsdag og fredag 9.00-14.30, torsdag 9.00-17.00"; "lukket" if never open.
        """
        local_day = self._utc(at).astimezone(self.tz).date()
        monday = local_day - timedelta(days=local_day.weekday())
        cached = self._week_cache.get(monday)
        if cached is not None:
            return cached
        text = _week_text([self._regular_shape(monday + timedelta(days=i)) for i in range(7)])
        if len(self._week_cache) >= _WEEK_CACHE_SIZE:
            self._week_cache.clear()
        self._week_cache[monday] = text
        return text


def _week_text(shapes: list[WallShape]) -> str:
    """Group weekdays (index 0 = Monday) with identical hours into Danish text."""
    groups: dict[WallShape, list[int]] = {}
    for weekday, shape in enumerate(shapes):
        if shape:
            groups.setdefault(shape, []).append(weekday)
    if not groups:
        return "lukket"
    parts: list[str] = []
    for shape, days in sorted(groups.items(), key=lambda item: item[1][0]):
        runs: list[list[int]] = []
        for d in days:
            if runs and runs[-1][-1] == d - 1:
                runs[-1].append(d)
            else:
                runs.append([d])
        names = [
            WEEKDAY_NAMES[r[0]] if len(r) == 1 else f"{WEEKDAY_NAMES[r[0]]}-{WEEKDAY_NAMES[r[-1]]}"
            for r in runs
        ]
        hours = " og ".join(_clock_text(s, e) for s, e in shape)
        parts.append(f"{' og '.join(names)} {hours}")
    return ", ".join(parts)


@lru_cache(maxsize=1024)
def compile_schedule(
    expression: str, timezone: str = "Europe/Copenhagen", country: str = "DK"
) -> Schedule:
    """A cached Schedule (schedules are immutable, so one per expression is shared)."""
    return Schedule(expression, timezone, country)
