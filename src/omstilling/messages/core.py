"""Taking a message, its life cycle, the in-app lists, and retention (R1.6, R3.5, R3.6).

The console, the API and the command line all call these functions, so they agree
on what is valid. Every change names its `actor` and is kept in the message's
history. Nothing here repeats the caller's details in an error: a text that looks
like a CPR number is refused without echoing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, func, select

from omstilling.clock import utc
from omstilling.domain import danish
from omstilling.domain.callbacks import (
    OPEN_STATUSES,
    OUTCOMES,
    STATUSES,
    Message,
    Outcome,
    Status,
    callback_sentence,
    default_due,
    next_status,
    related_units,
)
from omstilling.domain.citizen import looks_like_cpr
from omstilling.domain.hours import to_local
from omstilling.domain.organisation import Organisation
from omstilling.errors import Conflict, Invalid, NotFound
from omstilling.messages import delivery
from omstilling.messages.records import (
    DELIVERIES,
    EVENTS,
    MESSAGES,
    organisation,
    record_event,
    to_message,
)
from omstilling.settings import Settings
from omstilling.store.presence import load_presence

MAX_NAME = 200
MAX_ABOUT = 300
MAX_TEXT = 4000


class MessageError(Invalid):
    """Invalid input; the message names the field and never repeats its value."""

    def __init__(self, field: str, message: str, *, cpr: bool = False) -> None:
        self.field = field
        self.cpr = cpr  # refused by the CPR guard: pages say so in their own words
        super().__init__(f"{field}: {message}")


class NotInUnit(Conflict, ValueError):
    """R3.6 lets colleagues of the unit take over a message; this one is not."""


def _clean(field: str, value: str | None, *, required: bool, limit: int) -> str:
    text = (value or "").strip()
    if looks_like_cpr(text):
        raise MessageError(
            field,
            "looks like a CPR number; CPR numbers are never stored. Nothing was saved.",
            cpr=True,
        )
    if required and not text:
        raise MessageError(field, "must not be empty")
    if len(text) > limit:
        raise MessageError(field, f"at most {limit} characters")
    return text


def _phone(value: str | None) -> str:
    text = _clean("caller_phone", value, required=True, limit=40)
    try:
        return danish.parse_phone(text)
    except ValueError:
        # parse_phone's message repeats the input; this one does not.
        raise MessageError(
            "caller_phone", "not a phone number (e.g. 12 34 56 78 or +46 8 123 456 78)"
        ) from None


@dataclass(frozen=True)
class NewMessage:
    """What the operator writes down; exactly one of `employee` / `unit`."""

    caller_name: str
    caller_phone: str
    text: str
    employee: str | None = None
    unit: str | None = None
    task: str | None = None
    about: str | None = None
    callback_due: datetime | None = None


@dataclass(frozen=True)
class Listed:
    message: Message
    delivery: str  # sent | pending | failed | none


@dataclass(frozen=True)
class Created:
    message: Message
    say: str


def tz_of(org: Organisation) -> ZoneInfo:
    return ZoneInfo(org.municipality.timezone)


def addressee_name(org: Organisation, message: Message) -> str:
    if message.employee and message.employee in org.employees:
        return org.employees[message.employee].name
    unit = org.units.get(message.unit)
    return unit.name if unit else message.unit


def create_message(
    engine: Engine,
    new: NewMessage,
    *,
    actor: str,
    now: datetime,
    settings: Settings,
    org: Organisation | None = None,
) -> Created:
    """Validate and store a message with its notices queued (not yet sent: run
    `delivery.deliver_pending` after, so a slow mail server never holds up the operator).

    Raises MessageError (422), NotFound (404) for an unknown employee, unit or task."""
    # Every text field is checked for a CPR number before anything is looked up.
    caller_name = _clean("caller_name", new.caller_name, required=True, limit=MAX_NAME)
    text = _clean("text", new.text, required=True, limit=MAX_TEXT)
    about = _clean("about", new.about, required=False, limit=MAX_ABOUT)
    phone = _phone(new.caller_phone)
    if (new.employee is None) == (new.unit is None):
        raise MessageError("employee", "give either employee or unit")
    with engine.begin() as conn:
        org = org or organisation(conn)
        if new.employee is not None:
            if new.employee not in org.employees:
                raise NotFound("employee", new.employee)
            unit_id = org.employees[new.employee].unit
        else:
            assert new.unit is not None
            if new.unit not in org.units:
                raise NotFound("unit", new.unit)
            unit_id = new.unit
        if new.task is not None:
            if new.task not in org.tasks:
                raise NotFound("task", new.task)
            about = about or org.tasks[new.task].name
        due = new.callback_due or default_due(org, unit_id, now)
        if due.tzinfo is None:
            raise MessageError("callback_due", "must carry a time zone")
        if due <= now:
            raise MessageError("callback_due", "must be in the future")
        values: dict[str, Any] = {
            "unit_id": unit_id,
            "employee_id": new.employee,
            "caller_name": caller_name,
            "caller_phone": phone,
            "task_id": new.task,
            "about": about,
            "text": text,
            "taken_by": actor,
            "taken_at": utc(now),
            "callback_due": utc(due),
            "status": "new",
            "updated_at": utc(now),
        }
        ident = int(conn.execute(MESSAGES.insert().values(**values)).inserted_primary_key[0])  # type: ignore[index]
        record_event(conn, ident, "created", actor=actor, now=now)
        message = to_message(conn.execute(select(MESSAGES).where(MESSAGES.c.id == ident)).one())
        presence = load_presence(conn, now)
        delivery.queue_new(conn, org, presence, message, settings=settings, now=now)
    due_local = to_local(message.callback_due, tz_of(org))
    return Created(message, callback_sentence(addressee_name(org, message), due_local, now))


def _load(conn: Connection, message_id: int, *, lock: bool = False) -> Message:
    query = select(MESSAGES).where(MESSAGES.c.id == message_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("message", str(message_id))
    return to_message(row)


def get_message(engine: Engine, message_id: int) -> Listed:
    """One message with how its mail notice stands."""
    with engine.connect() as conn:
        message = _load(conn, message_id)
        return Listed(message, delivery.states(conn, [message_id]).get(message_id, "none"))


@dataclass(frozen=True)
class Change:
    """A PATCH: any of status (with an outcome when called back), a new addressee (take
    over, R3.6) and a new due time."""

    status: Status | None = None
    outcome: Outcome | None = None
    employee: str | None = None
    callback_due: datetime | None = None


def update_message(
    engine: Engine,
    message_id: int,
    change: Change,
    *,
    actor: str,
    now: datetime,
    org: Organisation | None = None,
) -> Message:
    """Apply a change; raises NotFound, NotInUnit, MessageError, InvalidTransition."""
    if change.status is not None and change.status not in STATUSES:
        raise MessageError("status", f"one of {', '.join(STATUSES)}")
    if change.outcome is not None and change.outcome not in OUTCOMES:
        raise MessageError("outcome", f"one of {', '.join(OUTCOMES)}")
    with engine.begin() as conn:
        org = org or organisation(conn)
        msg = _load(conn, message_id, lock=True)
        values: dict[str, Any] = {}
        if change.employee is not None and change.employee != msg.employee:
            take_over_check(org, msg, change.employee)
            values["employee_id"] = change.employee
            record_event(
                conn, msg.id, "taken_over", actor=actor, now=now,
                detail=f"{msg.employee or msg.unit} -> {change.employee}",
            )  # fmt: skip
        if change.callback_due is not None:
            if msg.status == "closed":
                raise MessageError("callback_due", "the message is closed")
            if change.callback_due.tzinfo is None or change.callback_due <= now:
                raise MessageError("callback_due", "must be in the future")
            values["callback_due"] = utc(change.callback_due)
            # A new promise gets its own escalation if that one is broken too.
            values["escalated_at"] = None
            record_event(
                conn, msg.id, "due_changed", actor=actor, now=now,
                detail=utc(change.callback_due).isoformat(timespec="minutes"),
            )  # fmt: skip
        wanted = change.status
        if wanted is None and change.outcome is not None:
            wanted = "called_back"
        if wanted is not None:
            status = next_status(msg.status, wanted, change.outcome)
            values["status"] = status
            if change.outcome is not None:
                values["outcome"] = change.outcome
                record_event(conn, msg.id, "called_back", actor=actor, now=now,
                             detail=change.outcome)  # fmt: skip
                if change.outcome != "not_reached" and msg.callback_done_at is None:
                    values["callback_done_at"] = utc(now)
            if status == "closed":
                values["closed_at"] = utc(now)
                record_event(conn, msg.id, "closed", actor=actor, now=now)
            elif status != msg.status and status == "seen":
                record_event(conn, msg.id, "seen", actor=actor, now=now)
        if values:
            values["updated_at"] = utc(now)
            conn.execute(MESSAGES.update().where(MESSAGES.c.id == msg.id).values(**values))
        if values.get("status") == "closed":
            delivery.cancel_pending(conn, msg.id)
        return _load(conn, msg.id)


def take_over_check(org: Organisation, msg: Message, employee_id: str) -> None:
    if employee_id not in org.employees:
        raise NotFound("employee", employee_id)
    if msg.status == "closed":
        raise NotInUnit("the message is closed")
    if not related_units(org, org.employees[employee_id].unit, msg.unit):
        raise NotInUnit(
            f"employee: '{employee_id}' is not in the unit '{msg.unit}' and cannot take over "
            "its message"
        )


def take_over(
    engine: Engine, message_id: int, employee_id: str, *, actor: str, now: datetime
) -> Message:
    """Anyone in the unit may take over a colleague's message (R3.6)."""
    return update_message(engine, message_id, Change(employee=employee_id), actor=actor, now=now)


