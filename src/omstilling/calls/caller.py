"""Who is calling: what the switchboard knows of a caller's number (issue 16, R1.3).

Read from what is stored anyway, so it follows the retention of call records,
console actions and messages: earlier calls from the number in the last 30 days
(their queues, whether they were answered, transferred, returned), what the console
logged for them (the errand, where the call was sent), and the number's messages
and promised callbacks that are still open. Only operators see it (the web checks),
and it holds nothing the citizen did not give: a number, an errand as typed (CPR
guarded when it was logged), a name the citizen gave for a message.

`returning` is the strip's flag: a caller transferred by the switchboard within the
last 10 minutes who is back in the queue.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from omstilling.calls.legs import ABANDONED, ANSWERED, TIMED_OUT
from omstilling.calls.models import CallEvent, CallRecord
from omstilling.calls.numbers import NumberIndex
from omstilling.clock import utc
from omstilling.domain.kpi import RETURN_WINDOW_SECONDS
from omstilling.domain.organisation import Organisation
from omstilling.domain.queues import queue_owners
from omstilling.store.account_models import ConsoleAction
from omstilling.store.message_models import MessageRow

__all__ = [
    "HISTORY_DAYS",
    "CallerHistory",
    "EarlierCall",
    "LoggedAction",
    "OpenMessage",
    "Returning",
    "caller_history",
    "caller_of",
    "returning",
]

HISTORY_DAYS = 30
MAX_CALLS = 50  # the panel shows the latest; a number calling more is a switchboard itself
_LEG_SLACK = timedelta(hours=4)  # a call's legs all begin within this of its first


@dataclass(frozen=True)
class LoggedAction:
    at: datetime
    action: str  # as logged: transfer | give_number | take_message | answered
    errand: str
    unit: str | None
    employee: str | None
    task: str | None
    target_name: str | None
    answered: bool | None


@dataclass
class EarlierCall:
    call_id: str
    at: datetime
    queues: list[str] = field(default_factory=list)  # queue names as the organisation says
    answered: bool = False
    transferred_to: str | None = None  # a name when the organisation knows the number
    returned: bool = False  # transferred and back at the switchboard (R1.3)
    actions: list[LoggedAction] = field(default_factory=list)


@dataclass(frozen=True)
class OpenMessage:
    id: int
    taken_at: datetime
    for_name: str
    status: str
    callback_due: datetime


@dataclass
class CallerHistory:
    number: str | None  # E.164; None: the number was withheld
    calls: list[EarlierCall]
    messages: list[OpenMessage]


@dataclass(frozen=True)
class Returning:
    """The caller's last switchboard transfer within the window (R1.3)."""

    at: datetime
    target: str  # a name when known, else the number the PBX gave
    answered: bool | None  # None: the PBX's records do not say
    unit: str | None
    employee: str | None
    task: str | None


_INDEXES: dict[int, tuple[Organisation, NumberIndex]] = {}


def _numbers(org: Organisation) -> NumberIndex:
    """The organisation's number index, built once per snapshot (a new one replaces it)."""
    hit = _INDEXES.get(id(org))
    if hit is None or hit[0] is not org:
        _INDEXES.clear()
        hit = (org, NumberIndex(org))
        _INDEXES[id(org)] = hit
    return hit[1]


def _name(org: Organisation, unit: str | None, employee: str | None) -> str | None:
    if employee and employee in org.employees:
        return org.employees[employee].name
    if unit and unit in org.units:
        return org.units[unit].name
    return None


def target_name(org: Organisation, target: str) -> str:
    owner = _numbers(org).owner(target)
    found = _name(org, owner.unit, owner.employee) if owner else None
    return found or target


def caller_of(conn: Connection, call_id: str) -> tuple[bool, str | None]:
    """(is the call known, its caller's number in E.164 or None when withheld)."""
    r = CallRecord
    row = conn.execute(select(r.caller).where(r.call_id == call_id).limit(1)).first()
    if row is None:
        row = conn.execute(
            select(CallEvent.caller).where(CallEvent.call_id == call_id).limit(1)
        ).first()
    if row is None:
        return False, None
    number = row[0]
    return True, number if number and number.startswith("+") else None


def _actions(
    conn: Connection, org: Organisation, call_ids: list[str]
) -> dict[str, list[LoggedAction]]:
    out: dict[str, list[LoggedAction]] = defaultdict(list)
    ca = ConsoleAction
    for start in range(0, len(call_ids), 500):
        for row in conn.execute(
            select(
                ca.call_id,
                ca.at,
                ca.action,
                ca.errand,
                ca.unit_id,
                ca.employee_id,
                ca.task_id,
                ca.answered,
            )
            .where(ca.call_id.in_(call_ids[start : start + 500]))
            .order_by(ca.at)
        ):
            out[row.call_id].append(
                LoggedAction(
                    utc(row.at),
                    row.action,
                    row.errand,
                    row.unit_id,
                    row.employee_id,
                    row.task_id,
                    _name(org, row.unit_id, row.employee_id),
                    row.answered,
                )
            )
    return out


