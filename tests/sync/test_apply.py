"""The sync's plan and write (issue 14 items 3-5) against a real database: matching,
ownership, leavers (R3.5, R3.6), returners, the left.max_share guard, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from omstilling import orgfile
from omstilling.messages.core import NewMessage, create_message
from omstilling.settings import Settings
from omstilling.store.message_models import MessageRow
from omstilling.store.models import AuditEntry
from omstilling.store.sync_runs import last_runs, open_flags
from omstilling.sync.apply import run_sync
from tests.sync.helpers import csv_sync, import_mini, org_of, write_csv

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OWNED = {
    "jens-jobcenter": {"source": "hr", "external_id": "1"},
    "sara-jobcenter": {"source": "hr", "external_id": "2"},
    "mette-jobcenter": {"source": "hr", "external_id": "3"},
    "niels-jobcenter": {"source": "hr", "external_id": "4"},
    "anne-familie": {"source": "hr", "external_id": "5"},
    "bo-familie": {"source": "hr", "external_id": "6"},
}
ROWS = [
    ["1", "Jens Krog", "Jobcenterchef", "89 15 22 01", "", "Jobcenter", ""],
    ["2", "Sara Lind", "Sekretær", "89 15 22 02", "", "Jobcenter", ""],
    ["3", "Mette Dahl", "Sagsbehandler", "89 15 22 11", "", "Jobcenter", ""],
    ["4", "Niels Bak", "Sagsbehandler", "89 15 22 12", "", "Jobcenter", ""],
    ["5", "Anne Andersen", "Socialrådgiver", "89 15 31 01", "", "Familie", ""],
    ["6", "Bo Eriksen", "Socialrådgiver", "89 15 31 02", "", "Familie", ""],
]


def test_an_unchanged_source_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    import_mini(engine, **OWNED)
    before = org_of(engine).revision
    result = run_sync(engine, csv_sync(write_csv(tmp_path / "hr.csv", ROWS)), now=NOW)
    assert (result.outcome, result.exit_code, result.revision) == ("done", 0, None)
    assert result.plan is not None and not result.plan.changed_anything()
    assert org_of(engine).revision == before


def test_r3_5_r3_6_rename_number_move_leaver_and_returner(engine: Engine, tmp_path: Path) -> None:
    """A rename, a new number, a move between units, a new person, and a leaver with an
    open message and a distribution rule naming her: the message goes to her unit (R3.6),
    the rule names the unit and is flagged (R3.5), the audit trail's author is the sync's
    name with the old value; then she comes back under her id."""
    import_mini(engine, **OWNED)
    create_message(
        engine,
        NewMessage("Borger Hansen", "20304050", "Ring om kontanthjælp", employee="mette-jobcenter"),
        actor="operator",
        now=NOW,
        settings=Settings(),
    )
    rows = [list(r) for r in ROWS if r[0] != "3"]  # Mette left
    rows[0][1] = "Jens Krog-Hansen"  # renamed
    rows[1][3] = "89 15 22 99"  # a new number
    rows[4][5] = "Jobcenter"  # Bo moves from Familie
    rows.append(["7", "Ny Person", "Elev", "", "ny@randers.dk", "Teknik", ""])
    result = run_sync(engine, csv_sync(write_csv(tmp_path / "hr.csv", rows)), now=NOW)
    assert result.outcome == "done", result.errors
    org = org_of(engine)
    assert org.employees["jens-jobcenter"].name == "Jens Krog-Hansen"
    assert org.employees["sara-jobcenter"].phone == "+4589152299"
    assert org.employees["bo-familie"].unit == "jobcenter"
    assert "bo-familie" in org.units["jobcenter"].employees
    assert "bo-familie" not in org.units["familie"].employees
    new = org.employees["ny-person"]
    assert (new.unit, new.role, new.public, new.source, new.external_id) == (
        "miljoe-og-teknik",
        "staff",
        True,
        "hr",
        "7",
    )
    assert "mette-jobcenter" not in org.employees
    rule = org.tasks["kontanthjaelp"].distribution.rules[0]
    assert (rule.match, rule.target.unit, rule.target.employee) == ("1-15", "jobcenter", None)
    # What the units own is untouched: Niels keeps his tasks, Jens his role.
    assert org.employees["niels-jobcenter"].tasks == ("kontanthjaelp", "sygedagpenge")
    assert org.employees["jens-jobcenter"].role == "leader"
    # R3.6: Mette's open message is the unit's now.
    with engine.connect() as conn:
        msg = conn.execute(select(MessageRow.__table__)).one()
    assert (msg.employee_id, msg.unit_id) == (None, "jobcenter")
    # R3.5: flagged for the unit until someone decides.
    flags = open_flags(engine, ["jobcenter"])
    assert [f.employee_id for f in flags] == ["mette-jobcenter"]
    assert "fordelingen 1-15 gik til Mette Dahl" in flags[0].what
    # The audit trail: the sync's name as author, the old value kept.
    with engine.connect() as conn:
        rows_ = conn.execute(
            select(AuditEntry.__table__).where(AuditEntry.__table__.c.source == "sync")
        ).all()
    assert {r.actor for r in rows_} == {"hr"}
    task_change = next(r for r in rows_ if r.entity_id == "kontanthjaelp")
    assert task_change.before["distribution"]["rules"][0] == {
        "match": "1-15",
        "employee": "mette-jobcenter",
    }
    assert {(r.entity_id, r.action) for r in rows_ if r.entity == "employee"} >= {
        ("mette-jobcenter", "removed"),
        ("ny-person", "added"),
        ("bo-familie", "changed"),
    }
    report = result.report()["units"]
    assert report["jobcenter"]["left"] == ["Mette Dahl"]
    assert report["jobcenter"]["moved"] == [
        {"name": "Bo Eriksen", "from": "familie", "to": "jobcenter"}
    ]
    assert report["jobcenter"]["changed"][0]["fields"]["name"] == ["Jens Krog", "Jens Krog-Hansen"]
    # Exportable and importable as it is.
    orgfile.parse_text(orgfile.dump(org, org.revision))
    # She comes back with the same stable id: her id, and so her history, again.
    rows.append(["3", "Mette Dahl", "Sagsbehandler", "89 15 22 11", "", "Jobcenter", ""])
    again = run_sync(engine, csv_sync(write_csv(tmp_path / "hr.csv", rows)), now=NOW)
    assert again.outcome == "done", again.errors
    assert org_of(engine).employees["mette-jobcenter"].unit == "jobcenter"
    assert again.report()["units"]["jobcenter"]["returned"] == ["Mette Dahl"]
    runs = last_runs(engine)
    assert [r.outcome for r in runs] == ["done", "done"] and runs[1].left == 1


def test_the_max_share_guard_refuses_and_changes_nothing_unless_forced(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue 14 item 5: a run that would mark more than left.max_share as left stops
    (exit 3) and changes nothing; --force does it."""
    import_mini(engine, **OWNED)
    before = org_of(engine).revision
    path = write_csv(tmp_path / "hr.csv", ROWS[:5])  # 1 of 6 would leave: 17 % > 10 %
    config = csv_sync(path, left={"max_share": 0.10})
    refused = run_sync(engine, config, now=NOW)
    assert (refused.outcome, refused.exit_code) == ("refused", 3)
    assert (
        "1 of 6 people of 'hr' (17%) would leave, more than left.max_share 10%" in refused.errors[0]
    )
    assert org_of(engine).revision == before
    dry = run_sync(engine, config, now=NOW, dry_run=True)
    assert dry.exit_code == 3 and org_of(engine).revision == before
    forced = run_sync(engine, config, now=NOW, force=True)
    assert forced.exit_code == 0 and "bo-familie" not in org_of(engine).employees
    assert [r.outcome for r in last_runs(engine)] == ["done", "refused", "refused"]


