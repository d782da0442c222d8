"""What call records add to the aggregates, and a chunk's differences.

A record's contribution before the chunk is subtracted and its contribution
after is added, so a call that was `incomplete` in one chunk and `answered` in
the next moves from one counter to the other. (`max_wait` only ever grows,
which is true of the real data; `calls rebuild` recomputes it exactly.)

Counter vectors follow `kpi.HOURLY_COUNTERS` and are made by name; the sums
of a chunk are taken a column at a time per hour (C loops), not a record at a
time, because this runs for every record an import touches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter

from omstilling.calls.legs import ABANDONED, ANSWERED, TIMED_OUT, Ev, Rec, _Clock
from omstilling.domain.kpi import (
    HOURLY_COUNTERS,
    MAX_WAIT_BUCKET,
    SHORT_ABANDON_SECONDS,
    counter_vector,
    wait_bucket,
)

# The outcomes that carry no times, and the answered ones (waits and talk filled in).
_ABANDONED = tuple(counter_vector(offered=1, abandoned=1))
_ABANDONED_SHORT = tuple(counter_vector(offered=1, abandoned=1, short_abandons=1))
_TIMED_OUT = tuple(counter_vector(offered=1, timed_out=1))
_INCOMPLETE = tuple(counter_vector(offered=1, incomplete=1))
_ANSWERED = tuple(counter_vector(offered=1, answered=1))
_ANSWERED_TALKED = tuple(counter_vector(offered=1, answered=1, talk_count=1))
_WAIT_SUM = HOURLY_COUNTERS.index("wait_answered_sum")
_TALK_SUM = HOURLY_COUNTERS.index("talk_sum")
_WIDTH = len(HOURLY_COUNTERS)

TRANSFER_COUNTERS = ("attempts", "unanswered", "returned")
DIRECT_COUNTERS = ("calls", "answered")

HourKey = tuple[str, date, int]
# A record's contribution: (hour key, counter vector, max wait, (queue, day) of its
# histogram, its histogram bucket or None, (day, target, returned) of a transfer or None)
Contrib = tuple[
    HourKey, Sequence[int], int, tuple[str, date], int | None, tuple[date, str, int] | None
]
_VEC, _WAIT, _QDAY, _BUCKET = itemgetter(1), itemgetter(2), itemgetter(3), itemgetter(4)


@dataclass
class Deltas:
    """A chunk's differences to the aggregates, by their keys."""

    # Counters in HOURLY_COUNTERS' order, then the hour's max wait.
    hourly: dict[HourKey, list[int]] = field(default_factory=dict)
    histograms: dict[tuple[str, date], dict[int, int]] = field(default_factory=dict)
    # In TRANSFER_COUNTERS' and DIRECT_COUNTERS' order.
    transfers: dict[tuple[date, str], list[int]] = field(default_factory=dict)
    directs: dict[tuple[date, str], list[int]] = field(default_factory=dict)


def contributor(clock: _Clock, switchboard_queues: frozenset[str]) -> Callable[[Rec], Contrib]:
    """What a record contributes, for one session's clock and switchboard queues (a
    closure: it runs once or twice for every record an import touches)."""

    def contribution(r: Rec) -> Contrib:
        day, hour = clock.local(r.entered)
        o = r.outcome
        wait = r.wait or 0
        bucket = None
        vec: Sequence[int]
        if o == ANSWERED:
            talk = r.talk
            answered = list(_ANSWERED if talk is None else _ANSWERED_TALKED)
            answered[_WAIT_SUM] = wait
            if talk is not None:
                answered[_TALK_SUM] = talk
            vec = answered
            bucket = wait if 0 <= wait <= MAX_WAIT_BUCKET else wait_bucket(wait)
        elif o == ABANDONED:
            short = r.wait is not None and r.wait < SHORT_ABANDON_SECONDS
            vec = _ABANDONED_SHORT if short else _ABANDONED
        elif o == TIMED_OUT:
            vec = _TIMED_OUT
        else:
            vec = _INCOMPLETE
        transfer = None
        if r.target is not None and r.queue in switchboard_queues:
            transfer = (day, r.target, 1 if r.returned else 0)
        return ((r.queue, day, hour), vec, wait, (r.queue, day), bucket, transfer)

    return contribution


def chunk_deltas(
    added: list[Contrib], removed: list[Contrib], direct: list[Ev], clock: _Clock
) -> Deltas:
    deltas = Deltas()
    for sign, contribs in ((1, added), (-1, removed)):
        _hourly(deltas.hourly, sign, contribs)
        _histograms(deltas.histograms, sign, contribs)
        for c in contribs:
            if c[5] is not None:
                day, target, returned = c[5]
                # A transfer whose call came back to the switchboard went unanswered.
                step = {
                    "attempts": sign,
                    "unanswered": sign * returned,
                    "returned": sign * returned,
                }
                _add(deltas.transfers, (day, target), TRANSFER_COUNTERS, step)
    for e in direct:
        day, _ = clock.local(e.at)
        _add(
            deltas.directs,
            (day, e.target or ""),
            DIRECT_COUNTERS,
            {"calls": 1, "answered": e.n1 or 0},
        )
    return deltas


def _add(
    into: dict[tuple[date, str], list[int]],
    key: tuple[date, str],
    names: tuple[str, ...],
    step: dict[str, int],
) -> None:
    """Add counters given by name to the vector (in `names`' order) kept under `key`."""
    acc = into.setdefault(key, [0] * len(names))
    acc[:] = [a + step[n] for a, n in zip(acc, names, strict=True)]


def _hourly(hourly: dict[HourKey, list[int]], sign: int, contribs: list[Contrib]) -> None:
    groups: dict[HourKey, list[Contrib]] = {}
    for c in contribs:
        group = groups.get(c[0])
        if group is None:
            groups[c[0]] = [c]
        else:
            group.append(c)
    for hkey, group in groups.items():
        sums = [sign * sum(column) for column in zip(*map(_VEC, group), strict=True)]
        acc = hourly.get(hkey)
        if acc is None:
            hourly[hkey] = [*sums, max(0, *map(_WAIT, group)) if sign > 0 else 0]
        else:
            acc[:_WIDTH] = map(int.__add__, acc[:_WIDTH], sums)
            if sign > 0:
                acc[_WIDTH] = max(acc[_WIDTH], *map(_WAIT, group))


def _histograms(
    hist: dict[tuple[str, date], dict[int, int]], sign: int, contribs: list[Contrib]
) -> None:
    buckets = Counter(zip(map(_QDAY, contribs), map(_BUCKET, contribs), strict=True))
    for (qday, bucket), n in buckets.items():
        if bucket is not None:
            h = hist.get(qday)
            if h is None:
                h = hist[qday] = {}
            h[bucket] = h.get(bucket, 0) + sign * n
