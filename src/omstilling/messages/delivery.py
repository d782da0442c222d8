"""Notices about messages: who gets them, the delivery queue, retries, escalation.

A notice is a row in `message_deliveries` written in the same transaction as the
message, so a message is never saved without its notice nor a notice lost when
the mail server is down: the queue keeps it `pending` and tries again with
back-off (30 s, 1 min, 2 min, ... at most an hour) until the server takes it.
Only a definite refusal (a 5xx answer) ends the tries; the message then stays in
the in-app list, marked undelivered.

Several app instances may run the queue at once: a worker claims a notice by
moving its next try into the future in one conditional UPDATE, so only one of
them sends it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, select

from omstilling import mail
from omstilling.clock import utc
from omstilling.domain.callbacks import (
    Message,
    absent_past,
    leader_candidates,
    retry_delay,
)
from omstilling.domain.hours import to_local
from omstilling.domain.organisation import Organisation
from omstilling.domain.presence import Presence
from omstilling.messages.records import (
    DELIVERIES,
    MESSAGES,
    organisation,
    record_event,
    to_message,
)
from omstilling.settings import Settings
from omstilling.store.joblock import PeriodicJob
from omstilling.store.presence import load_presence

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
# A claimed notice is left alone this long; a worker that died mid-send is retried after.
LEASE = timedelta(minutes=5)


# --- who gets a notice ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    address: str
    employee: str | None  # None: the shared fallback address


def _first_with_mail(
    org: Organisation, candidates: Iterable[str], settings: Settings
) -> Recipient | None:
    for employee_id in candidates:
        email = org.employees[employee_id].email
        if email:
            return Recipient(email, employee_id)
    if settings.message_fallback_email:
        return Recipient(settings.message_fallback_email, None)
    return None


def recipient_for_new(
    org: Organisation, presence: Presence, message: Message, settings: Settings, now: datetime
) -> tuple[Recipient | None, str]:
    """(recipient, purpose) of the first notice: the employee, unless they are away
    past the due time or have no address; then the unit's leader (R3.5: make sure the
    colleague, or someone for them, gets it quickly). A unit's message goes to its leader."""
    if message.employee is not None and message.employee in org.employees:
        employee = org.employees[message.employee]
        if absent_past(org, presence, employee.id, message.callback_due, now):
            leaders = leader_candidates(org, presence, message.unit, now, exclude=employee.id)
            return _first_with_mail(org, leaders, settings), "absent"
        if employee.email:
            return Recipient(employee.email, employee.id), "new"
        leaders = leader_candidates(org, presence, message.unit, now, exclude=employee.id)
        return _first_with_mail(org, leaders, settings), "new"
    leaders = leader_candidates(org, presence, message.unit, now)
    return _first_with_mail(org, leaders, settings), "new"


def _insert(
    conn: Connection,
    message_id: int,
    channel: str,
    purpose: str,
    recipient: str,
    employee: str | None,
    now: datetime,
) -> None:
    conn.execute(
        DELIVERIES.insert().values(
            message_id=message_id,
            channel=channel,
            purpose=purpose,
            recipient=recipient,
            recipient_employee_id=employee,
            status="pending",
            attempts=0,
            next_attempt_at=utc(now),
            last_error="",
            created_at=utc(now),
        )
    )