# --- lists and counts ---------------------------------------------------------------------


def _units_under(org: Organisation, unit_id: str) -> list[str]:
    if unit_id not in org.units:
        raise NotFound("unit", unit_id)
    return [unit_id, *(u.id for u in org.descendants(unit_id))]


def _filtered(
    conn: Connection,
    org: Organisation,
    *,
    employee: str | None,
    unit: str | None,
    status: str,
    overdue: bool,
    now: datetime,
) -> Any:
    query = select(MESSAGES)
    if employee is not None:
        if employee not in org.employees:
            raise NotFound("employee", employee)
        query = query.where(MESSAGES.c.employee_id == employee)
    if unit is not None:
        query = query.where(MESSAGES.c.unit_id.in_(_units_under(org, unit)))
    if status == "open":
        query = query.where(MESSAGES.c.status.in_(OPEN_STATUSES))
    elif status != "all":
        if status not in STATUSES:
            raise MessageError("status", f"one of {', '.join(STATUSES)}, open or all")
        query = query.where(MESSAGES.c.status == status)
    if overdue:
        query = query.where(
            MESSAGES.c.status.in_(OPEN_STATUSES),
            MESSAGES.c.callback_done_at.is_(None),
            MESSAGES.c.callback_due < utc(now),
        )
    return query