def test_first_sync_matches_by_email_once_and_maps_the_unmapped_to_the_default(
    engine: Engine, tmp_path: Path
) -> None:
    """A person made by hand is matched once by e-mail and gets the external id; an
    unmapped department goes to the default and is listed; a person without a source is
    never touched; a bad number is skipped with a warning naming the line."""
    import_mini(engine)
    rows = [
        ["900", "Ida Holm", "Teamleder", "89 15 15 01", "IDA.HOLM@example.dk", "Borgerservice", ""],
        ["901", "Nina Nyt", "Vejleder", "123", "", "Økonomi", ""],
    ]
    config = csv_sync(
        write_csv(tmp_path / "hr.csv", rows),
        units={"map": {"Borgerservice": "borgerservice"}, "default": "borgerservice"},
    )
    result = run_sync(engine, config, now=NOW)
    assert result.outcome == "done", result.errors
    org = org_of(engine)
    ida = org.employees["ida-borgerservice"]
    assert (ida.external_id, ida.source, ida.email) == ("900", "hr", "IDA.HOLM@example.dk")
    assert org.employees["nina-nyt"].unit == "borgerservice"
    assert org.employees["nina-nyt"].phone is None
    assert result.report()["unmapped"] == {"Økonomi": 1}
    assert "hr.csv line 3: phone is not a phone number; left out" in result.report()["warnings"]
    assert org.employees["mette-jobcenter"].source is None  # never touched
    assert len(org.employees) == 11


def test_a_unit_the_sync_file_names_must_exist(engine: Engine, tmp_path: Path) -> None:
    import_mini(engine, **OWNED)
    config = csv_sync(write_csv(tmp_path / "hr.csv", ROWS), units={"default": "findes-ikke"})
    result = run_sync(engine, config, now=NOW)
    assert result.exit_code == 1
    assert result.errors == ["units.default: unknown unit 'findes-ikke'"]


def test_r3_5_a_secretary_owner_and_transfer_only_to_who_left_become_the_unit(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue 14 item 4: the secretary rule naming her is removed (calls go to the unit),
    `transfer_only_to` her becomes the unit's main number, an owner who left is cleared;
    each is flagged and the organisation stays valid and exportable."""
    import yaml

    from omstilling.store.organisation import import_organisation
    from tests.conftest import mini_text

    doc = yaml.safe_load(mini_text())
    for u in doc["units"]:
        for e in u.get("employees", []):
            e.update(OWNED.get(e["id"], {}))
        if u["id"] == "jobcenter":
            u["transfer_only_to"] = {"employee": "jens-jobcenter"}
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="i")
    rows = [r for r in ROWS if r[0] not in ("1", "2")]  # Jens (owner) and Sara (secretary)
    result = run_sync(engine, csv_sync(write_csv(tmp_path / "hr.csv", rows)), now=NOW, force=True)
    assert result.outcome == "done", result.errors
    unit = org_of(engine).units["jobcenter"]
    assert unit.secretary is None and unit.owner is None
    assert unit.transfer_only_to is not None and unit.transfer_only_to.number == "+4589152200"
    whats = sorted(f.what for f in open_flags(engine, ["jobcenter"]))
    assert len(whats) == 3
    assert any(w.startswith("Sekretærreglen gik til Sara Lind") for w in whats)
    assert any(w.startswith("«Omstil kun til» var Jens Krog") for w in whats)
    assert any(w.startswith("Ansvarlig for enhedens data var Jens Krog") for w in whats)
    org = org_of(engine)
    orgfile.parse_text(orgfile.dump(org, org.revision))
