"""Whether a transfer made in the console was answered, from the PBX's records (R3.12).

An operator's transfer is logged in `console_actions` with the PBX's call id of the
call being served. The PBX's later events for that call say how the transfer went;
`settle` reads the call's records and fills in the action's `answered`:

* the call came back to the switchboard (the transfer is marked returned, or the call
  entered a switchboard queue again after the transfer): not answered (R1.3 counts such
  a transfer as unanswered on the PBX's side too);
* else the call was answered in a queue outside the switchboard after the transfer:
  answered;
* else it was abandoned or timed out in such a queue: not answered;
* else nothing is known yet and `answered` stays empty (a blind transfer to an extension
  that never comes back tells nothing more).

It runs whenever call events are folded into records (live events, queue_log, CDR: every
ingestion path goes through `Ingestor`) and when the console logs an action whose call's
events came first, so the order in which they arrive does not matter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select, update

from omstilling.calls.legs import ABANDONED, ANSWERED, TIMED_OUT, load_context
from omstilling.calls.models import CallRecord
from omstilling.clock import opt_utc, utc
from omstilling.store.account_models import ConsoleAction

__all__ = ["CLOCK_SLACK", "Leg", "settle", "settle_logged", "verdict"]

# The console's clock and the PBX's may differ a little: a leg that began this long
# before the logged action still counts as after it.
CLOCK_SLACK = timedelta(seconds=120)
BATCH = 500


@dataclass(frozen=True)
class Leg:
    """What `verdict` reads of one call record."""

    queue: str
    entered: datetime
    outcome: str
    transferred_at: datetime | None
    returned: bool


def verdict(at: datetime, legs: Sequence[Leg], switchboard: Collection[str]) -> bool | None:
    """Was the transfer logged at `at` answered? None while the records do not say."""
    since = at - CLOCK_SLACK
    for leg in legs:
        if leg.queue in switchboard:
            if leg.returned and leg.transferred_at is not None and leg.transferred_at >= since:
                return False
            if leg.entered > at:  # the call is back at the switchboard
                return False
    later = [g for g in legs if g.queue not in switchboard and g.entered >= since]
    if any(g.outcome == ANSWERED for g in later):
        return True
    if any(g.outcome in (ABANDONED, TIMED_OUT) for g in later):
        return False
    return None


def settle(conn: Connection, call_ids: Collection[str], switchboard: Collection[str]) -> int:
    """Fill in `answered` of the open console transfers of these calls; how many were."""
    ids = sorted({i for i in call_ids if i})
    settled = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        ca = ConsoleAction
        actions = conn.execute(
            select(ca.id, ca.call_id, ca.at).where(
                ca.call_id.in_(batch), ca.action == "transfer", ca.answered.is_(None)
            )
        ).all()
        if not actions:
            continue
        legs: dict[str, list[Leg]] = defaultdict(list)
        r = CallRecord
        for row in conn.execute(
            select(r.call_id, r.queue, r.entered_at, r.outcome, r.transferred_at, r.returned).where(
                r.call_id.in_(sorted({a.call_id for a in actions}))
            )
        ):
            legs[row.call_id].append(
                Leg(
                    row.queue,
                    utc(row.entered_at),
                    row.outcome,
                    opt_utc(row.transferred_at),
                    bool(row.returned),
                )
            )
        for action in actions:
            found = verdict(utc(action.at), legs.get(action.call_id, []), switchboard)
            if found is not None:
                conn.execute(update(ca).where(ca.id == action.id).values(answered=found))
                settled += 1
    return settled


def settle_logged(engine: Engine, call_id: str | None) -> int:
    """After the console logged a transfer: its call's events may have come first."""
    if not call_id:
        return 0
    with engine.begin() as conn:
        return settle(conn, [call_id], load_context(conn).switchboard_queues)
