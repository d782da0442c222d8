"""The `messages` block of the report, and messages per hard-to-reach target.

The messages work (omstilling.messages.stats) owns these figures. Until it is
installed this module answers zeros, so a report never fails for want of it;
once `omstilling.messages.stats.messages_summary` exists it is used as is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

FIGURES = ("taken", "closed", "callbacks_due", "callbacks_on_time", "overdue")


def _full(engine: Engine, start: date, end: date) -> dict[str, Any] | None:
    try:
        from omstilling.messages.stats import messages_summary as summary
    except ImportError:
        return None
    return summary(engine, start, end)


def messages_summary(engine: Engine, start: date, end: date) -> dict[str, int]:
    """taken, closed, callbacks_due, callbacks_on_time, overdue for the period (zeros
    while the messages module is absent)."""
    full = _full(engine, start, end)
    if full is None:
        return dict.fromkeys(FIGURES, 0)
    return {k: int(full.get(k, 0)) for k in FIGURES}


def messages_by_target(engine: Engine, start: date, end: date) -> dict[tuple[str, str | None], int]:
    """Messages taken in the period per (unit, employee); employee None: for the unit
    itself. Empty while the messages module is absent."""
    full = _full(engine, start, end)
    if full is None:
        return {}
    out: dict[tuple[str, str | None], int] = {}
    personal: dict[str, int] = {}
    for e in full.get("employees", []):
        out[(e["unit"], e["employee"])] = int(e["messages"])
        personal[e["unit"]] = personal.get(e["unit"], 0) + int(e["messages"])
    for u in full.get("units", []):
        rest = int(u.get("taken", 0)) - personal.get(u["unit"], 0)
        if rest > 0:
            out[(u["unit"], None)] = rest
    return out
