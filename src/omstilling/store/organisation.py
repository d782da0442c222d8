"""The organisation in the database: load a snapshot, apply an import, keep the audit trail.

Writing the rows is `org_write`; this module decides what to write and when.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.sql.schema import Table

from omstilling.domain.organisation import (
    Distribution,
    DistributionRule,
    DistributionTarget,
    Employee,
    Hours,
    Mailing,
    Municipality,
    MunicipalityHours,
    Number,
    Organisation,
    ReferTo,
    SecretaryRule,
    Task,
    TransferOnlyTo,
    Unit,
)
from omstilling.orgfile.diff import Change, diff
from omstilling.store.org_write import (
    AUDIT,
    EMP_TASKS,
    EMPLOYEES,
    KEYWORDS,
    MAIL_TASKS,
    MAILINGS,
    NUMBERS,
    QUEUES,
    RESTRICTIONS,
    RULES,
    SECRETARIES,
    STATE,
    TASKS,
    UNITS,
    audit,
    write_changes,
)


class StaleRevision(Exception):
    """The file was exported before changes that the database has since."""

    def __init__(self, file_revision: int, db_revision: int, since: list[str]) -> None:
        self.file_revision = file_revision
        self.db_revision = db_revision
        self.since = since
        super().__init__(
            f"the file has revision {file_revision} but the database is at revision "
            f"{db_revision}; changed since: "
            + ("; ".join(since) or "nothing recorded")
            + ". Export again, or import with --force to overwrite."
        )


@dataclass
class ImportSummary:
    changes: list[Change]
    revision: int
    written: bool
    overwritten_edits: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"added": 0, "changed": 0, "removed": 0}
        for c in self.changes:
            out[c.action] += 1
        return out


# --- loading -----------------------------------------------------------------------------


def current_revision(conn: Connection) -> int | None:
    return conn.execute(select(STATE.c.revision).where(STATE.c.id == 1)).scalar()


def load_organisation(conn: Connection) -> Organisation | None:
    """The current organisation, or None when nothing was imported yet."""
    st = conn.execute(select(STATE).where(STATE.c.id == 1)).mappings().first()
    if st is None:
        return None
    municipality = Municipality(
        name=st["name"],
        hours=MunicipalityHours(st["official_hours"], st["opening_hours"], st["phone_hours"]),
        timezone=st["timezone"],
        country=st["country"],
        main_number=st["main_number"],
        website=st["website"],
        switchboard=st["switchboard"],
        closed=st["closed"],
    )

    def grouped(table: Table, key: str) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = defaultdict(list)
        for row in conn.execute(select(table).order_by(table.c[key], table.c.position)):
            out[row._mapping[key]].append(row)
        return out

    numbers = grouped(NUMBERS, "unit_id")
    queues = grouped(QUEUES, "unit_id")
    keywords = grouped(KEYWORDS, "task_id")
    rules = grouped(RULES, "task_id")
    emp_tasks = grouped(EMP_TASKS, "employee_id")
    mail_tasks = grouped(MAIL_TASKS, "mailing_id")
    secretaries = {r.unit_id: r for r in conn.execute(select(SECRETARIES))}
    restrictions = {r.unit_id: r for r in conn.execute(select(RESTRICTIONS))}

    tasks: list[Task] = []
    unit_tasks: dict[str, list[str]] = defaultdict(list)
    for r in conn.execute(
        select(TASKS)
        .where(TASKS.c.removed_at.is_(None))
        .order_by(TASKS.c.unit_id, TASKS.c.position)
    ):
        dist = None
        if r.distribution_by:
            default = None
            if r.default_employee_id or r.default_unit_id:
                default = DistributionTarget(r.default_employee_id, r.default_unit_id)
            dist = Distribution(
                r.distribution_by,
                tuple(
                    DistributionRule(x.match, DistributionTarget(x.employee_id, x.unit_id))
                    for x in rules.get(r.id, [])
                ),
                default,
            )
        tasks.append(
            Task(
                id=r.id,
                unit=r.unit_id,
                name=r.name,
                keywords=tuple(k.keyword for k in keywords.get(r.id, [])),
                kle=r.kle,
                handled_by_switchboard=r.handled_by_switchboard,
                answer=r.answer,
                refer_to=ReferTo(r.refer_name, r.refer_number) if r.refer_number else None,
                distribution=dist,
            )
        )
        unit_tasks[r.unit_id].append(r.id)

    employees: list[Employee] = []
    unit_emps: dict[str, list[str]] = defaultdict(list)
    for r in conn.execute(
        select(EMPLOYEES)
        .where(EMPLOYEES.c.removed_at.is_(None))
        .order_by(EMPLOYEES.c.unit_id, EMPLOYEES.c.position)
    ):
        employees.append(
            Employee(
                id=r.id,
                unit=r.unit_id,
                name=r.name,
                title=r.title,
                role=r.role,
                phone=r.phone,
                public=r.public,
                extension=r.extension,
                mobile=r.mobile,
                email=r.email,
                login=r.login,
                external_id=r.external_id,
                works=r.works,
                tasks=tuple(t.task_id for t in emp_tasks.get(r.id, [])),
                main_tasks=r.main_tasks,
            )
        )
        unit_emps[r.unit_id].append(r.id)

    units: list[Unit] = []
    for r in conn.execute(
        select(UNITS).where(UNITS.c.removed_at.is_(None)).order_by(UNITS.c.position)
    ):
        sec = secretaries.get(r.id)
        res = restrictions.get(r.id)
        units.append(
            Unit(
                id=r.id,
                name=r.name,
                kind=r.kind,
                parent=r.parent_id,
                description=r.description,
                address=r.address,
                hours=Hours(r.opening_hours, r.phone_hours),
                numbers=tuple(Number(n.number, n.label) for n in numbers.get(r.id, [])),
                sensitive=r.sensitive,
                transfer_only_to=TransferOnlyTo(res.employee_id, res.number) if res else None,
                secretary=SecretaryRule(sec.employee_id, sec.when_text, tuple(sec.roles))
                if sec
                else None,
                owner=r.owner_id,
                reviewed=r.reviewed,
                queues=tuple(q.queue for q in queues.get(r.id, [])),
                external_id=r.external_id,
                tasks=tuple(unit_tasks.get(r.id, [])),
                employees=tuple(unit_emps.get(r.id, [])),
            )
        )

    mailings = [
        Mailing(
            id=r.id,
            unit=r.unit_id,
            title=r.title,
            sent=r.sent,
            calls_expected_until=r.calls_expected_until,
            expected_calls=r.expected_calls,
            tasks=tuple(t.task_id for t in mail_tasks.get(r.id, [])),
            answer=r.answer,
            staffed=r.staffed,
        )
        for r in conn.execute(
            select(MAILINGS).where(MAILINGS.c.removed_at.is_(None)).order_by(MAILINGS.c.position)
        )
    ]
    return Organisation(municipality, units, employees, tasks, mailings, revision=st["revision"])


def _describe_audit(rows: Iterable[Any]) -> list[str]:
    out = []
    for r in rows:
        when = r.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if r.at else "?"
        out.append(
            f"{r.entity} {r.entity_id} {r.action} by {r.actor} ({r.source}, {when}, "
            f"revision {r.revision})"
        )
    return out


def import_organisation(
    engine: Engine,
    org: Organisation,
    *,
    file_revision: int | None,
    actor: str,
    dry_run: bool = False,
    force: bool = False,
    now: datetime | None = None,
    warnings: list[str] | None = None,
) -> ImportSummary:
    """Make the database's organisation equal `org`, all or nothing."""
    now = (now or datetime.now(UTC)).astimezone(UTC)  # stored as UTC on every engine
    with engine.begin() as conn:
        state = (
            conn.execute(select(STATE).where(STATE.c.id == 1).with_for_update()).mappings().first()
        )
        db_revision = state["revision"] if state else 0
        current = load_organisation(conn) if state else None
        changes = diff(current, org)
        if file_revision is not None and file_revision < db_revision and not force:
            since = conn.execute(
                select(AUDIT).where(AUDIT.c.revision > file_revision).order_by(AUDIT.c.id).limit(50)
            ).all()
            raise StaleRevision(file_revision, db_revision, _describe_audit(since))
        overwritten: list[str] = []
        if state is not None and changes:
            keys = {(c.entity, c.id) for c in changes}
            edits = conn.execute(
                select(AUDIT)
                .where(AUDIT.c.source != "import", AUDIT.c.revision > state["last_import_revision"])
                .order_by(AUDIT.c.id)
            ).all()
            overwritten = _describe_audit(e for e in edits if (e.entity, e.entity_id) in keys)
        summary = ImportSummary(
            changes,
            db_revision,
            written=False,
            overwritten_edits=overwritten,
            warnings=warnings or [],
        )
        if dry_run or not changes:
            return summary
        revision = db_revision + 1
        write_changes(conn, org, changes, now)
        conn.execute(
            update(STATE)
            .where(STATE.c.id == 1)
            .values(revision=revision, last_import_revision=revision)
        )
        audit(conn, changes, actor=actor, source="import", revision=revision, now=now)
        summary.revision = revision
        summary.written = True
    _changed(engine)
    return summary