def _queue(
    conn: Connection,
    message: Message,
    recipient: Recipient | None,
    purpose: str,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    if recipient is None:
        # Nobody with an address: the message is still in the unit's in-app list.
        record_event(conn, message.id, "no_recipient", actor="system", now=now, detail=purpose)
    else:
        _insert(conn, message.id, "mail", purpose, recipient.address, recipient.employee, now)
    if settings.message_webhook_url:
        _insert(conn, message.id, "webhook", purpose, settings.message_webhook_url, None, now)


def queue_new(
    conn: Connection,
    org: Organisation,
    presence: Presence,
    message: Message,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    recipient, purpose = recipient_for_new(org, presence, message, settings, now)
    _queue(conn, message, recipient, purpose, settings=settings, now=now)


def cancel_pending(conn: Connection, message_id: int) -> None:
    """A closed message needs no more notices."""
    conn.execute(
        DELIVERIES.update()
        .where(DELIVERIES.c.message_id == message_id, DELIVERIES.c.status == "pending")
        .values(status="cancelled")
    )


def states(conn: Connection, message_ids: list[int]) -> dict[int, str]:
    """Per message, how its mail notices stand: pending while any waits, else failed if
    any failed, else sent; messages without a mail notice are left out ("none")."""
    out: dict[int, str] = {}
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start : start + 500]
        rows = conn.execute(
            select(DELIVERIES.c.message_id, DELIVERIES.c.status, func.count())
            .where(DELIVERIES.c.message_id.in_(chunk), DELIVERIES.c.channel == "mail")
            .group_by(DELIVERIES.c.message_id, DELIVERIES.c.status)
        ).all()
        seen: dict[int, set[str]] = {}
        for message_id, status, _n in rows:
            seen.setdefault(message_id, set()).add(status)
        for message_id, found in seen.items():
            for state in ("pending", "failed", "sent", "cancelled"):
                if state in found:
                    out[message_id] = state
                    break
    return out


# --- sending -------------------------------------------------------------------------------


@dataclass
class RunReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    escalated: int = 0


class _Permanent(Exception):
    pass


class _Transient(Exception):
    pass


def _link(settings: Settings, message_id: int) -> str:
    return f"{settings.base_url.rstrip('/')}/beskeder/{message_id}"


def _send_mail(org: Organisation, message: Message, row: Any, settings: Settings) -> None:
    if not settings.smtp_url:
        raise _Transient("OMSTILLING_SMTP_URL is not set")
    try:
        config = mail.parse_smtp_url(settings.smtp_url)
    except mail.MailConfigError as exc:
        raise _Transient(str(exc)) from None
    tz = ZoneInfo(org.municipality.timezone)
    recipient_name = (
        org.employees[row.recipient_employee_id].name
        if row.recipient_employee_id in org.employees
        else "kollega"
    )
    addressee = (
        org.employees[message.employee].name
        if message.employee in org.employees
        else org.units[message.unit].name
        if message.unit in org.units
        else message.unit
    )
    unit_name = org.units[message.unit].name if message.unit in org.units else message.unit
    text = mail.compose(
        message,
        purpose=row.purpose,
        recipient_name=recipient_name,
        addressee=addressee,
        unit_name=unit_name,
        sensitive=org.is_sensitive(message.unit) if message.unit in org.units else True,
        link=_link(settings, message.id),
        due_local=to_local(message.callback_due, tz),
        taken_local=to_local(message.taken_at, tz),
    )
    try:
        mail.send_mail(
            config, settings.smtp_from, row.recipient, text.subject, text.body,
            timeout=settings.smtp_timeout,
        )  # fmt: skip
    except mail.MailError as exc:
        raise (_Permanent if exc.permanent else _Transient)(str(exc)) from None


def webhook_notice(
    org: Organisation, message: Message, purpose: str, settings: Settings
) -> dict[str, Any]:
    """The JSON posted to OMSTILLING_MESSAGE_WEBHOOK_URL; no caller or text for a
    sensitive unit (R3.8), only where to read it."""
    sensitive = org.is_sensitive(message.unit) if message.unit in org.units else True
    notice: dict[str, Any] = {
        "event": "message.overdue" if purpose == "escalation" else "message.created",
        "purpose": purpose,
        "id": message.id,
        "unit": message.unit,
        "employee": message.employee,
        "status": message.status,
        "callback_due": message.callback_due.isoformat(),
        "sensitive": sensitive,
        "link": _link(settings, message.id),
    }
    if not sensitive:
        notice.update(
            caller_name=message.caller_name,
            caller_phone=message.caller_phone,
            about=message.about,
            text=message.text,
        )
    return notice


def _send_webhook(org: Organisation, message: Message, row: Any, settings: Settings) -> None:
    body = json.dumps(webhook_notice(org, message, row.purpose, settings)).encode()
    request = urllib.request.Request(
        row.recipient, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "omstilling"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=settings.smtp_timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        # 4xx: the receiver will never take this notice; 5xx: it may later.
        cls = _Permanent if 400 <= exc.code < 500 and exc.code not in (408, 429) else _Transient
        raise cls(f"webhook answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise _Transient(f"webhook: {exc}"[:300]) from None


def _claim(engine: Engine, delivery_id: int, now: datetime) -> bool:
    with engine.begin() as conn:
        claimed = conn.execute(
            DELIVERIES.update()
            .where(
                DELIVERIES.c.id == delivery_id,
                DELIVERIES.c.status == "pending",
                DELIVERIES.c.next_attempt_at <= utc(now),
            )
            .values(next_attempt_at=utc(now + LEASE))
        ).rowcount
    return bool(claimed)


def deliver_pending(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    message_id: int | None = None,
    limit: int = 200,
) -> RunReport:
    """Try every notice whose next try has come (or only those of `message_id`)."""
    report = RunReport()
    with engine.connect() as conn:
        query = select(DELIVERIES).where(
            DELIVERIES.c.status == "pending", DELIVERIES.c.next_attempt_at <= utc(now)
        )
        if message_id is not None:
            query = query.where(DELIVERIES.c.message_id == message_id)
        rows = conn.execute(query.order_by(DELIVERIES.c.next_attempt_at).limit(limit)).all()
        if not rows:
            return report
        org = organisation(conn)
    for row in rows:
        if not _claim(engine, row.id, now):
            continue  # another worker has it
        with engine.connect() as conn:
            msg_row = conn.execute(select(MESSAGES).where(MESSAGES.c.id == row.message_id)).first()
        values: dict[str, Any] = {"attempts": row.attempts + 1}
        try:
            if msg_row is None or msg_row.status == "closed":
                values.update(status="cancelled")
            else:
                message = to_message(msg_row)
                if row.channel == "webhook":
                    _send_webhook(org, message, row, settings)
                else:
                    _send_mail(org, message, row, settings)
                values.update(status="sent", sent_at=utc(now), last_error="")
                report.sent += 1
        except _Permanent as exc:
            values.update(status="failed", last_error=str(exc)[:500])
            report.failed += 1
            log.warning("message %s: %s notice refused: %s", row.message_id, row.channel, exc)
        except _Transient as exc:
            delay = retry_delay(row.attempts + 1, RETRY_BASE, RETRY_CAP)
            values.update(next_attempt_at=utc(now + delay), last_error=str(exc)[:500])
            report.retrying += 1
            log.info("message %s: %s notice will be retried: %s", row.message_id, row.channel, exc)
        with engine.begin() as conn:
            conn.execute(DELIVERIES.update().where(DELIVERIES.c.id == row.id).values(**values))
    return report


# --- escalation -----------------------------------------------------------------------------


def escalate_overdue(engine: Engine, settings: Settings, now: datetime) -> int:
    """Queue one mail to the unit's leader for each broken callback promise (R1.6).

    Once per promise: a new due time re-arms it. Returns how many were escalated."""
    escalated = 0
    with engine.begin() as conn:
        rows = conn.execute(
            select(MESSAGES).where(
                MESSAGES.c.status != "closed",
                MESSAGES.c.callback_done_at.is_(None),
                MESSAGES.c.escalated_at.is_(None),
                MESSAGES.c.callback_due < utc(now),
            )
        ).all()
        if not rows:
            return 0
        org = organisation(conn)
        presence = load_presence(conn, now)
        for row in rows:
            # Claimed by the conditional update, so two workers never both escalate.
            if not conn.execute(
                MESSAGES.update()
                .where(MESSAGES.c.id == row.id, MESSAGES.c.escalated_at.is_(None))
                .values(escalated_at=utc(now))
            ).rowcount:
                continue
            message = to_message(row)
            unit = message.unit if message.unit in org.units else None
            leaders = (
                leader_candidates(org, presence, unit, now, exclude=message.employee)
                if unit
                else []
            )
            recipient = _first_with_mail(org, leaders, settings)
            record_event(
                conn, message.id, "escalated", actor="system", now=now,
                detail=recipient.employee or "shared" if recipient else "nobody",
            )  # fmt: skip
            _queue(conn, message, recipient, "escalation", settings=settings, now=now)
            escalated += 1
    return escalated


def run_once(engine: Engine, settings: Settings, now: datetime) -> RunReport:
    """What a scheduler or the worker does each round: escalate, then send."""
    escalated = escalate_overdue(engine, settings, now)
    report = deliver_pending(engine, settings, now)
    report.escalated = escalated
    return report


class DeliveryWorker(PeriodicJob):
    """`run_once` every `interval` seconds on a background thread (for `serve`), in one
    process at a time (the job's database lock); `omstilling messages deliver` does the
    same once, for cron."""

    def __init__(self, engine: Engine, settings: Settings, interval: float = 10.0) -> None:
        super().__init__(
            engine,
            "message-delivery",
            lambda: run_once(engine, settings, datetime.now(UTC)),
            interval,
        )
