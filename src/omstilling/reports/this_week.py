"""This week's hard-to-reach units and people, for the operators' boards (R3.12).

The quarterly report's `hard_to_reach` is for managers; the switchboard follows up
during the week. The same figure (the PBX's transfers, the console's settled
transfers, messages left), from Monday to now in the municipality's time, keeping
the units and people with at least one transfer not answered or a message left.
Read at most every 30 seconds per app (`WeekFigures`): the boards are opened often
and the figure moves slowly.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from omstilling.domain.kpi import unanswered_share
from omstilling.domain.organisation import Organisation
from omstilling.reports.build import Period, hard_to_reach_between

__all__ = ["SHOWN", "HardToReach", "WeekFigures", "hard_to_reach_this_week"]

SHOWN = 10
TTL_SECONDS = 30.0


@dataclass(frozen=True)
class HardToReach:
    unit: str
    employee: str | None
    name: str  # the person's name, or the unit's
    unit_name: str
    attempts: int
    unanswered: int
    share: float  # unanswered / attempts (0 without attempts)
    messages: int


class WeekFigures:
    """One app's cache of the figure (on app.state): recomputed after TTL_SECONDS, for a
    new week, or for a new organisation snapshot."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._hit: tuple[float, Organisation, str, list[HardToReach]] | None = None

    def get(self, org: Organisation, now: datetime) -> list[HardToReach]:
        week = (now.date() - timedelta(days=now.weekday())).isoformat()
        with self._lock:
            hit = self._hit
        if (
            hit is not None
            and hit[1] is org
            and hit[2] == week
            and time.monotonic() - hit[0] < TTL_SECONDS
        ):
            return hit[3]
        found = hard_to_reach_this_week(self.engine, org, now)
        with self._lock:
            self._hit = (time.monotonic(), org, week, found)
        return found


def hard_to_reach_this_week(engine: Engine, org: Organisation, now: datetime) -> list[HardToReach]:
    """The week's worst first (as the report sorts them), at most SHOWN."""
    monday = now.date() - timedelta(days=now.weekday())
    rows = hard_to_reach_between(engine, Period(monday, now.date()), org)
    found: list[HardToReach] = []
    for r in rows:
        if not (r["unanswered"] or r["messages"]) or r["unit"] not in org.units:
            continue
        person = org.employees.get(r["employee"]) if r["employee"] else None
        unit_name = org.units[r["unit"]].name
        found.append(
            HardToReach(
                unit=r["unit"],
                employee=r["employee"],
                name=person.name if person else unit_name,
                unit_name=unit_name,
                attempts=r["transfer_attempts"],
                unanswered=r["unanswered"],
                share=unanswered_share(r["transfer_attempts"], r["unanswered"]),
                messages=r["messages"],
            )
        )
        if len(found) == SHOWN:
            break
    return found