def save_edit(
    engine: Engine,
    org: Organisation,
    *,
    actor: str,
    source: str = "web",
    now: datetime | None = None,
) -> list[Change]:
    """Store an edit made outside the file (the web, the CLI) as a new revision."""
    now = (now or datetime.now(UTC)).astimezone(UTC)  # stored as UTC on every engine
    with engine.begin() as conn:
        state = (
            conn.execute(select(STATE).where(STATE.c.id == 1).with_for_update()).mappings().first()
        )
        current = load_organisation(conn)
        changes = diff(current, org)
        if not changes:
            return changes
        revision = (state["revision"] if state else 0) + 1
        write_changes(conn, org, changes, now)
        conn.execute(update(STATE).where(STATE.c.id == 1).values(revision=revision))
        audit(conn, changes, actor=actor, source=source, revision=revision, now=now)
    _changed(engine)
    return changes


_caches: weakref.WeakSet[SnapshotCache] = weakref.WeakSet()


def _changed(engine: Engine) -> None:
    """A write in this process: every cache on the same database looks again at once."""
    for cache in list(_caches):
        if cache.engine.url == engine.url:
            cache.checked_at = 0.0


class SnapshotCache:
    """The organisation in memory, reloaded only when the revision changes.

    The revision is looked up at most every `max_age` seconds (a request asks for the
    organisation several times); a write through this process is seen at once, a
    write through another instance within `max_age`."""

    def __init__(self, engine: Engine, max_age: float = 0.0) -> None:
        self.engine = engine
        self.max_age = max_age
        self.checked_at = 0.0
        self._lock = threading.Lock()
        self._revision: int | None = None
        self._org: Organisation | None = None
        _caches.add(self)

    def get(self) -> Organisation | None:
        now = time.monotonic()
        if self._org is not None and now - self.checked_at < self.max_age:
            return self._org
        self.checked_at = now
        with self.engine.connect() as conn:
            revision = current_revision(conn)
            if revision is not None and revision == self._revision:
                return self._org
            with self._lock:
                if revision != self._revision or self._org is None:
                    self._org = load_organisation(conn)
                    self._revision = revision
                return self._org
