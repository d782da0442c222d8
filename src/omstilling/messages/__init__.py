"""Messages and callbacks: no citizen is forgotten (R1.6, R3.5, R3.6).

- `core`: take a message, its life cycle and take over, in-app lists, retention;
- `delivery`: who is told, the mail/webhook queue with retry and back-off, escalation;
- `stats`: the report's `messages` block.

The pure rules (due time, overdue, the sentence to the citizen, transitions) are in
`omstilling.domain.callbacks`; the mail text and SMTP in `omstilling.mail`.
"""

from __future__ import annotations

from omstilling.domain.callbacks import InvalidTransition, Message
from omstilling.errors import NoOrganisation, NotFound
from omstilling.messages.core import (
    Change,
    Created,
    Listed,
    MessageError,
    NewMessage,
    NotInUnit,
    create_message,
    get_message,
    list_messages,
    message_counts,
    message_json,
    purge_closed_messages,
    take_over,
    update_message,
)
from omstilling.messages.delivery import (
    DeliveryWorker,
    RunReport,
    deliver_pending,
    escalate_overdue,
    run_once,
)
from omstilling.messages.stats import messages_summary

__all__ = [
    "Change",
    "Created",
    "DeliveryWorker",
    "InvalidTransition",
    "Listed",
    "Message",
    "MessageError",
    "NewMessage",
    "NoOrganisation",
    "NotFound",
    "NotInUnit",
    "RunReport",
    "create_message",
    "deliver_pending",
    "escalate_overdue",
    "get_message",
    "list_messages",
    "message_counts",
    "message_json",
    "messages_summary",
    "purge_closed_messages",
    "run_once",
    "take_over",
    "update_message",
]
