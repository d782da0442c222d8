"""The organisation in the database, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select, text

from omstilling import orgfile
from omstilling.domain.fields import children, columns
from omstilling.domain.organisation import Employee, Mailing, Municipality, Organisation, Task, Unit
from omstilling.store import db as store_db
from omstilling.store import models as m
from omstilling.store.organisation import (
    StaleRevision,
    import_organisation,
    load_organisation,
    save_edit,
)
from tests.conftest import mini_text

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def load(engine: Engine) -> Organisation:
    with engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None
    return org


def export(engine: Engine) -> str:
    org = load(engine)
    return orgfile.dump(org, org.revision)


def import_doc(engine: Engine, doc: dict[str, Any], **kw: Any) -> Any:
    result = orgfile.parse_data(doc)
    return import_organisation(
        engine, result.organisation, file_revision=result.revision, actor="test", now=NOW, **kw
    )


def mini() -> dict[str, Any]:
    return yaml.safe_load(mini_text())


def test_import_export_reimport_is_identical(engine: Engine) -> None:
    first = import_doc(engine, mini())
    assert first.written and first.revision == 1
    exported = export(engine)
    again = import_organisation(
        engine, orgfile.parse(exported).organisation, file_revision=1, actor="test", now=NOW
    )
    assert again.changes == [] and not again.written
    assert export(engine) == exported
    # The exported file is the acceptance fixture's organisation, unchanged.
    assert orgfile.dump(orgfile.parse_text(mini_text()), 1) == exported


def test_reimport_of_the_same_file_changes_nothing(engine: Engine) -> None:
    import_doc(engine, mini())
    summary = import_doc(engine, mini())
    assert summary.changes == [] and summary.revision == 1
    with engine.connect() as conn:
        assert conn.execute(select(m.AuditEntry.revision).distinct()).scalars().all() == [1]


def test_changed_file_updates_in_place_and_removes_what_is_gone(engine: Engine) -> None:
    import_doc(engine, mini())
    doc = mini()
    jobcenter = next(u for u in doc["units"] if u["id"] == "jobcenter")
    jobcenter["employees"][2]["title"] = "Jobkonsulent"
    jobcenter["tasks"] = [t for t in jobcenter["tasks"] if t["id"] != "sygedagpenge"]
    jobcenter["employees"][3]["tasks"] = ["kontanthjaelp"]
    doc["units"] = [u for u in doc["units"] if u["id"] != "miljoe-og-teknik"]
    summary = import_doc(engine, doc)
    got = {(c.entity, c.id, c.action) for c in summary.changes}
    assert ("employee", "mette-jobcenter", "changed") in got
    assert ("employee", "niels-jobcenter", "changed") in got
    assert ("task", "sygedagpenge", "removed") in got
    assert ("unit", "miljoe-og-teknik", "removed") in got
    assert ("employee", "kim-teknik", "removed") in got
    org = load(engine)
    assert org.employees["mette-jobcenter"].title == "Jobkonsulent"
    assert "miljoe-og-teknik" not in org.units and "kim-teknik" not in org.employees
    # History stays readable: the rows are kept, marked removed, and audited.
    with engine.connect() as conn:
        row = conn.execute(select(m.EmployeeRow).where(m.EmployeeRow.id == "kim-teknik")).one()
        assert row.removed_at is not None and row.name == "Kim Juhl"
        before = conn.execute(
            select(m.AuditEntry.before).where(
                m.AuditEntry.entity_id == "kim-teknik", m.AuditEntry.action == "removed"
            )
        ).scalar()
        assert before["name"] == "Kim Juhl"


def test_removed_then_readded_comes_back(engine: Engine) -> None:
    import_doc(engine, mini())
    doc = mini()
    doc["units"] = [u for u in doc["units"] if u["id"] != "miljoe-og-teknik"]
    import_doc(engine, doc)
    summary = import_doc(engine, mini())
    assert ("unit", "miljoe-og-teknik", "added") in {
        (c.entity, c.id, c.action) for c in summary.changes
    }
    assert export(engine) == orgfile.dump(orgfile.parse_text(mini_text()), 3)


def test_dry_run_writes_nothing(engine: Engine) -> None:
    summary = import_doc(engine, mini(), dry_run=True)
    assert summary.counts()["added"] > 20 and not summary.written
    with engine.connect() as conn:
        assert load_organisation(conn) is None
    import_doc(engine, mini())
    doc = mini()
    doc["municipality"]["name"] = "Randers"
    summary = import_doc(engine, doc, dry_run=True)
    assert [c.describe() for c in summary.changes] == ["municipality municipality: changed name"]
    assert load(engine).municipality.name == "Randers Kommune"


def test_an_invalid_file_writes_nothing(engine: Engine) -> None:
    import_doc(engine, mini())
    doc = mini()
    doc["units"][0]["name"] = "Ny"
    doc["units"][1]["hours"]["phone"] = "nonsense"
    with pytest.raises(orgfile.OrgFileError):
        import_doc(engine, doc)
    assert load(engine).units["kultur-og-borgerservice"].name == "Kultur og Borgerservice"


def test_r2_6_two_ways_to_edit_older_revision_is_refused_unless_forced(engine: Engine) -> None:
    import_doc(engine, mini())
    exported = yaml.safe_load(export(engine))
    assert exported["revision"] == 1
    org = load(engine)
    edited = Organisation(
        org.municipality,
        [
            u if u.id != "jobcenter" else _renamed(u, "Jobcenter Randers")
            for u in org.units.values()
        ],
        list(org.employees.values()),
        list(org.tasks.values()),
        list(org.mailings.values()),
    )
    changes = save_edit(engine, edited, actor="lise@randers.dk", now=NOW)
    assert [c.describe() for c in changes] == ["unit jobcenter: changed name"]
    with pytest.raises(StaleRevision) as exc:
        import_doc(engine, exported)
    assert "unit jobcenter changed by lise@randers.dk" in str(exc.value)
    summary = import_doc(engine, copy.deepcopy(exported), force=True)
    assert summary.written and load(engine).units["jobcenter"].name == "Jobcenter"


def test_r2_6_a_file_without_revision_lists_the_web_edits_it_overwrites(engine: Engine) -> None:
    import_doc(engine, mini())
    org = load(engine)
    edited = Organisation(
        org.municipality,
        [
            u if u.id != "jobcenter" else _renamed(u, "Jobcenter Randers")
            for u in org.units.values()
        ],
        list(org.employees.values()),
        list(org.tasks.values()),
        list(org.mailings.values()),
    )
    save_edit(engine, edited, actor="lise@randers.dk", now=NOW)
    summary = import_doc(engine, mini())  # the nightly file: no revision
    assert summary.written
    assert any("unit jobcenter changed by lise@randers.dk" in e for e in summary.overwritten_edits)
    with engine.connect() as conn:
        trail = (
            conn.execute(
                select(m.AuditEntry.after)
                .where(m.AuditEntry.entity_id == "jobcenter")
                .order_by(m.AuditEntry.id)
            )
            .scalars()
            .all()
        )
    assert [t["name"] for t in trail] == ["Jobcenter", "Jobcenter Randers", "Jobcenter"]


def _renamed(u: Any, name: str) -> Any:
    import dataclasses

    return dataclasses.replace(u, name=name)


def test_schema_matches_the_migrations(engine: Engine) -> None:
    """alembic check: the models and the migrations agree."""
    store_db.check(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = store_db.make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_every_declared_column_and_list_table_exists() -> None:
    tables = {
        Municipality: m.OrgState,
        Unit: m.UnitRow,
        Task: m.TaskRow,
        Employee: m.EmployeeRow,
        Mailing: m.MailingRow,
    }
    for cls, model in tables.items():
        own = set(model.__table__.columns.keys())
        assert {d.column for d in columns(cls)} <= own, cls.__name__
        for d in children(cls):
            assert d.spec.child is not None
            name, column = d.spec.child
            assert column in m.Base.metadata.tables[name].columns, d.name


def test_every_employee_field_survives_the_database(engine: Engine) -> None:
    import_doc(engine, mini())
    org = load(engine)
    eid = next(iter(org.employees))
    full = dataclasses.replace(
        org.employees[eid],
        title="Rådgiver",
        role="leader",
        phone="+4589152201",
        public=False,
        extension="2201",
        mobile="+4540123456",
        email="a@randers.dk",
        login="AB1234",
        external_id="hr-1",
        works="Mo-Th 08:00-15:30",
        main_tasks="Pas og kørekort",
    )
    edited = Organisation(
        org.municipality,
        list(org.units.values()),
        [full if e.id == eid else e for e in org.employees.values()],
        list(org.tasks.values()),
        list(org.mailings.values()),
    )
    changes = save_edit(engine, edited, actor="test", now=NOW)
    assert [(c.entity, c.id, c.action) for c in changes] == [("employee", eid, "changed")]
    assert load(engine).employees[eid] == full
    with engine.connect() as conn:
        after = conn.execute(
            select(m.AuditEntry.after).where(
                m.AuditEntry.entity_id == eid, m.AuditEntry.source == "web"
            )
        ).scalar_one()
    assert after["main_tasks"] == "Pas og kørekort" and after["phone"] == "89 15 22 01"


def test_a_referrals_hours_and_address_are_stored(engine: Engine) -> None:
    """Migration 0013: refer_to.hours and refer_to.url round-trip through the database."""
    doc = mini()
    task = next(t for u in doc["units"] for t in u.get("tasks", []) if "refer_to" in t)
    task["refer_to"].update(hours="Mo-Fr 08:00-16:00; PH off", url="https://www.borger.dk/")
    import_doc(engine, doc)
    ref = load(engine).tasks[task["id"]].refer_to
    assert ref is not None and ref.hours == "Mo-Fr 08:00-16:00; PH off"
    assert ref.url == "https://www.borger.dk/"
    assert import_doc(engine, yaml.safe_load(export(engine))).changes == []
