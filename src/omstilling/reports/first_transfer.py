"""First-transfer resolution: did the switchboard reach the right person at once?

The policy's words (R1.3, R1.6: served at the first call, never sent around) as a
figure. Of the calls the switchboard transferred in the period (by the local time
they entered its queue), the share whose *first* transfer

* did not come back to the switchboard within 10 minutes (the same call, or the
  same caller: spec/call-data.md's returned_to_switchboard), and
* is not known to have gone unanswered: the call was not abandoned or timed out in
  the unit's queue after it, and the console's own log of the transfer (its
  `answered`, filled in from the PBX's events, see calls/settle.py) does not say no.

A transfer the PBX says nothing more about counts as resolved, as R1.3 counts it:
the only sign of a transfer to an extension that went wrong is the caller coming
back. Defined for administrators in docs/guide-admin.md, next to the other figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select

from omstilling.calls.legs import ABANDONED, TIMED_OUT
from omstilling.calls.models import CallRecord
from omstilling.calls.settle import CLOCK_SLACK
from omstilling.clock import utc
from omstilling.domain.organisation import Organisation, municipality_tz
from omstilling.domain.queues import organisation_switchboard_queues
from omstilling.store.account_models import ConsoleAction

__all__ = ["FirstTransfer", "first_transfer", "resolution"]

_SPAN = timedelta(days=1)  # a call's later legs and its console log lie within a day of it


@dataclass(frozen=True)
class FirstTransfer:
    call_id: str
    at: datetime
    returned: bool


def resolution(
    transfers: Iterable[FirstTransfer], unanswered: set[str]
) -> dict[str, int | float | None]:
    """The figure from each call's switchboard transfers (any order; the first counts)."""
    first: dict[str, FirstTransfer] = {}
    for t in transfers:
        seen = first.get(t.call_id)
        if seen is None or t.at < seen.at:
            first[t.call_id] = t
    resolved = sum(1 for t in first.values() if not t.returned and t.call_id not in unanswered)
    n = len(first)
    return {"transferred": n, "resolved": resolved, "rate": resolved / n if n else None}


def first_transfer(
    conn: Connection, start: date, end: date, org: Organisation | None
) -> dict[str, int | float | None]:
    """The period's first-transfer resolution (both days included, local time)."""
    if org is None:
        return resolution([], set())
    switchboard = organisation_switchboard_queues(org)
    tz = municipality_tz(org)
    lo = datetime.combine(start, time(), tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC)
    r = CallRecord
    transfers = [
        FirstTransfer(row.call_id, utc(row.transferred_at), bool(row.returned))
        for row in conn.execute(
            select(r.call_id, r.transferred_at, r.returned).where(
                r.entered_at >= lo,
                r.entered_at < hi,
                r.queue.in_(sorted(switchboard)),
                r.transfer_target.is_not(None),
                r.transferred_at.is_not(None),
            )
        )
    ]
    ids = {t.call_id for t in transfers}
    earliest: dict[str, datetime] = {}
    for t in transfers:
        earliest[t.call_id] = min(t.at, earliest.get(t.call_id, t.at))
    unanswered: set[str] = set()
    for row in conn.execute(
        select(r.call_id, r.entered_at).where(
            r.entered_at >= lo,
            r.entered_at < hi + _SPAN,
            r.queue.not_in(sorted(switchboard)),
            r.outcome.in_((ABANDONED, TIMED_OUT)),
        )
    ):
        # lost in a unit's queue after the first transfer (the clocks may differ a little)
        if row.call_id in ids and utc(row.entered_at) >= earliest[row.call_id] - CLOCK_SLACK:
            unanswered.add(row.call_id)
    ca = ConsoleAction
    said_no: Any = conn.execute(
        select(ca.call_id).where(
            ca.at >= lo,
            ca.at < hi + _SPAN,
            ca.action == "transfer",
            ca.answered.is_(False),
            ca.call_id.is_not(None),
        )
    ).scalars()
    unanswered.update(i for i in said_no if i in ids)
    return resolution(transfers, unanswered)
