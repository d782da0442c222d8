"""A snapshot brought up to date from the audit trail equals a fresh load (issue 13
item 3), on SQLite and PostgreSQL, after random edits; and where the trail cannot tell,
the whole organisation is loaded instead."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, update

from omstilling import orgfile
from omstilling.demo.org import demo_organisation
from omstilling.domain.organisation import Organisation
from omstilling.domain.orgdiff import entity_docs
from omstilling.store.org_patch import patch
from omstilling.store.org_write import STATE
from omstilling.store.organisation import (
    current_revision,
    import_organisation,
    load_organisation,
    save_edit,
)
from tests.org_edits import Edit, edits

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@cache
def demo() -> Organisation:
    return orgfile.parse_data(demo_organisation()).organisation


def same(a: Organisation, b: Organisation) -> None:
    assert entity_docs(a) == entity_docs(b)
    assert list(a.units) == list(b.units) and list(a.mailings) == list(b.mailings)
    assert a.revision == b.revision
    assert {u: a.children(u) for u in [None, *a.units]} == {
        u: b.children(u) for u in [None, *b.units]
    }
    assert a.employees == b.employees and a.tasks == b.tasks and a.units == b.units


def stored(engine: Engine) -> Organisation:
    with engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None
    return org


def fresh_start(engine: Engine) -> Organisation:
    import_organisation(engine, demo(), file_revision=None, actor="test", now=NOW)
    return stored(engine)


def patched(engine: Engine, org: Organisation) -> Any:
    with engine.connect() as conn:
        return patch(conn, org)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(edits(max_size=5))
def test_a_snapshot_patched_from_the_audit_trail_equals_a_fresh_load(
    engine: Engine, steps: list[tuple[str, Edit]]
) -> None:
    start = fresh_start(engine)
    snapshot = start
    for _, apply in steps:
        base = stored(engine)
        new = apply(base)
        save_edit(engine, new, actor="test", now=NOW, base=base)
        step = patched(engine, snapshot)  # one revision at a time, as the server goes
        assert step is not None
        snapshot = step[0]
        same(snapshot, stored(engine))
    whole = patched(engine, start)  # several revisions at once
    assert whole is not None
    same(whole[0], stored(engine))


def test_a_revision_the_audit_trail_does_not_account_for_is_loaded_whole(engine: Engine) -> None:
    start = fresh_start(engine)
    with engine.begin() as conn:  # a write that left no audit rows
        conn.execute(update(STATE).values(revision=STATE.c.revision + 1))
    assert patched(engine, start) is None


def test_nothing_changed_is_the_same_snapshot(engine: Engine) -> None:
    start = fresh_start(engine)
    step = patched(engine, start)
    assert step is not None and step[0] is start and step[1] == {}
    with engine.connect() as conn:
        assert current_revision(conn) == start.revision


def test_an_import_that_puts_a_unit_and_a_mailing_in_the_middle_keeps_the_stored_order(
    engine: Engine,
) -> None:
    start = fresh_start(engine)
    doc = demo_organisation()
    first = doc["units"][0]
    doc["units"].insert(
        2, {"id": "ny-enhed", "name": "Ny enhed", "kind": "team", "parent": first["id"]}
    )
    doc["mailings"] = [
        {
            "id": "brev-foerst",
            "unit": first["id"],
            "title": "Brev om ferie",
            "sent": "2026-11-30",
            "calls_expected_until": "2026-12-18",
        },
        *doc.get("mailings", []),
    ]
    import_organisation(
        engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="t", now=NOW
    )
    step = patched(engine, start)
    assert step is not None
    same(step[0], stored(engine))
    assert list(step[0].units)[2] == "ny-enhed" and next(iter(step[0].mailings)) == "brev-foerst"
