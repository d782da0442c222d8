"""One sync run, all or nothing: read the source, plan, guard, write, record.

The write goes through the organisation's own path (`store.org_write` and its audit
trail, the state's revision moved on, the write announced), so a running server patches
its snapshot from the audit trail (`store.org_patch`) and swaps it in when ready, as
after any edit. The audit entries' author is the sync file's `name`, their source
"sync". The whole change (people, rewritten rules, messages moved to units, flags and the
run's record) is one transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, select, update

from omstilling.domain.orgdiff import diff
from omstilling.errors import DomainError
from omstilling.store import notify
from omstilling.store import sync_runs as runs
from omstilling.store.org_write import STATE, audit, write_changes
from omstilling.store.organisation import load_organisation
from omstilling.sync.config import LdapSource, SyncConfig
from omstilling.sync.entries import Progress, SourceError, SourceRead, no_progress
from omstilling.sync.plan import Plan, plan

Outcome = Literal["done", "error", "refused"]
EXIT = {"done": 0, "error": 1, "refused": 3}


@dataclass
class RunResult:
    outcome: Outcome
    dry_run: bool
    plan: Plan | None = None
    read: SourceRead | None = None
    errors: list[str] = field(default_factory=list)
    revision: int | None = None
    messages_moved: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def exit_code(self) -> int:
        return EXIT[self.outcome]

    def report(self) -> dict[str, Any]:
        """What the admin page and the CLI show: per unit, warnings, errors (never a value
        of an ignored column, never a secret)."""
        p, r = self.plan, self.read
        return {
            "units": {u: vars(x) for u, x in sorted(p.units.items())} if p else {},
            "warnings": ((r.warnings if r else []) + (p.warnings if p else []))[:500],
            "warnings_total": len(r.warnings if r else []) + len(p.warnings if p else []),
            "unmapped": p.unmapped if p else {},
            "ignored_columns": r.ignored_columns if r else [],
            "skipped": r.skipped if r else 0,
            "entries": p.entries if p else 0,
            "left_share": round(p.left_share, 4) if p else 0,
            "flags": [f.what for f in p.flags] if p else [],
            "messages_moved": self.messages_moved,
            "errors": self.errors,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def read_source(config: SyncConfig, progress: Progress = no_progress) -> SourceRead:
    if isinstance(config.source, LdapSource):
        from omstilling.sync.ldap import read_ldap

        return read_ldap(config, progress)
    from omstilling.sync.tables import read_table

    return read_table(config, progress)


def run_sync(
    engine: Engine,
    config: SyncConfig,
    *,
    dry_run: bool = False,
    force: bool = False,
    now: datetime | None = None,
    progress: Progress = no_progress,
) -> RunResult:
    """One run of the sync `config` against the database of `engine`. Never raises for
    what the source or the organisation refuses: the result says so, and is recorded."""
    started = (now or datetime.now(UTC)).astimezone(UTC)
    result = RunResult("done", dry_run)
    t0 = time.perf_counter()
    try:
        result.read = read_source(config, progress)
        result.seconds["read"] = time.perf_counter() - t0
        for _ in range(3):  # the organisation moved while we planned: plan again
            if _plan_and_write(engine, config, result, force=force, now=started):
                break
        else:
            raise SourceError("the organisation kept changing during the sync; try again")
    except DomainError as exc:
        result.outcome = "error"
        result.errors.append(str(exc))
    result.seconds["total"] = time.perf_counter() - t0
    if result.run_id is None:
        with engine.begin() as conn:
            result.run_id = runs.record_run(conn, _run_row(config, result, started))
    return result


def _plan_and_write(
    engine: Engine, config: SyncConfig, result: RunResult, *, force: bool, now: datetime
) -> bool:
    """Plan against the stored organisation and write it in one transaction; False when the
    organisation changed between the two (plan again)."""
    assert result.read is not None
    t0 = time.perf_counter()
    with engine.connect() as conn:
        org = load_organisation(conn)
        if org is None:
            raise SourceError("no organisation yet: import an organisation file first")
        departed = runs.departed(conn, config.name)
        taken = runs.taken_ids(conn)
    result.seconds["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    p = result.plan = plan(config, org, result.read.entries, departed=departed, taken_ids=taken)
    result.seconds["plan"] = time.perf_counter() - t1
    if p.left_share > config.max_left_share and not force:
        result.outcome = "refused"
        result.errors.append(
            f"{len(p.left_ids)} of {p.source_people} people of '{config.name}' "
            f"({p.left_share:.0%}) would leave, more than left.max_share "
            f"{config.max_left_share:.0%}; nothing was changed (--force to do it anyway)"
        )
        return True
    if result.dry_run or not p.changed_anything():
        return True
    t2 = time.perf_counter()
    changes = diff(org, p.org)
    with engine.begin() as conn:
        revision = conn.execute(
            select(STATE.c.revision).where(STATE.c.id == 1).with_for_update()
        ).scalar_one()
        if revision != org.revision:
            return False
        revision += 1
        write_changes(conn, p.org, changes, now)
        conn.execute(update(STATE).where(STATE.c.id == 1).values(revision=revision))
        audit(conn, changes, actor=config.name, source="sync", revision=revision, now=now)
        left = {i: org.employees[i].unit for i in p.left_ids}
        result.messages_moved = runs.messages_to_units(conn, left, actor=config.name, now=now)
        runs.add_flags(conn, p.flags, sync=config.name, now=now)
        result.revision = revision
        result.seconds["write"] = time.perf_counter() - t2
        result.run_id = runs.record_run(conn, _run_row(config, result, now))
    notify.written("organisation", engine)
    return True


def _run_row(config: SyncConfig, result: RunResult, started: datetime) -> dict[str, Any]:
    p = result.plan
    return {
        "name": config.name,
        "started_at": started,
        "finished_at": datetime.now(UTC),
        "dry_run": result.dry_run,
        "outcome": result.outcome,
        "revision": result.revision,
        "added": p.count("added") if p else 0,
        "changed": p.count("changed") if p else 0,
        "moved": p.count("moved") if p else 0,
        "left": len(p.left_ids) if p else 0,
        "returned": p.count("returned") if p else 0,
        "report": result.report(),
    }
