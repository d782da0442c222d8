"""The operators' action log (console_actions): one way in, with the time it is given.

Every call handled in the console is written here, whichever page handled it (the
advice's buttons, a message taken), so the statistics (R3.12) read one kind of row.
The time is always passed in, from the app's clock (tests freeze it), and stored in
UTC like every other time in the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, update

from omstilling.clock import utc
from omstilling.domain.citizen import free_text
from omstilling.domain.danish import parse_phone
from omstilling.errors import Invalid
from omstilling.store.account_models import ConsoleAction

__all__ = [
    "ERRAND_MAX",
    "LOGGED",
    "LOGGED_AS",
    "checked_call_id",
    "log_action",
    "purge_errands",
]

# What the statistics count each console action as: a transfer to the secretary is
# a transfer, a referral gives a number, handling the call oneself answers it here.
LOGGED_AS: dict[str, str] = {
    "transfer": "transfer",
    "transfer_secretary": "transfer",
    "give_number": "give_number",
    "refer": "give_number",
    "take_message": "take_message",
    "handle_here": "answered",
    "answered": "answered",
}
LOGGED = frozenset(LOGGED_AS.values())
ERRAND_MAX = 500  # what the call was about, as typed; no more is kept
# A PBX's call id (Asterisk: "1796111000.123"; others use UUIDs): nothing else is stored.
CALL_ID = re.compile(r"[A-Za-z0-9._:@-]{1,100}")
ASTERISK_ID = re.compile(r"[0-9]{10}\.[0-9]{1,9}")  # uniqueid: epoch seconds "." a counter


def checked_number(number: str | None) -> str | None:
    """The number given or dialled, as E.164; anything else is refused without being
    repeated (it could be markup, or a CPR number typed into the wrong field)."""
    if not number:
        return None
    try:
        return parse_phone(number)
    except ValueError:
        raise Invalid("number: not a phone number; nothing was logged") from None


def checked_call_id(call_id: str | None) -> str | None:
    """The PBX's call id as given, or None; refused (not repeated) when it is not one.

    An id the store does not know yet is kept: its events may come later (settle)."""
    if not call_id:
        return None
    if not CALL_ID.fullmatch(call_id):
        raise Invalid("call_id: not a call id of the PBX; nothing was logged")
    if not ASTERISK_ID.fullmatch(call_id):
        # An Asterisk id is epoch seconds and can read as a date; any other id is guarded.
        free_text("call_id", call_id)
    return call_id


def log_action(
    engine: Engine,
    action: str,
    *,
    at: datetime,
    user_id: int | None,
    unit: str | None = None,
    employee: str | None = None,
    task: str | None = None,
    errand: str = "",
    number: str | None = None,
    call_id: str | None = None,
    rules: Sequence[str] = (),
) -> int:
    """Record one handled call; `action` is one of the logged kinds (LOGGED). Its id."""
    if action not in LOGGED:
        raise ValueError(f"not a logged console action: {action!r}")
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    call_id = checked_call_id(call_id)
    errand = free_text("errand", errand)
    number = checked_number(number)
    with engine.begin() as conn:
        result = conn.execute(
            insert(ConsoleAction).values(
                at=utc(at),
                user_id=user_id,
                action=action,
                unit_id=unit or None,
                employee_id=employee or None,
                task_id=task or None,
                errand=errand[:ERRAND_MAX],
                number=number,
                call_id=call_id or None,
                rules=list(rules),
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def purge_errands(engine: Engine, now: datetime, days: int) -> int:
    """Blank the errands logged more than `days` ago: free text that may name the
    citizen's matter, kept as long as the call's caller number (the figures keep the
    rest of the row: action, unit, answered). How many were blanked."""
    if days < 1:
        raise ValueError("the retention must be at least 1 day")
    before = utc(now) - timedelta(days=days)
    with engine.begin() as conn:
        return int(
            conn.execute(
                update(ConsoleAction)
                .where(ConsoleAction.at < before, ConsoleAction.errand != "")
                .values(errand="")
            ).rowcount
        )
