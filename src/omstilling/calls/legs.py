"""Call legs: the normalised event, the record being folded, and the fold itself.

One record per call and queue ("leg"). `fold` applies one event to its record;
it is order-insensitive for outcomes (answered beats abandoned beats
incomplete), and takes waits from the PBX when it gives them (holdtime,
waittime), else from the timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from omstilling.domain.queues import switchboard_queues
from omstilling.store.models import OrgState, UnitQueue, UnitRow

# Event kinds (what an event does to a record), shared by every source.
K_ENTER, K_CONNECT, K_COMPLETE, K_ABANDON, K_TIMEOUT, K_RNA, K_TRANSFER, K_CDR = range(8)

ANSWERED, ABANDONED, TIMED_OUT, INCOMPLETE = "answered", "abandoned", "timed_out", "incomplete"
_RANK = {INCOMPLETE: 0, TIMED_OUT: 1, ABANDONED: 1, ANSWERED: 2}

# A call's events all arrive within this many seconds of its entry (calls are
# far shorter); older calls leave the session's in-memory map.
SESSION_HORIZON = 4 * 3600
LOOKUP_BATCH = 500


class Ev(NamedTuple):
    """One normalised event. `n1`/`n2`: holdtime/waittime and calltime/ringtime
    where the source gives them (None: derive from timestamps)."""

    key: str
    source: str
    call_id: str
    queue: str | None
    at: float  # epoch seconds, UTC
    type: str
    agent: str | None
    caller: str | None
    data: str
    kind: int
    n1: int | None
    n2: int | None
    target: str | None


@dataclass
class Context:
    """What ingestion needs from the organisation: the time zone and the switchboard's queues."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Copenhagen"))
    switchboard_queues: frozenset[str] = frozenset()


def load_context(conn: Connection) -> Context:
    state = conn.execute(select(OrgState.timezone, OrgState.switchboard)).first()
    if state is None:
        return Context()
    tz = ZoneInfo(state.timezone or "Europe/Copenhagen")
    if not state.switchboard:
        return Context(tz=tz)
    queues: dict[str, list[str]] = {}
    for unit_id, queue in conn.execute(select(UnitQueue.unit_id, UnitQueue.queue)):
        queues.setdefault(unit_id, []).append(queue)
    units = conn.execute(select(UnitRow.id, UnitRow.parent_id)).all()
    return Context(
        tz=tz,
        switchboard_queues=switchboard_queues(
            state.switchboard, ((uid, parent, queues.get(uid, ())) for uid, parent in units)
        ),
    )


class Rec:
    """A call record being folded (mutable; `old` is its contribution before this chunk)."""

    __slots__ = (
        "agent",
        "answered_at",
        "call_id",
        "caller",
        "ended_at",
        "entered",
        "has_enter",
        "id",
        "key_entered",
        "old",
        "outcome",
        "queue",
        "returned",
        "rna",
        "source",
        "stored",
        "talk",
        "target",
        "touched",
        "transferred_at",
        "wait",
    )

    def __init__(self, call_id: str, queue: str, entered: float, source: str) -> None:
        self.id: int | None = None
        self.stored = False  # inserted by this session (its id unknown) ...
        self.key_entered = entered  # ... under this entry time (its entry may move, see fold)
        self.call_id = call_id
        self.queue = queue
        self.entered = entered
        self.caller: str | None = None
        self.agent: str | None = None
        self.outcome = INCOMPLETE
        self.wait: int | None = None
        self.talk: int | None = None
        self.answered_at: float | None = None
        self.ended_at: float | None = None
        self.transferred_at: float | None = None
        self.target: str | None = None
        self.returned = False
        self.rna = 0
        self.has_enter = False
        self.source = source
        self.old: Any = None
        self.touched = False


def _outcome(rec: Rec, outcome: str) -> None:
    if _RANK[outcome] >= _RANK[rec.outcome]:
        rec.outcome = outcome


def fold(rec: Rec, e: Ev) -> None:
    """Apply one event to its record."""
    kind = e.kind
    if kind == K_CONNECT:
        _outcome(rec, ANSWERED)
        rec.answered_at = e.at
        rec.agent = e.agent or rec.agent
        if e.n1 is not None:
            rec.wait = e.n1
        elif rec.wait is None and rec.has_enter:
            rec.wait = max(0, round(e.at - rec.entered))
        if rec.talk is None and rec.ended_at is not None:  # the end came first
            rec.talk = max(0, round(rec.ended_at - e.at))
    elif kind in (K_COMPLETE, K_TRANSFER):
        _outcome(rec, ANSWERED)
        rec.ended_at = e.at
        if e.n1 is not None and rec.wait is None:
            rec.wait = e.n1
        if e.n2 is not None:
            rec.talk = e.n2
        elif rec.answered_at is not None:
            rec.talk = max(0, round(e.at - rec.answered_at))
        elif rec.wait is not None:
            rec.talk = max(0, round(e.at - rec.entered - rec.wait))
        if kind == K_TRANSFER:
            rec.target = e.target
            rec.transferred_at = e.at
    elif kind in (K_ABANDON, K_TIMEOUT):
        _outcome(rec, ABANDONED if kind == K_ABANDON else TIMED_OUT)
        rec.ended_at = e.at
        if rec.outcome != ANSWERED:
            if e.n1 is not None:
                rec.wait = e.n1
            elif rec.has_enter:
                rec.wait = max(0, round(e.at - rec.entered))
    elif kind == K_RNA:
        rec.rna += 1
    elif kind == K_ENTER:
        rec.has_enter = True
        if e.caller:
            rec.caller = e.caller
        if rec.wait is None:  # the entry came after the answer or the hang-up
            if rec.answered_at is not None:
                rec.wait = max(0, round(rec.answered_at - rec.entered))
            elif rec.outcome in (ABANDONED, TIMED_OUT) and rec.ended_at is not None:
                rec.wait = max(0, round(rec.ended_at - rec.entered))


class _Clock:
    """Epoch -> local (day, hour), cached per quarter hour: imports repeat them."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._local: dict[int, tuple[date, int]] = {}

    def local(self, epoch: float) -> tuple[date, int]:
        slot = int(epoch) // 900  # every real UTC offset is a multiple of 15 minutes
        hit = self._local.get(slot)
        if hit is None:
            moment = datetime.fromtimestamp(slot * 900, self.tz)
            hit = (moment.date(), moment.hour)
            self._local[slot] = hit
        return hit


def to_epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite gives back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
