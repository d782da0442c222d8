"""The call figures of spec/call-data.md, from counts that add up.

Everything a report shows is a sum of `Counts` (per queue and day, from the
aggregates) turned into rates and means at the very end: a rate of rates would
weigh a quiet day like a busy one. Pure: no I/O, no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta

MAX_WAIT_BUCKET = 600
"""Waiting times are counted per second up to this many seconds..."""
HISTOGRAM_BUCKETS = MAX_WAIT_BUCKET + 2
"""...and one bucket beyond (index 601) for every longer wait."""
SHORT_ABANDON_SECONDS = 5
RETURN_WINDOW_SECONDS = 600
DEFAULT_THRESHOLD = 30

FIGURE_KEYS: tuple[str, ...] = (
    "offered",
    "answered",
    "abandoned",
    "timed_out",
    "incomplete",
    "answer_rate",
    "service_level",
    "asa_seconds",
    "max_wait_seconds",
    "abandon_rate",
    "short_abandons",
    "avg_talk_seconds",
    "returned_to_switchboard",
)


HOURLY_COUNTERS: tuple[str, ...] = (
    "offered",
    "answered",
    "abandoned",
    "timed_out",
    "incomplete",
    "short_abandons",
    "wait_answered_sum",
    "talk_sum",
    "talk_count",
)
"""The additive counters one call record adds to its queue and local hour, named once.

Every place that handles them as a vector follows this order: a record's
contribution at ingestion (`counter_vector`), the columns of `call_stats_hourly`
(these, then `max_wait`), and the report's sums turned back into `Counts`
(`counts_of`). Each name is a field of `Counts` (a test holds them together)."""


_MAXIMA = frozenset({"max_wait"})
"""The one field of `Counts` that combines by maximum; every other one is a sum."""


def counter_vector(**values: int) -> list[int]:
    """A contribution by counter name, laid out in `HOURLY_COUNTERS`' order."""
    unknown = values.keys() - set(HOURLY_COUNTERS)
    if unknown:
        raise ValueError(f"not an hourly counter: {sorted(unknown)}")
    return [values.get(name, 0) for name in HOURLY_COUNTERS]


def counts_of(
    vector: Sequence[int], *, answered_within: int = 0, max_wait: int = 0, returned: int = 0
) -> Counts:
    """`Counts` from a vector in `HOURLY_COUNTERS`' order and the counts kept elsewhere."""
    named = dict(zip(HOURLY_COUNTERS, vector, strict=True))
    return Counts(**named, answered_within=answered_within, max_wait=max_wait, returned=returned)


@dataclass(frozen=True, slots=True)
class Counts:
    """Additive counts for one group of calls (a queue-day, a unit, a week...)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    timed_out: int = 0
    incomplete: int = 0
    short_abandons: int = 0
    answered_within: int = 0  # answered with holdtime <= the threshold
    wait_answered_sum: int = 0
    talk_sum: int = 0
    talk_count: int = 0
    max_wait: int = 0
    returned: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            *(
                max(getattr(self, f.name), getattr(other, f.name))
                if f.name in _MAXIMA
                else getattr(self, f.name) + getattr(other, f.name)
                for f in fields(self)
            )
        )


def total(counts: Iterable[Counts]) -> Counts:
    """The sum of many groups (a quarter has thousands of queue-days: one pass, no copies)."""
    names = [f.name for f in fields(Counts)]
    acc = dict.fromkeys(names, 0)
    for c in counts:
        for name in names:
            value = getattr(c, name)
            acc[name] = max(acc[name], value) if name in _MAXIMA else acc[name] + value
    return Counts(**acc)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def figures(c: Counts) -> dict[str, int | float]:
    """The figures of the spec, in the spec's order. Empty groups give zeros."""
    return {
        "offered": c.offered,
        "answered": c.answered,
        "abandoned": c.abandoned,
        "timed_out": c.timed_out,
        "incomplete": c.incomplete,
        "answer_rate": _ratio(c.answered, c.offered),
        # The citizen's view: a share of everyone who called, not of those answered.
        "service_level": _ratio(c.answered_within, c.offered),
        "asa_seconds": _ratio(c.wait_answered_sum, c.answered),
        "max_wait_seconds": c.max_wait,
        "abandon_rate": _ratio(c.abandoned, c.offered),
        "short_abandons": c.short_abandons,
        "avg_talk_seconds": _ratio(c.talk_sum, c.talk_count),
        "returned_to_switchboard": c.returned,
    }


def service_level_of_answered(c: Counts) -> float:
    """Wazo's view: the share of *answered* calls answered within the threshold."""
    return _ratio(c.answered_within, c.answered)


def wait_bucket(wait_seconds: int) -> int:
    """The histogram bucket of a waiting time: the second, or the overflow bucket."""
    if wait_seconds < 0:
        return 0
    return wait_seconds if wait_seconds <= MAX_WAIT_BUCKET else MAX_WAIT_BUCKET + 1


def answered_within(histogram: Sequence[int], threshold: int) -> int:
    """Answered calls with holdtime <= threshold, from a per-second histogram."""
    if threshold < 0:
        return 0
    return sum(histogram[: min(threshold, MAX_WAIT_BUCKET) + 1])


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_between(start: date, end: date) -> list[str]:
    """Every ISO week touched by the period, in order."""
    out: list[str] = []
    day = start
    while day <= end:
        label = iso_week(day)
        if not out or out[-1] != label:
            out.append(label)
        day += timedelta(days=1)
    return out


_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def quarter_bounds(text: str) -> tuple[date, date]:
    """'2026Q4' (or '2026-Q4') -> (2026-10-01, 2026-12-31), both days included."""
    m = _QUARTER.match(text.strip())
    if not m:
        raise ValueError(f"not a quarter: {text!r}; use the form 2026Q4")
    year, q = int(m.group(1)), int(m.group(2))
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, end - timedelta(days=1)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True, slots=True)
class Targets:
    """Service targets the report measures against (configurable; these are defaults)."""

    service_level: float = 0.80
    threshold_seconds: int = DEFAULT_THRESHOLD
    answer_rate: float = 0.95
    max_abandon_rate: float = 0.05

    def met(self, figs: dict[str, int | float]) -> dict[str, bool]:
        return {
            "service_level": figs["service_level"] >= self.service_level,
            "answer_rate": figs["answer_rate"] >= self.answer_rate,
            "abandon_rate": figs["abandon_rate"] < self.max_abandon_rate,
        }


def unanswered_share(attempts: int, unanswered: int) -> float:
    return _ratio(unanswered, attempts)


# Call data is accepted only from these years: a PBX's log may go back years, but a time
# in 1970 (an "at" of 0), 999 or 9999 is a broken sender, and one stored event outside
# them broke the statistics pages (issue 12).
EARLIEST_CALL = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_CALL = datetime(2100, 1, 1, tzinfo=UTC)
EARLIEST_EPOCH = EARLIEST_CALL.timestamp()
LATEST_EPOCH = LATEST_CALL.timestamp()
CALL_YEARS = "the years 2000-2099"
