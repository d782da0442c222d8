"""The quarterly report's JSON (spec/call-data.md, R1.3, R3.12, R3.13), from the aggregates.

A report reads the aggregates only (a few rows per queue and day), never the
single calls, so it costs the same for a thousand calls as for ten million.
Queues, transfer targets and dialled numbers are mapped to units and employees
here, with the organisation as it is now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from omstilling.calls.aggregates import unpack_histogram
from omstilling.calls.models import (
    CallDirectStats,
    CallRecord,
    CallStatsHourly,
    CallTransferStats,
    CallWaitHistogram,
)
from omstilling.calls.numbers import NumberIndex
from omstilling.domain.kpi import (
    CALL_YEARS,
    DEFAULT_THRESHOLD,
    EARLIEST_CALL,
    HOURLY_COUNTERS,
    LATEST_CALL,
    MAX_WAIT_BUCKET,
    Counts,
    answered_within,
    counts_of,
    figures,
    iso_week,
    quarter_bounds,
    total,
    unanswered_share,
    weeks_between,
)
from omstilling.domain.organisation import Organisation, municipality_tz
from omstilling.domain.queues import queue_owners
from omstilling.errors import Invalid
from omstilling.reports.first_transfer import first_transfer
from omstilling.reports.messages import messages_by_target, messages_summary
from omstilling.reports.quality import quality_summary
from omstilling.store.organisation import load_organisation


class PeriodError(Invalid):
    """A period that cannot be reported; `da` says it on the statistics page."""

    def __init__(self, message: str, da: str = "Perioden kan ikke vises.") -> None:
        self.da = da
        super().__init__(message)


MAX_PERIOD_DAYS = 10 * 365 + 3  # ten years, leap days included


def period_from(
    quarter: str | None,
    first: date | None,
    last: date | None,
    names: tuple[str, str, str] = ("quarter", "from", "to"),
) -> Period:
    """The period a caller asked for: a quarter, or a first and a last day. `names` are how
    the caller spells the three (the CLI's options, the API's parameters) in the errors."""
    q, f, t = names
    if quarter and (first or last):
        raise PeriodError(f"give either {q} or {f}/{t}, not both")
    if quarter:
        try:
            return Period(*quarter_bounds(quarter))
        except ValueError as exc:
            raise PeriodError(f"{q}: {exc}") from None
    if first is None or last is None:
        raise PeriodError(f"give {q} 2026Q4, or {f} and {t} (YYYY-MM-DD)")
    return Period(first, last)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(
                f"the period ends ({self.end}) before it starts ({self.start})",
                "Perioden slutter, før den begynder.",
            )
        # Calls are kept only from these years; a period outside them, or one of centuries,
        # is a typing error, not a report (the year 735 to 5346 answered a report).
        if self.start < EARLIEST_CALL.date() or self.end >= LATEST_CALL.date():
            raise PeriodError(
                f"the period must lie within {CALL_YEARS}", "Vælg en periode i årene 2000-2099."
            )
        if (self.end - self.start).days >= MAX_PERIOD_DAYS:
            raise PeriodError(
                f"the period is longer than {MAX_PERIOD_DAYS // 365} years",
                f"Vælg en periode på højst {MAX_PERIOD_DAYS // 365} år.",
            )


def build_report(
    engine: Engine,
    period: Period,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    organisation: Organisation | None = None,
    measurements: bool = False,
) -> dict[str, Any]:
    """The report of spec/call-data.md. `measurements`: also the period's test calls
    (R1.7) as `service_measurements`, for the HTML and Excel editions; the JSON of
    the spec leaves them out (`omstilling quality summary` and the API give them)."""
    if not 0 <= threshold <= MAX_WAIT_BUCKET:
        raise PeriodError(f"threshold must be 0 to {MAX_WAIT_BUCKET} seconds")
    with engine.connect() as conn:
        org = organisation if organisation is not None else load_organisation(conn)
        data = _read(conn, period, threshold, org)
    report = _assemble(period, threshold, org, data)
    with engine.connect() as conn:
        report["first_transfer"] = first_transfer(conn, period.start, period.end, org)
    report["messages"] = messages_summary(engine, period.start, period.end)
    report["hard_to_reach"] = _hard_to_reach(
        org, data, messages_by_target(engine, period.start, period.end)
    )
    if measurements:
        report[MEASUREMENTS] = quality_summary(engine, period.start, period.end, org)
    return report


MEASUREMENTS = "service_measurements"


def spec_json(report: dict[str, Any]) -> dict[str, Any]:
    """The report as spec/call-data.md gives it (without the test calls)."""
    return {k: v for k, v in report.items() if k != MEASUREMENTS}


@dataclass
class _Data:
    by_queue_day: dict[tuple[str, date], Counts]
    hour_cells: dict[tuple[int, int], list[int]]
    transfers: list[tuple[date, str, int, int, int]]
    direct: list[tuple[str, int, int]]
    console: list[tuple[str | None, str | None, bool | None, bool]]


def _read(conn: Connection, period: Period, threshold: int, org: Organisation | None) -> _Data:
    h = CallStatsHourly
    in_period = h.day.between(period.start, period.end)
    within: dict[tuple[str, date], int] = {}
    hist = CallWaitHistogram
    for queue, day, blob in conn.execute(
        select(hist.queue, hist.day, hist.answered_waits).where(
            hist.day.between(period.start, period.end)
        )
    ):
        within[(queue, day)] = answered_within(unpack_histogram(blob), threshold)
    by_queue_day: dict[tuple[str, date], Counts] = {}
    for row in conn.execute(
        select(
            h.queue,
            h.day,
            func.max(h.max_wait),
            *(func.sum(getattr(h, name)) for name in HOURLY_COUNTERS),
        )
        .where(in_period)
        .group_by(h.queue, h.day)
    ):
        queue, day, max_wait, *sums = row
        day = _as_date(day)
        by_queue_day[(queue, day)] = counts_of(
            [int(x or 0) for x in sums],
            answered_within=within.get((queue, day), 0),
            max_wait=int(max_wait or 0),
        )
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for day, hour, offered, answered in conn.execute(
        select(h.day, h.hour, func.sum(h.offered), func.sum(h.answered))
        .where(in_period)
        .group_by(h.day, h.hour)
    ):
        cell = cells[(_as_date(day).isoweekday(), int(hour))]
        cell[0] += int(offered or 0)
        cell[1] += int(answered or 0)
    transfers = _transfers(conn, period)
    d = CallDirectStats
    direct = [
        (dst, int(c or 0), int(a or 0))
        for dst, c, a in conn.execute(
            select(d.dst, func.sum(d.calls), func.sum(d.answered))
            .where(d.day.between(period.start, period.end))
            .group_by(d.dst)
        )
    ]
    return _Data(by_queue_day, dict(cells), transfers, direct, _console(conn, period, org))


def _transfers(conn: Connection, period: Period) -> list[tuple[date, str, int, int, int]]:
    t = CallTransferStats
    return [
        (_as_date(d), target, int(a), int(u), int(r))
        for d, target, a, u, r in conn.execute(
            select(t.day, t.target, t.attempts, t.unanswered, t.returned).where(
                t.day.between(period.start, period.end)
            )
        )
    ]


def hard_to_reach_between(
    engine: Engine, period: Period, org: Organisation | None
) -> list[dict[str, Any]]:
    """R3.12 for any period from live data, as the report's `hard_to_reach` counts it
    (the PBX's transfers, the console's settled ones, messages), without the rest."""
    with engine.connect() as conn:
        data = _Data({}, {}, _transfers(conn, period), [], _console(conn, period, org))
    return _hard_to_reach(org, data, messages_by_target(engine, period.start, period.end))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _console(
    conn: Connection, period: Period, org: Organisation | None
) -> list[tuple[str | None, str | None, bool | None, bool]]:
    """Transfers logged in the console: (unit, employee, answered, already counted by the PBX).

    A console transfer that carries the PBX's call id of a call the PBX also
    reported as transferred is the same attempt: counted once."""
    try:
        from omstilling.store.account_models import ConsoleAction
    except ImportError:  # the console is not installed
        return []
    tz = municipality_tz(org)
    lo = datetime.combine(period.start, time(), tz).astimezone(UTC)
    hi = datetime.combine(period.end + timedelta(days=1), time(), tz).astimezone(UTC)
    c = ConsoleAction
    rows = conn.execute(
        select(c.unit_id, c.employee_id, c.answered, c.call_id).where(
            c.action == "transfer", c.at >= lo, c.at < hi
        )
    ).all()
    ids = sorted({r.call_id for r in rows if r.call_id})
    pbx: set[str] = set()
    for i in range(0, len(ids), 500):
        pbx.update(
            conn.execute(
                select(CallRecord.call_id).where(
                    CallRecord.call_id.in_(ids[i : i + 500]),
                    CallRecord.transfer_target.is_not(None),
                )
            ).scalars()
        )
    return [(r.unit_id, r.employee_id, r.answered, r.call_id in pbx) for r in rows]


def _returned(numbers: NumberIndex, data: _Data) -> tuple[dict[str, int], dict[str, int], int]:
    """Calls transferred and back at the switchboard (R1.3): by the target's unit, by week
    and in all."""
    by_unit: dict[str, int] = defaultdict(int)
    by_week: dict[str, int] = defaultdict(int)
    total_returned = 0
    for day, target, _attempts, _unanswered, returned in data.transfers:
        total_returned += returned
        by_week[iso_week(day)] += returned
        owner = numbers.owner(target)
        if owner is not None:
            by_unit[owner.unit] += returned
    return by_unit, by_week, total_returned


def _assemble(
    period: Period, threshold: int, org: Organisation | None, data: _Data
) -> dict[str, Any]:
    queue_unit = queue_owners(org)
    numbers = NumberIndex(org)
    returned_by_unit, returned_by_week, returned_total = _returned(numbers, data)

    by_unit: dict[str, list[Counts]] = defaultdict(list)
    by_week: dict[str, list[Counts]] = defaultdict(list)
    unmapped: dict[str, int] = defaultdict(int)
    for (queue, day), counts in data.by_queue_day.items():
        by_week[iso_week(day)].append(counts)
        unit = queue_unit.get(queue)
        if unit is None:
            unmapped[queue] += counts.offered
        else:
            by_unit[unit].append(counts)

    def with_returned(c: Counts, returned: int) -> dict[str, int | float]:
        return figures(c + Counts(returned=returned))

    units_out = []
    if org is not None:
        for u in org.units.values():
            if u.queues or returned_by_unit.get(u.id):
                units_out.append(
                    {
                        "unit": u.id,
                        "name": u.name,
                        **with_returned(total(by_unit.get(u.id, [])), returned_by_unit[u.id]),
                    }
                )
    hour_of_week = [
        {
            "weekday": wd,
            "hour": hr,
            "offered": data.hour_cells.get((wd, hr), [0, 0])[0],
            "answered": data.hour_cells.get((wd, hr), [0, 0])[1],
        }
        for wd in range(1, 8)
        for hr in range(24)
    ]
    direct: dict[tuple[str | None, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for dst, calls, answered in data.direct:
        owner = numbers.owner(dst)
        key = (owner.unit, owner.employee) if owner else (None, None)
        direct[key][0] += calls
        direct[key][1] += answered
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "threshold_seconds": threshold,
        "total": with_returned(total(data.by_queue_day.values()), returned_total),
        "units": units_out,
        "unmapped_queues": [
            {"queue": q, "offered": n} for q, n in sorted(unmapped.items(), key=lambda x: -x[1])
        ],
        "weeks": [
            {"week": w, **with_returned(total(by_week.get(w, [])), returned_by_week[w])}
            for w in weeks_between(period.start, period.end)
        ],
        "hour_of_week": hour_of_week,
        "direct": [
            {
                "unit": unit,
                "employee": employee,
                "calls": c,
                "answered": a,
                "answer_rate": a / c if c else 0.0,
            }
            for (unit, employee), (c, a) in sorted(
                direct.items(), key=lambda x: (x[0][0] is None, x[0][0] or "", x[0][1] or "")
            )
        ],
    }


def _hard_to_reach(
    org: Organisation | None,
    data: _Data,
    messages: dict[tuple[str, str | None], int],
) -> list[dict[str, Any]]:
    """R3.12: units and employees by the share of switchboard transfers not answered."""
    numbers = NumberIndex(org)
    rows: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for _day, target, attempts, unanswered, _returned in data.transfers:
        owner = numbers.owner(target)
        if owner is not None:
            acc = rows[(owner.unit, owner.employee)]
            acc[0] += attempts
            acc[1] += unanswered
    for unit, employee, answered, counted_by_pbx in data.console:
        if unit is None and employee is not None and org and employee in org.employees:
            unit = org.employees[employee].unit
        if unit is None:
            continue
        acc = rows[(unit, employee)]
        if not counted_by_pbx:
            acc[0] += 1
        if answered is False:
            acc[1] += 1
    for key, n in messages.items():
        rows[key][2] += n
    out: list[dict[str, Any]] = [
        {
            "unit": unit,
            "employee": employee,
            "transfer_attempts": a,
            "unanswered": min(u, a) if a else u,
            "messages": m,
        }
        for (unit, employee), (a, u, m) in rows.items()
        if a or m
    ]
    out.sort(
        key=lambda r: (
            -unanswered_share(r["transfer_attempts"], r["unanswered"]),
            -r["unanswered"],
            -r["messages"],
            r["unit"],
            r["employee"] or "",
        )
    )
    return out