def list_messages(
    engine: Engine,
    *,
    now: datetime,
    employee: str | None = None,
    unit: str | None = None,
    status: str = "open",
    overdue: bool = False,
    org: Organisation | None = None,
    limit: int = 500,
) -> list[Listed]:
    """Messages for an employee and/or a unit (with the teams below it), the soonest due
    first. `status`: new, seen, called_back, closed, open (not closed) or all."""
    with engine.connect() as conn:
        org = org or organisation(conn)
        query = _filtered(
            conn, org, employee=employee, unit=unit, status=status, overdue=overdue, now=now
        )
        rows = conn.execute(
            query.order_by(MESSAGES.c.callback_due, MESSAGES.c.id).limit(limit)
        ).all()
        messages = [to_message(r) for r in rows]
        states = delivery.states(conn, [m.id for m in messages])
    return [Listed(m, states.get(m.id, "none")) for m in messages]


def message_counts(
    engine: Engine,
    *,
    now: datetime,
    employee: str | None = None,
    unit: str | None = None,
    org: Organisation | None = None,
) -> dict[str, int]:
    """Open messages by status, and how many are overdue: the badge in the console and
    on the employee page."""
    with engine.connect() as conn:
        org = org or organisation(conn)
        query = _filtered(
            conn, org, employee=employee, unit=unit, status="open", overdue=False, now=now
        ).subquery()
        counts: dict[str, int] = dict.fromkeys(OPEN_STATUSES, 0)
        for status, n in conn.execute(
            select(query.c.status, func.count()).group_by(query.c.status)
        ):
            counts[status] = int(n)
        overdue = conn.execute(
            select(func.count()).where(
                query.c.callback_done_at.is_(None), query.c.callback_due < utc(now)
            )
        ).scalar_one()
    return {**counts, "open": sum(counts.values()), "overdue": int(overdue)}


def message_json(org: Organisation, listed: Listed, now: datetime) -> dict[str, Any]:
    m = listed.message
    tz = tz_of(org)

    def local(moment: datetime | None) -> str | None:
        return None if moment is None else to_local(moment, tz).isoformat()

    due_local = to_local(m.callback_due, tz)
    return {
        "id": m.id,
        "employee": m.employee,
        "unit": m.unit,
        "for": addressee_name(org, m),
        "sensitive": org.is_sensitive(m.unit) if m.unit in org.units else False,
        "caller_name": m.caller_name,
        "caller_phone": m.caller_phone,
        "caller_phone_display": danish.format_phone(m.caller_phone),
        "task": m.task,
        "about": m.about,
        "text": m.text,
        "taken_by": m.taken_by,
        "taken_at": local(m.taken_at),
        "callback_due": due_local.isoformat(),
        "status": m.status,
        "outcome": m.outcome,
        "called_back_at": local(m.callback_done_at),
        "closed_at": local(m.closed_at),
        "overdue": m.is_open and m.overdue(now),
        "escalated_at": local(m.escalated_at),
        "delivery": listed.delivery,
        "say": callback_sentence(addressee_name(org, m), due_local, now),
    }


# --- retention ------------------------------------------------------------------------------


def purge_closed_messages(engine: Engine, now: datetime, days: int) -> int:
    """Delete messages closed more than `days` ago, with their history and deliveries:
    the caller's name, number and text go with them."""
    cutoff = utc(now) - timedelta(days=days)
    with engine.begin() as conn:
        old = select(MESSAGES.c.id).where(
            MESSAGES.c.status == "closed", MESSAGES.c.closed_at < cutoff
        )
        ids = [r[0] for r in conn.execute(old)]
        if not ids:
            return 0
        # Children first: SQLite honours ON DELETE CASCADE only with foreign keys on.
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            conn.execute(delete(EVENTS).where(EVENTS.c.message_id.in_(chunk)))
            conn.execute(delete(DELIVERIES).where(DELIVERIES.c.message_id.in_(chunk)))
            conn.execute(delete(MESSAGES).where(MESSAGES.c.id.in_(chunk)))
        return len(ids)
