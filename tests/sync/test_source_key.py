"""The employee key `source` (issue 14 item 3, spec/sync.md): the file reads, writes and
stores it; an organisation-file import keeps a source's people and what the source owns
of them; the editor shows those fields read-only ("fra ad")."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from omstilling import accounts, orgfile
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation, load_organisation
from omstilling.web.app import create_app
from tests.conftest import mini_text
from tests.web.session import PASSWORD, csrf, sign_in


def mini_doc(**employee: Any) -> dict[str, Any]:
    """The mini organisation with `employee` keys set on Mette of the job centre."""
    doc = yaml.safe_load(mini_text())
    for u in doc["units"]:
        for e in u.get("employees", []):
            if e["id"] == "mette-jobcenter":
                e.update(employee)
    return doc


def unit_doc(doc: dict[str, Any], unit_id: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["id"] == unit_id)


def test_source_is_read_exported_and_stored_round_trip(engine: Engine) -> None:
    doc = mini_doc(source="ad", external_id="0b5c6d1e-0000-4000-8000-000000000001")
    org = orgfile.parse_data(doc).organisation
    assert org.employees["mette-jobcenter"].source == "ad"
    import_organisation(engine, org, file_revision=None, actor="import")
    with engine.connect() as conn:
        stored = load_organisation(conn)
    assert stored is not None
    assert stored.employees["mette-jobcenter"].source == "ad"
    assert stored.employees["jens-jobcenter"].source is None
    text = orgfile.dump(stored, stored.revision)
    exported = yaml.safe_load(text)
    mette = next(
        e for e in unit_doc(exported, "jobcenter")["employees"] if e["id"] == "mette-jobcenter"
    )
    assert mette["source"] == "ad"
    assert "source" not in unit_doc(exported, "jobcenter")["employees"][0]  # Jens has none
    # The export imports back as no change at all.
    again = import_organisation(
        engine, orgfile.parse_text(text), file_revision=stored.revision, actor="import"
    )
    assert again.changes == []


def test_a_source_that_is_no_name_is_an_error_naming_its_path() -> None:
    with pytest.raises(orgfile.OrgFileError) as caught:
        orgfile.parse_data(mini_doc(source="Active Directory!"))
    assert any(
        e.startswith("units[3].employees[2].source: must be a sync's name")
        for e in caught.value.errors
    ), caught.value.errors


def test_an_import_keeps_a_sources_people_and_what_the_source_owns(engine: Engine) -> None:
    """spec/sync.md: an organisation-file import does not remove people who have a source,
    nor change the fields their source owns; it may change what the units own."""
    doc = mini_doc(source="ad", external_id="guid-1", email="mette@randers.dk")
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="i")
    # A hand-written file: Mette renamed, renumbered, moved to Familie, without her source,
    # with another role and main tasks (what the unit owns).
    doc = mini_doc(name="Mette Omdøbt", phone="89 15 99 99", role="leader", main_tasks="Alt")
    jobcenter = unit_doc(doc, "jobcenter")
    mette = next(e for e in jobcenter["employees"] if e["id"] == "mette-jobcenter")
    jobcenter["employees"].remove(mette)
    mette.pop("tasks")
    unit_doc(doc, "familie")["employees"].append(mette)
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="i")
    with engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None
    m = org.employees["mette-jobcenter"]
    assert (m.name, m.phone, m.email, m.external_id, m.source) == (
        "Mette Dahl",
        "+4589152211",
        "mette@randers.dk",
        "guid-1",
        "ad",
    )
    assert m.unit == "jobcenter" and "mette-jobcenter" in org.units["jobcenter"].employees
    assert "mette-jobcenter" not in org.units["familie"].employees
    assert (m.role, m.main_tasks) == ("leader", "Alt")  # the unit's to change
    # A file without her at all does not remove her.
    doc = mini_doc()
    jobcenter = unit_doc(doc, "jobcenter")
    jobcenter["employees"] = [e for e in jobcenter["employees"] if e["id"] != "mette-jobcenter"]
    jobcenter["tasks"][0]["distribution"]["rules"][0]["employee"] = "niels-jobcenter"
    summary = import_organisation(
        engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="i"
    )
    assert not any(c.id == "mette-jobcenter" and c.action == "removed" for c in summary.changes)
    with engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None and org.employees["mette-jobcenter"].name == "Mette Dahl"
    # The organisation stays exportable and importable.
    orgfile.parse_text(orgfile.dump(org, org.revision))


def test_r2_6_the_editor_shows_a_sources_fields_read_only_and_keeps_them(
    engine: Engine, db_url: str
) -> None:
    """Issue 14 item 3: a field the source owns is read-only with its source ("fra ad"), so
    nobody's edit is silently overwritten at the next sync; the unit's own fields save."""
    doc = mini_doc(source="ad")
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="i")
    accounts.add_user(engine, "red", "editor", PASSWORD, unit_id="jobcenter")
    app = create_app(Settings(database_url=db_url), engine=engine)
    with sign_in(app, "red") as client:
        page = client.get("/enheder/jobcenter")
        block = page.text.split('id="medarbejder-mette-jobcenter"')[1].split("</details>")[0]
        assert "fra ad" in block
        assert (
            'name="name" type="text" value="Mette Dahl" required maxlength="300" readonly' in block
        )
        other = page.text.split('id="medarbejder-jens-jobcenter"')[1].split("</details>")[0]
        assert "readonly" not in other and "fra ad" not in other
        r = client.post(
            "/enheder/jobcenter/medarbejdere/mette-jobcenter",
            data={
                "csrf_token": csrf(client),
                "name": "Mette Forkert",
                "title": "Sagsbehandler",
                "role": "caseworker",
                "phone": "89 15 00 00",
                "public": "1",
                "tasks": ["kontanthjaelp"],
                "main_tasks": "Kontanthjælp, alle datoer",
                "action": "save",
            },
        )
        assert r.status_code == 303, r.text
    with engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None
    m = org.employees["mette-jobcenter"]
    assert (m.name, m.phone, m.source) == ("Mette Dahl", "+4589152211", "ad")
    assert m.main_tasks == "Kontanthjælp, alle datoer"
