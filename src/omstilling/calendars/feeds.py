"""An employee's own feed (issue 15 item 1): set and removed by her, or for her by an admin.

Saving checks the address (http(s); a loopback or link-local address refused, also
when its name resolves to one) and stores it as an edit of the organisation, so the
export, the audit trail and a stale file's import see that she has a feed ("set"),
never its address. `feed_status` is what her page and the admin page show of it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from omstilling.calendars.fetch import FetchError, check_host
from omstilling.domain.calendar_address import address_problem
from omstilling.errors import Invalid, NotFound
from omstilling.store.calendar_feeds import FeedState, feed_states
from omstilling.store.organisation import StaleEdit, load_organisation, save_edit


class FeedRefused(Invalid):
    """An address that cannot be a calendar feed; the message never repeats it."""


def check_address(url: str, *, allow_loopback: bool) -> str:
    """The address trimmed, or FeedRefused naming why (in Danish, for her page)."""
    url = url.strip()
    problem = address_problem(url, allow_loopback=allow_loopback)
    if problem:
        raise FeedRefused(f"calendar: {problem}")
    try:
        asyncio.run(check_host(url, allow_loopback=allow_loopback))
    except FetchError as exc:
        raise FeedRefused(f"calendar: {exc}") from None
    return url


def set_feed(
    engine: Engine,
    employee_id: str,
    url: str | None,
    *,
    actor: str,
    now: datetime,
    allow_loopback: bool,
    source: str = "web",
) -> None:
    """Give the employee the feed at `url` (checked), or none (`url` None); an edit of
    the stored organisation as it is now (another edit in between is kept)."""
    address = check_address(url, allow_loopback=allow_loopback) if url is not None else None
    for _ in range(3):
        with engine.connect() as conn:
            org = load_organisation(conn)
        employee = org.employees.get(employee_id) if org is not None else None
        if org is None or employee is None:
            raise NotFound("employee", employee_id)
        new = org.replaced(employees={employee_id: dataclasses.replace(employee, calendar=address)})
        try:
            save_edit(engine, new, actor=actor, source=source, now=now, base=org)
            return
        except StaleEdit:
            continue  # another edit landed between the read and the write: again
    raise StaleEdit(None, -1)


@dataclass(frozen=True)
class FeedStatus:
    """What a page shows of a feed: never its address."""

    employee_id: str
    ok_at: datetime | None
    checked_at: datetime | None
    error: str | None
    failures: int
    codes: int
    skipped: int
    next_at: datetime | None

    @property
    def failing(self) -> bool:
        return self.error is not None


def _status(f: FeedState) -> FeedStatus:
    return FeedStatus(
        f.employee_id, f.ok_at, f.checked_at, f.error, f.failures, f.codes, f.skipped, f.next_at
    )


def feed_status(engine: Engine, employee_id: str | None = None) -> list[FeedStatus]:
    """Every feed's status (or one employee's), by employee id."""
    with engine.connect() as conn:
        return [_status(f) for f in feed_states(conn, employee_id)]
