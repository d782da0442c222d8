"""R1.3: a call back at the switchboard after the switchboard transferred it.

A switchboard entry is a return when the same call, or the same caller within
`RETURN_WINDOW_SECONDS`, was transferred by the switchboard before it. The
transfer (not the entry) is marked `returned`, so the transfer statistics
count the target that did not answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection

from omstilling.calls.folding import Contribute, touch
from omstilling.calls.legs import SESSION_HORIZON, Rec
from omstilling.calls.models import CallRecord
from omstilling.calls.session import Session
from omstilling.domain.kpi import RETURN_WINDOW_SECONDS


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def load_transfers(conn: Connection, session: Session, entries: list[Rec]) -> None:
    """Bring into memory the stored switchboard transfers of the entries' callers
    (needed when the database holds records around the chunk)."""
    callers = sorted({r.caller for r in entries if r.caller} - set(session.by_caller))
    if not callers:
        return
    lo = min(r.entered for r in entries) - RETURN_WINDOW_SECONDS

    def where(values: list[str]) -> ColumnElement[bool]:
        return (
            CallRecord.caller.in_(values)
            & CallRecord.transfer_target.is_not(None)
            & (CallRecord.transferred_at >= _moment(lo))
            # a transfer comes within a call's life: the entered_at index finds it
            & (CallRecord.entered_at >= _moment(lo - SESSION_HORIZON))
        )

    for rec in session.load(conn, where, callers):
        session.remember(rec)
        session.by_caller.setdefault(rec.caller or "", []).append(rec)


def _transfer_of(session: Session, entry: Rec, switchboard_queues: frozenset[str]) -> Rec | None:
    """The latest earlier switchboard transfer of the same call, else of the same caller."""
    best: Rec | None = None
    for rec in session.calls.get(entry.call_id, []):
        t = rec.transferred_at
        if (
            rec is not entry
            and rec.target is not None
            and rec.queue in switchboard_queues
            and not rec.returned
            and t is not None
            and t <= entry.entered
            and (best is None or t > (best.transferred_at or 0))
        ):
            best = rec
    if best is None and entry.caller:
        for rec in session.by_caller.get(entry.caller, []):
            t = rec.transferred_at
            if (
                rec is not entry
                and not rec.returned
                and t is not None
                and entry.entered - RETURN_WINDOW_SECONDS <= t <= entry.entered
                and (best is None or t > (best.transferred_at or 0))
            ):
                best = rec
    return best


def mark_returns(
    session: Session,
    entries: list[Rec],
    switchboard_queues: frozenset[str],
    touched: list[Rec],
    contribute: Contribute,
) -> None:
    """Mark the transfers that the entries came back from (each at most once)."""
    for entry in entries:
        best = _transfer_of(session, entry, switchboard_queues)
        if best is not None:
            touch(best, touched, contribute)
            best.returned = True
