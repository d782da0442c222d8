"""The organisation in the database: load a snapshot, apply an import, keep the audit trail.

Writing the rows is `org_write`; this module decides what to write and when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.sql.schema import Table

from omstilling.domain.fields import children, columns
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
from omstilling.domain.orgdiff import Change, diff
from omstilling.domain.ownership import keep_sourced
from omstilling.errors import Invalid
from omstilling.store import calendar_feeds, notify
from omstilling.store.org_write import (
    AUDIT,
    EMPLOYEES,
    ENTITIES,
    MAILINGS,
    NUMBERS,
    RESTRICTIONS,
    RULES,
    SECRETARIES,
    STATE,
    TASKS,
    UNITS,
    audit,
    child_table,
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


def _declared(cls: type[Any], row: Any) -> dict[str, Any]:
    """The fields of `cls` that follow their declarations, from its row."""
    values = row._mapping
    return {d.name: values[d.column] for d in columns(cls)}


CHUNK = 500  # ids in one IN (...)
Lists = dict[tuple[type[Any], str], dict[str, tuple[str, ...]]]


def chunked(ids: Iterable[str]) -> Iterable[list[str]]:
    """The ids sorted, in lists of at most CHUNK (one IN (...) each)."""
    ordered = sorted(ids)
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


def declared_lists(conn: Connection, cls: type[Any], ids: set[str] | None = None) -> Lists:
    """The declared lists of `cls`'s entities kept in tables of their own (all of them, or
    those of `ids`), by (class, field), then owner, in their order."""
    owner = next(o for _, c, _, o in ENTITIES if c is cls)
    out: Lists = {}
    for d in children(cls):
        table, column = child_table(d)
        grouped: dict[str, list[str]] = defaultdict(list)
        query = select(table.c[owner], table.c[column]).order_by(table.c[owner], table.c.position)
        queries = (
            [query]
            if ids is None
            else [query.where(table.c[owner].in_(chunk)) for chunk in chunked(ids)]
        )
        for q in queries:
            for key, value in conn.execute(q):
                grouped[key].append(value)
        out[(cls, d.name)] = {k: tuple(v) for k, v in grouped.items()}
    return out


def _lists(conn: Connection) -> Lists:
    """Every declared list of every entity."""
    out: Lists = {}
    for _, cls, _, _ in ENTITIES:
        out.update(declared_lists(conn, cls))
    return out


def with_lists(cls: type[Any], row: Any, lists: Lists) -> dict[str, Any]:
    """A stored row's fields and its declared lists, as `cls` takes them."""
    kw = _declared(cls, row)
    for d in children(cls):
        kw[d.name] = lists[(cls, d.name)].get(row.id, ())
    return kw


def _rows(conn: Connection, table: Table, *order: str) -> Any:
    """The rows of entities still in the organisation, in their order."""
    query = select(table).where(table.c.removed_at.is_(None))
    return conn.execute(query.order_by(*(table.c[o] for o in order)))


def load_organisation(conn: Connection) -> Organisation | None:
    """The current organisation, or None when nothing was imported yet."""
    st = conn.execute(select(STATE).where(STATE.c.id == 1)).first()
    if st is None:
        return None
    municipality = municipality_of(st)
    lists = _lists(conn)
    rules = _rules(conn)
    tasks = [task_of(r, lists, rules) for r in _rows(conn, TASKS, "unit_id", "position")]
    employees = [
        Employee(**with_lists(Employee, r, lists))
        for r in _rows(conn, EMPLOYEES, "unit_id", "position")
    ]
    units = _units(conn, lists, tasks, employees)
    mailings = [Mailing(**with_lists(Mailing, r, lists)) for r in _rows(conn, MAILINGS, "position")]
    return Organisation(municipality, units, employees, tasks, mailings, revision=st.revision)


def _rules(conn: Connection) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(select(RULES).order_by(RULES.c.task_id, RULES.c.position)):
        out[row.task_id].append(row)
    return out


def task_of(r: Any, lists: Lists, rules: dict[str, list[Any]]) -> Task:
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
    return Task(
        **with_lists(Task, r, lists),
        refer_to=ReferTo(r.refer_name, r.refer_number, r.refer_hours, r.refer_url)
        if r.refer_number
        else None,
        distribution=dist,
    )


def _units(
    conn: Connection, lists: Any, tasks: list[Task], employees: list[Employee]
) -> list[Unit]:
    numbers: dict[str, list[Number]] = defaultdict(list)
    for n in conn.execute(select(NUMBERS).order_by(NUMBERS.c.unit_id, NUMBERS.c.position)):
        numbers[n.unit_id].append(Number(n.number, n.label))
    secretaries = {r.unit_id: r for r in conn.execute(select(SECRETARIES))}
    restrictions = {r.unit_id: r for r in conn.execute(select(RESTRICTIONS))}
    unit_tasks: dict[str, list[str]] = defaultdict(list)
    for t in tasks:
        unit_tasks[t.unit].append(t.id)
    unit_emps: dict[str, list[str]] = defaultdict(list)
    for e in employees:
        unit_emps[e.unit].append(e.id)
    units: list[Unit] = []
    for r in _rows(conn, UNITS, "position"):
        sec = secretaries.get(r.id)
        res = restrictions.get(r.id)
        own = with_lists(Unit, r, lists)
        listed = (tuple(unit_tasks.get(r.id, [])), tuple(unit_emps.get(r.id, [])))
        units.append(unit_of(own, r, numbers.get(r.id, []), sec, res, listed))
    return units


