"""Calendar feeds in the database (issue 15): each employee's feed address and its poll state.

The address is a secret. It lives only in `calendar_feeds.url`; the employee's row and
every snapshot of the organisation carry only `calendar = "set"`, so the export, the
audit trail and every page show no more than that. An organisation on its way in (a
file, an edit) may carry an address: `resolve` takes the addresses out of it against
what is stored (an address equal to the stored one, or `set`, keeps the stored one) and
`apply` writes them in the same transaction as the organisation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.schema import Table

from omstilling.domain.calendar_address import CALENDAR_SET
from omstilling.domain.organisation import Employee, Organisation
from omstilling.domain.orgdiff import Change
from omstilling.store.models import Base


class CalendarFeedRow(Base):
    """An employee's calendar feed: its address (a secret), and how its last polls went."""

    __tablename__ = "calendar_feeds"
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    set_by: Mapped[str] = mapped_column(String(300))
    # Conditional requests: what the server last said about the feed.
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    digest: Mapped[str | None] = mapped_column(String(64))  # of the last body read
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # last parsed
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ok_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(500))  # why the last poll failed
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row
    next_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # back-off
    codes: Mapped[int] = mapped_column(Integer, default=0)  # codes at the last read
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # events skipped at the last read


FEEDS = cast(Table, CalendarFeedRow.__table__)


@dataclass
class FeedPlan:
    """What an organisation on its way in does to the stored feeds."""

    put: dict[str, str] = field(default_factory=dict)  # employee -> new address
    drop: list[str] = field(default_factory=list)  # employees whose feed goes
    changes: list[Change] = field(default_factory=list)  # new addresses of kept feeds
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.put or self.drop)


def has_feeds(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(FEEDS.c.employee_id).limit(1)).first() is not None


def stored_addresses(conn: Connection) -> dict[str, str]:
    return {r.employee_id: r.url for r in conn.execute(select(FEEDS.c.employee_id, FEEDS.c.url))}


def resolve(conn: Connection, org: Organisation) -> tuple[Organisation, FeedPlan]:
    """`org` with every calendar address replaced by `set` (or None for `set` where no
    feed is stored: a warning), and the plan that stores the addresses. An address that
    changes a kept feed is a change the documents cannot show ("set" both before and
    after): the plan names it, so an import of only that is no empty import."""
    stored = stored_addresses(conn)
    plan = FeedPlan()
    replaced: dict[str, Employee | None] = {}
    for e in org.employees.values():
        value = e.calendar
        if value is None:
            if e.id in stored:
                plan.drop.append(e.id)
        elif value == CALENDAR_SET:
            if e.id not in stored:
                plan.warnings.append(
                    f"employee {e.id}: calendar is 'set' but no calendar address is stored "
                    "for her; she has no calendar feed until one is given"
                )
                replaced[e.id] = dataclasses.replace(e, calendar=None)
        else:
            if stored.get(e.id) != value:
                plan.put[e.id] = value
                if e.id in stored:
                    plan.changes.append(
                        Change(
                            "employee",
                            e.id,
                            "changed",
                            {"calendar": CALENDAR_SET},
                            {"calendar": f"{CALENDAR_SET} (new address)"},
                        )
                    )
            replaced[e.id] = dataclasses.replace(e, calendar=CALENDAR_SET)
    plan.drop += [i for i in stored if i not in org.employees]
    return (org.replaced(employees=replaced) if replaced else org), plan


def apply(conn: Connection, plan: FeedPlan, *, actor: str, now: datetime) -> int:
    """Store the plan's addresses (after the employees are written) and drop its feeds.
    A new address starts afresh: polled at once, no conditional request, no error. How
    many codes of the old feeds ended: when any, the caller tells the presence caches
    after its commit."""
    from omstilling.store.calendar_presence import end_calendar_codes

    ended = 0
    gone = [*plan.drop, *plan.put]
    for chunk in range(0, len(gone), 500):
        ids = gone[chunk : chunk + 500]
        ended += end_calendar_codes(conn, ids, now=now)
        conn.execute(delete(FEEDS).where(FEEDS.c.employee_id.in_(ids)))
    rows = [
        {"employee_id": ident, "url": url, "set_at": now, "set_by": actor, "failures": 0}
        for ident, url in plan.put.items()
    ]
    if rows:
        conn.execute(insert(FEEDS), rows)
    return ended


# --- poll state --------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedState:
    """A feed as the poller and the pages see it; `url` only for the poller."""

    employee_id: str
    url: str
    etag: str | None
    last_modified: str | None
    digest: str | None
    read_at: datetime | None
    checked_at: datetime | None
    ok_at: datetime | None
    error: str | None
    failures: int
    next_at: datetime | None
    codes: int
    skipped: int


def _state(row: Any) -> FeedState:
    return FeedState(
        row.employee_id,
        row.url,
        row.etag,
        row.last_modified,
        row.digest,
        row.read_at,
        row.checked_at,
        row.ok_at,
        row.error,
        row.failures or 0,
        row.next_at,
        row.codes or 0,
        row.skipped or 0,
    )


def feed_states(conn: Connection, employee_id: str | None = None) -> list[FeedState]:
    """The feeds of employees still in the organisation (one, or all by employee id)."""
    from omstilling.store.models import EmployeeRow

    query = (
        select(FEEDS)
        .join(EmployeeRow, EmployeeRow.id == FEEDS.c.employee_id)
        .where(EmployeeRow.removed_at.is_(None))
        .order_by(FEEDS.c.employee_id)
    )
    if employee_id is not None:
        query = query.where(FEEDS.c.employee_id == employee_id)
    return [_state(r) for r in conn.execute(query)]


def record(conn: Connection, employee_id: str, url: str, **values: Any) -> None:
    """The outcome of one poll of the feed, unless its address changed meanwhile."""
    conn.execute(
        update(FEEDS).where(FEEDS.c.employee_id == employee_id, FEEDS.c.url == url).values(**values)
    )
