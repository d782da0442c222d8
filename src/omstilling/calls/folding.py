"""Folding a chunk's queue events into call records (one per call and queue, a "leg").

Which leg an event belongs to (`find_leg`) and, for a leg first seen by an
event that is not its entry, when it entered. The fold of one event into its
record is `legs.fold`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omstilling.calls.legs import (
    ABANDONED,
    K_COMPLETE,
    K_ENTER,
    K_RNA,
    K_TRANSFER,
    SESSION_HORIZON,
    TIMED_OUT,
    Ev,
    Rec,
    fold,
)
from omstilling.calls.session import Session

Contribute = Callable[[Rec], Any]


def entry_estimate(e: Ev) -> float:
    """When a call entered the queue, from an event that is not its entry (which
    has not been seen): what the PBX says it waited and talked, before the event."""
    kind = e.kind
    if kind == K_ENTER:
        return e.at
    if kind in (K_COMPLETE, K_TRANSFER):
        return e.at - (e.n1 or 0) - (e.n2 or 0)  # holdtime, then calltime
    if kind == K_RNA:
        return e.at  # n2 is the ring time, not the wait
    return e.at - (e.n1 or 0)  # CONNECT's holdtime; ABANDON's and EXIT*'s waittime


def implied_entry(rec: Rec) -> float:
    """When a leg without its entry entered, by the wait the PBX gave with its answer
    or hang-up (a leg first seen by a ring without answer was dated by the ring)."""
    if rec.wait is not None:
        if rec.answered_at is not None:
            return rec.answered_at - rec.wait
        if rec.ended_at is not None and rec.outcome in (ABANDONED, TIMED_OUT):
            return rec.ended_at - rec.wait
    return rec.entered


def find_leg(legs: list[Rec] | None, e: Ev) -> Rec | None:
    """The leg of the call that the event belongs to; None: a new leg."""
    if not legs:
        return None
    if e.kind == K_ENTER:
        later: Rec | None = None
        for rec in legs:
            if rec.queue != e.queue:
                continue
            if rec.entered == e.at:
                return rec  # a replay
            if rec.has_enter:
                continue
            if abs(rec.entered - e.at) < 1 or abs(implied_entry(rec) - e.at) < 1:
                return rec  # an entry that came after its outcome, dated by the PBX
            if (
                rec.wait is None  # dated by a later event that said nothing of the wait
                and e.at < rec.entered <= e.at + SESSION_HORIZON
                and (later is None or rec.entered < later.entered)
            ):
                later = rec
        return later
    best: Rec | None = None
    for rec in legs:
        if (
            (e.queue is None or rec.queue == e.queue)
            and rec.entered <= e.at + 1
            and (best is None or rec.entered >= best.entered)
        ):
            best = rec
    return best


def touch(rec: Rec, touched: list[Rec], contribute: Contribute) -> None:
    """Mark a stored record as changed by this chunk, keeping what it contributed before."""
    if not rec.touched:
        rec.old = contribute(rec)
        rec.touched = True
        touched.append(rec)


def fold_events(
    session: Session,
    events: list[Ev],
    switchboard_queues: frozenset[str],
    contribute: Contribute,
) -> tuple[list[Rec], list[Rec], int]:
    """Fold queue events into their legs: the legs touched, the switchboard entries
    (candidates for a return, R1.3), and how many legs are new."""
    touched: list[Rec] = []
    entries: list[Rec] = []
    added = 0
    calls, by_caller = session.calls, session.by_caller
    for e in events:
        rec_or_none = find_leg(calls.get(e.call_id), e)
        if rec_or_none is None:
            rec = Rec(e.call_id, e.queue or "", entry_estimate(e), e.source)
            rec.touched = True
            session.remember(rec)
            touched.append(rec)
            added += 1
        else:
            rec = rec_or_none
            if not rec.touched:  # (checked here too: this runs for every event)
                touch(rec, touched, contribute)
            if e.kind == K_ENTER:
                rec.entered = e.at  # the entry itself, not what a later event suggested
        had_target = rec.target is not None
        fold(rec, e)
        if e.kind == K_ENTER and rec.queue in switchboard_queues:
            entries.append(rec)
        if (
            not had_target
            and rec.target is not None
            and rec.queue in switchboard_queues
            and rec.caller
        ):
            by_caller.setdefault(rec.caller, []).append(rec)
    return touched, entries, added
