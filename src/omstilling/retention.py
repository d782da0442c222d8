"""The retention run: personal data past its time is deleted or made unreadable (R1.5, R1.6).

One function, so the command line (`omstilling purge`), a scheduler or the web can run
the same thing: ended sick and private absence codes go after
OMSTILLING_SENSITIVE_ABSENCE_RETENTION_DAYS, closed messages (the caller's name, number
and text) after OMSTILLING_MESSAGE_RETENTION_DAYS, and caller numbers of calls become
keyed hashes after OMSTILLING_CALLER_NUMBER_RETENTION_DAYS, as the errands the console
logged for calls are blanked. Each step commits on its
own, so a run that stops half way leaves what it did done, and running again is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from omstilling.calls.retention import purge_caller_numbers
from omstilling.messages import purge_closed_messages
from omstilling.settings import Settings
from omstilling.store.console_log import purge_errands
from omstilling.store.presence import purge_sensitive_absences

__all__ = ["RetentionRun", "run_retention"]


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What one run removed, with the retention (in days) each step used."""

    absences: int
    absence_days: int
    messages: int
    message_days: int
    caller_numbers: int
    caller_days: int
    errands: int = 0  # console errands blanked, after caller_days too


def run_retention(
    engine: Engine, now: datetime, settings: Settings, *, absence_days: int | None = None
) -> RetentionRun:
    """Purge everything past its retention at `now` (aware). `absence_days` overrides the
    setting for sick and private codes; it must be at least 1 (ValueError)."""
    keep = absence_days if absence_days is not None else settings.sensitive_absence_retention_days
    if keep < 1:
        raise ValueError("the absence retention must be at least 1 day")
    absences = purge_sensitive_absences(engine, now=now, days=keep)
    message_days = settings.message_retention_days
    messages = purge_closed_messages(engine, now, message_days)
    caller_days = settings.caller_number_retention_days
    numbers = purge_caller_numbers(engine, now, caller_days, key=settings.caller_hash_key)
    errands = purge_errands(engine, now, caller_days)
    return RetentionRun(absences, keep, messages, message_days, numbers, caller_days, errands)