def municipality_of(st: Any) -> Municipality:
    """The municipality from its state row."""
    return Municipality(
        **_declared(Municipality, st),
        hours=MunicipalityHours(st.official_hours, st.opening_hours, st.phone_hours),
    )


def unit_of(
    own: dict[str, Any],
    r: Any,
    numbers: list[Number],
    sec: Any,
    res: Any,
    listed: tuple[tuple[str, ...], tuple[str, ...]],
) -> Unit:
    """A unit from its own fields (`own`), its row, numbers, secretary and restriction
    rows, and the ids of its tasks and employees in order."""
    return Unit(
        **own,
        hours=Hours(r.opening_hours, r.phone_hours),
        numbers=tuple(numbers),
        transfer_only_to=TransferOnlyTo(res.employee_id, res.number) if res else None,
        secretary=SecretaryRule(sec.employee_id, sec.when_text, tuple(sec.roles)) if sec else None,
        tasks=listed[0],
        employees=listed[1],
    )


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
        org, problems = keep_sourced(current, org)  # a source's people are not the file's
        if problems:
            raise Invalid("; ".join(problems) + "; nothing was written")
        org, feeds = calendar_feeds.resolve(conn, org)  # addresses out, kept by the store
        changes = diff(current, org) + feeds.changes
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
            warnings=[*(warnings or []), *feeds.warnings],
        )
        if dry_run or not changes:
            return summary
        revision = db_revision + 1
        write_changes(conn, org, changes, now)
        codes_ended = calendar_feeds.apply(conn, feeds, actor=actor, now=now)
        conn.execute(
            update(STATE)
            .where(STATE.c.id == 1)
            .values(revision=revision, last_import_revision=revision)
        )
        audit(conn, changes, actor=actor, source="import", revision=revision, now=now)
        summary.revision = revision
        summary.written = True
    _changed(engine, presence=codes_ended > 0)
    return summary


class StaleEdit(Exception):
    """The edit was made on a snapshot that is no longer the stored organisation."""

    def __init__(self, base_revision: int | None, db_revision: int) -> None:
        self.base_revision = base_revision
        self.db_revision = db_revision
        super().__init__(
            f"the edit was made on revision {base_revision}, the database is at {db_revision}"
        )


def save_edit(
    engine: Engine,
    org: Organisation,
    *,
    actor: str,
    source: str = "web",
    now: datetime | None = None,
    base: Organisation | None = None,
    changes: list[Change] | None = None,
) -> list[Change]:
    """Store an edit made outside the file (the web, the CLI) as a new revision.

    With `base`, the snapshot the edit was made on: written from what changed (`changes`,
    or the diff from `base`), without reading the organisation again, when `base` is
    still the stored revision; StaleEdit when it is not (make the edit again on the
    stored organisation). Without it, the stored organisation is read and compared."""
    now = (now or datetime.now(UTC)).astimezone(UTC)  # stored as UTC on every engine
    with engine.begin() as conn:
        state = (
            conn.execute(select(STATE).where(STATE.c.id == 1).with_for_update()).mappings().first()
        )
        db_revision = state["revision"] if state else 0
        if base is not None:
            if state is None or base.revision != db_revision:
                raise StaleEdit(base.revision, db_revision)
            org, feeds = calendar_feeds.resolve(conn, org)
            if changes is None:
                changes = diff(base, org)
        else:
            org, feeds = calendar_feeds.resolve(conn, org)
            changes = diff(load_organisation(conn), org)
        changes = [*changes, *feeds.changes]
        if not changes:
            return changes
        revision = db_revision + 1
        write_changes(conn, org, changes, now)
        codes_ended = calendar_feeds.apply(conn, feeds, actor=actor, now=now)
        conn.execute(update(STATE).where(STATE.c.id == 1).values(revision=revision))
        audit(conn, changes, actor=actor, source=source, revision=revision, now=now)
    _changed(engine, presence=codes_ended > 0)
    return changes


def on_write(engine: Engine, callback: Callable[[], None]) -> None:
    """Call the bound method `callback` after each organisation write through this process
    to the database of `engine` (after its commit)."""
    notify.listen("organisation", engine, callback)


def _changed(engine: Engine, *, presence: bool = False) -> None:
    """A write in this process has committed: tell the listeners on the same database (and
    the presence caches, when it ended calendar codes)."""
    notify.written("organisation", engine)
    if presence:
        notify.written("presence", engine)
