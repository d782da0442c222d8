"""The `messages` block of the quarterly report (spec/call-data.md, R1.6, R3.12).

A period is local days, both included. Per unit and in total:

- taken: messages taken in the period;
- closed: messages closed in the period;
- callbacks_due: promises whose due time falls in the period;
- callbacks_on_time: of those, kept by the due time (a callback that reached the
  citizen or resolved the matter, or the message closed: helped another way);
- overdue: of those, broken: kept late, or still owed after the due time passed.

A promise due later than `now` is neither on time nor overdue yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select

from omstilling.clock import utc
from omstilling.domain.organisation import municipality_tz
from omstilling.messages.records import MESSAGES, to_message
from omstilling.store.organisation import load_organisation

FIGURES = ("taken", "closed", "callbacks_due", "callbacks_on_time", "overdue")


def _zero() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def messages_summary(
    engine: Engine, start: date, end: date, *, now: datetime | None = None
) -> dict[str, Any]:
    """{"taken", "closed", "callbacks_due", "callbacks_on_time", "overdue"} for the
    period, plus "units" (the same figures per unit, units without messages left out)
    and "employees" (messages taken per addressee, for the hard-to-reach list)."""
    now = utc(now or datetime.now(UTC))
    with engine.connect() as conn:
        org = load_organisation(conn)
        tz = municipality_tz(org)
        lo = datetime.combine(start, time(), tz).astimezone(UTC)
        hi = datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC)

        def inside(column: Any) -> Any:
            return (column >= lo) & (column < hi)

        rows = conn.execute(
            select(MESSAGES).where(
                or_(
                    inside(MESSAGES.c.taken_at),
                    inside(MESSAGES.c.callback_due),
                    inside(MESSAGES.c.closed_at),
                )
            )
        ).all()

    def within(moment: datetime | None) -> bool:
        return moment is not None and lo <= moment < hi

    total = _zero()
    units: dict[str, dict[str, int]] = {}
    employees: dict[tuple[str, str], int] = {}
    for row in rows:
        m = to_message(row)
        figures = units.setdefault(m.unit, _zero())
        counted: list[str] = []
        if within(m.taken_at):
            counted.append("taken")
            if m.employee:
                employees[(m.unit, m.employee)] = employees.get((m.unit, m.employee), 0) + 1
        if within(m.closed_at):
            counted.append("closed")
        if within(m.callback_due):
            counted.append("callbacks_due")
            kept = m.kept_at
            if kept is not None and kept <= m.callback_due:
                counted.append("callbacks_on_time")
            elif m.callback_due < now:
                counted.append("overdue")
        for figure in counted:
            figures[figure] += 1
            total[figure] += 1

    def unit_name(unit_id: str) -> str:
        return org.units[unit_id].name if org and unit_id in org.units else unit_id

    return {
        **total,
        "units": [
            {"unit": unit_id, "name": unit_name(unit_id), **figures}
            for unit_id, figures in sorted(units.items())
        ],
        "employees": [
            {"unit": unit_id, "employee": employee_id, "messages": n}
            for (unit_id, employee_id), n in sorted(employees.items())
        ],
    }