def caller_history(
    conn: Connection, org: Organisation, number: str | None, *, now: datetime, exclude: str = ""
) -> CallerHistory:
    """The number's calls of the last 30 days (newest first, not `exclude`), their console
    actions, and its open messages."""
    if not number:
        return CallerHistory(None, [], [])
    since = now - timedelta(days=HISTORY_DAYS)
    r = CallRecord
    rows = conn.execute(
        select(
            r.call_id,
            r.queue,
            r.entered_at,
            r.outcome,
            r.transfer_target,
            r.returned,
        )
        .where(r.entered_at >= since, r.caller == number, r.call_id != exclude)
        .order_by(r.entered_at)
    ).all()
    owners = queue_owners(org)
    calls: dict[str, EarlierCall] = {}
    for row in rows:
        call = calls.get(row.call_id)
        if call is None:
            call = calls[row.call_id] = EarlierCall(row.call_id, utc(row.entered_at))
        unit = owners.get(row.queue)
        shown = org.units[unit].name if unit in org.units else row.queue
        if shown not in call.queues:
            call.queues.append(shown)
        call.answered = call.answered or row.outcome == ANSWERED
        if row.transfer_target:
            call.transferred_to = target_name(org, row.transfer_target)
        call.returned = call.returned or bool(row.returned)
    latest = sorted(calls.values(), key=lambda c: c.at, reverse=True)[:MAX_CALLS]
    for call_id, actions in _actions(conn, org, [c.call_id for c in latest]).items():
        calls[call_id].actions = actions
    m = MessageRow
    messages = [
        OpenMessage(
            row.id,
            utc(row.taken_at),
            _name(org, row.unit_id, row.employee_id) or row.unit_id,
            row.status,
            utc(row.callback_due),
        )
        for row in conn.execute(
            select(m.id, m.taken_at, m.unit_id, m.employee_id, m.status, m.callback_due)
            .where(m.caller_phone == number, m.status != "closed")
            .order_by(m.taken_at.desc())
        )
    ]
    return CallerHistory(number, latest, messages)


def returning(
    conn: Connection,
    org: Organisation,
    switchboard: frozenset[str],
    caller: str | None,
    *,
    call_id: str,
    at: datetime,
) -> Returning | None:
    """The switchboard's transfer of this caller (or this call) within the 10 minutes
    before `at`, when there is one: the caller is calling again (R1.3)."""
    if not caller or not switchboard:
        return None
    lo = at - timedelta(seconds=RETURN_WINDOW_SECONDS)
    r = CallRecord
    rows = conn.execute(
        select(r.call_id, r.queue, r.entered_at, r.outcome, r.transfer_target, r.transferred_at)
        .where(
            r.entered_at >= lo - _LEG_SLACK,
            r.entered_at <= at,
            r.caller == caller,
        )
        .order_by(r.entered_at)
    ).all()
    transfers = [
        row
        for row in rows
        if row.queue in switchboard
        and row.transfer_target
        and row.transferred_at is not None
        and lo <= utc(row.transferred_at) <= at
    ]
    if not transfers:
        return None
    last = max(transfers, key=lambda row: utc(row.transferred_at))
    moment = utc(last.transferred_at)
    legs = [
        row
        for row in conn.execute(
            select(r.queue, r.entered_at, r.outcome).where(r.call_id == last.call_id)
        )
        if row.queue not in switchboard and utc(row.entered_at) >= moment - timedelta(seconds=120)
    ]
    answered: bool | None = None
    if any(g.outcome == ANSWERED for g in legs):
        answered = True
    elif any(g.outcome in (ABANDONED, TIMED_OUT) for g in legs):
        answered = False
    logged = _actions(conn, org, [last.call_id]).get(last.call_id, [])
    transfer = next((a for a in reversed(logged) if a.action == "transfer"), None)
    if transfer is not None and transfer.answered is not None and answered is None:
        answered = transfer.answered
    name = transfer.target_name if transfer and transfer.target_name else None
    return Returning(
        at=moment,
        target=name or target_name(org, last.transfer_target),
        answered=answered,
        unit=transfer.unit if transfer else None,
        employee=transfer.employee if transfer else None,
        task=transfer.task if transfer else None,
    )
