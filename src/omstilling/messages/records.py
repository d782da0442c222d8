"""Rows to domain messages, and what every part of the messages package shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.sql.schema import Table

from omstilling.clock import opt_utc, utc
from omstilling.domain.callbacks import Message, Outcome, Status
from omstilling.domain.organisation import Organisation
from omstilling.errors import NoOrganisation
from omstilling.store.message_models import MessageDelivery, MessageEvent, MessageRow
from omstilling.store.organisation import load_organisation

MESSAGES = cast(Table, MessageRow.__table__)
EVENTS = cast(Table, MessageEvent.__table__)
DELIVERIES = cast(Table, MessageDelivery.__table__)


def to_message(row: Any) -> Message:
    return Message(
        id=row.id,
        unit=row.unit_id,
        employee=row.employee_id,
        caller_name=row.caller_name,
        caller_phone=row.caller_phone,
        text=row.text,
        about=row.about,
        task=row.task_id,
        taken_by=row.taken_by,
        taken_at=utc(row.taken_at),
        callback_due=utc(row.callback_due),
        status=cast(Status, row.status),
        outcome=cast("Outcome | None", row.outcome),
        callback_done_at=opt_utc(row.callback_done_at),
        closed_at=opt_utc(row.closed_at),
        escalated_at=opt_utc(row.escalated_at),
    )


def organisation(conn: Connection) -> Organisation:
    org = load_organisation(conn)
    if org is None:
        raise NoOrganisation()
    return org


def record_event(
    conn: Connection, message_id: int, action: str, *, actor: str, now: datetime, detail: str = ""
) -> None:
    """One line of the message's history; `detail` never holds the caller or the text."""
    conn.execute(
        EVENTS.insert().values(
            message_id=message_id, at=utc(now), actor=actor, action=action, detail=detail[:300]
        )
    )
