"""Messages and callbacks tables (R1.6, R3.5, R3.6).

A message holds personal data (the caller's name, number and errand): once it is
closed it is deleted with its events and deliveries after the retention time
(`omstilling purge`). Events and deliveries never repeat the caller or the text,
so the history of who did what says nothing about the citizen.
All timestamps are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omstilling.store.models import ID, Base

__all__ = ["Base", "MessageDelivery", "MessageEvent", "MessageRow"]


class MessageRow(Base):
    """A message for an employee or a whole unit, with its callback promise."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Always set: the employee's unit for an employee's message, so anyone in the
    # unit finds it (R3.6) and the statistics count it per unit.
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    employee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.id"), index=True)
    caller_name: Mapped[str] = mapped_column(String(200))
    caller_phone: Mapped[str] = mapped_column(String(20))  # E.164
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"))
    about: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    taken_by: Mapped[str] = mapped_column(String(300))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    callback_due: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # new|seen|called_back|closed
    outcome: Mapped[str | None] = mapped_column(String(20))  # reached|not_reached|resolved
    callback_done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MessageEvent(Base):
    """The life of a message: created, seen, called back (outcome), taken over, closed,
    due changed, escalated. `detail` never holds the caller or the text."""

    __tablename__ = "message_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(300), default="")


class MessageDelivery(Base):
    """One notice to send (a mail or a webhook call), retried with back-off until sent.

    status: pending (waiting for its next try), sent, or failed (refused for good,
    e.g. an address the mail server rejects; the message stays in the in-app list)."""

    __tablename__ = "message_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))  # mail | webhook
    purpose: Mapped[str] = mapped_column(String(20))  # new | absent | escalation
    recipient: Mapped[str] = mapped_column(String(500))  # address, or the webhook URL
    recipient_employee_id: Mapped[str | None] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_message_deliveries_due", "status", "next_attempt_at"),)
