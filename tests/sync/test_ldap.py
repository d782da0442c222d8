"""The LDAP/Active Directory source against a real slapd (issue 14 items 1, 7, "Bad input"):
the active-directory preset with the AD-like schema, the inetorgperson preset with the
OU path, StartTLS and LDAPS, and what must stop a run and change nothing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from ldap3 import MODIFY_REPLACE
from sqlalchemy import Engine, select

from omstilling import orgfile
from omstilling.messages.core import NewMessage, create_message
from omstilling.settings import Settings
from omstilling.store.message_models import MessageRow
from omstilling.store.organisation import import_organisation
from omstilling.sync.apply import run_sync
from omstilling.sync.config import SyncConfig, parse_sync
from omstilling.sync.entries import SourceError
from omstilling.sync.ldap import read_ldap
from tests.conftest import free_port, mini_text
from tests.sync.helpers import org_of
from tests.sync.slapd import READER, READER_PASSWORD, SUFFIX, Slapd, guid

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ENV = "OMSTILLING_TEST_SYNC_PASSWORD"


def ad_sync(server: Slapd, **source: Any) -> SyncConfig:
    return parse_sync(
        {
            "format": "omstilling-sync/1",
            "name": "ad",
            "source": {
                "kind": "ldap",
                "url": server.url,
                "bind_dn": READER,
                "bind_password_env": ENV,
                "base": f"ou=Ansatte,{SUFFIX}",
                "preset": "active-directory",
                **source,
            },
            "units": {
                "by": "department",
                "map": {"Jobcenter": "jobcenter", "Familie": "familie"},
                "default": "borgerservice",
            },
        }
    )


def empty_organisation(engine: Engine) -> None:
    """The mini organisation's units and tasks, without a single person."""
    doc = yaml.safe_load(mini_text())
    for u in doc["units"]:
        u.pop("employees", None)
        for key in ("secretary", "owner", "transfer_only_to"):
            u.pop(key, None)
        for t in u.get("tasks", []):
            t.pop("distribution", None)
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="i")


def people(server: Slapd) -> dict[str, str]:
    """Four people of the job centre and Familie, one disabled, one in an unmapped unit."""
    dns = {}
    with server.admin() as conn:
        for ou in ("Jobcenter", "Familie"):
            server.add_ou(conn, f"ou={ou},ou=Ansatte,{SUFFIX}")
        rows = [
            (1, "Jobcenter", "Mette Dahl", "Jobcenter", "89 15 22 11", 512),
            (2, "Jobcenter", "Niels Bak", "Jobcenter", "89152212", 512),
            (3, "Familie", "Anne Andersen", "Familie", "+45 8915 3101", 512),
            (4, "Familie", "Bo Gammel", "Familie", "89153102", 514),  # disabled
            (5, "Familie", "Ulla Ukendt", "Økonomi", "89159999", 512),
            (6, "Jobcenter", "Per Forkert", "Jobcenter", "ikke et nummer", 512),
        ]
        for n, ou, name, dept, phone, uac in rows:
            dns[name] = server.add_person(
                conn,
                ou,
                name,
                objectGUID=guid(n),
                displayName=name,
                title="Sagsbehandler",
                telephoneNumber=phone,
                mail=f"{name.split()[0].lower()}@randers.dk",
                sAMAccountName=name.split()[0].lower(),
                department=dept,
                userAccountControl=uac,
            )
    return dns


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, READER_PASSWORD)


def test_ad_preset_first_sync_then_rename_move_leaver_and_returner(
    slapd: Slapd, engine: Engine, password: None, caplog: pytest.LogCaptureFixture
) -> None:
    """First sync into an empty organisation: objectGUID as a lower-case UUID, the disabled
    account skipped, the unmapped department to the default (and listed), a bad number
    left out with a warning naming the DN; then a rename, a move, a leaver with an open
    message (R3.6) and her return under the same id."""
    caplog.set_level(logging.DEBUG)
    dns = people(slapd)
    empty_organisation(engine)
    result = run_sync(engine, ad_sync(slapd), now=NOW)
    assert result.outcome == "done", result.errors
    org = org_of(engine)
    mette = org.employees["mette-dahl"]
    assert mette.external_id == "5a5a0000-0000-4000-8000-000000000001"
    assert (mette.unit, mette.phone, mette.login, mette.source) == (
        "jobcenter",
        "+4589152211",
        "mette",
        "ad",
    )
    assert org.employees["anne-andersen"].phone == "+4589153101"
    assert "bo-gammel" not in org.employees  # disabled: as if absent
    assert org.employees["ulla-ukendt"].unit == "borgerservice"
    assert org.employees["per-forkert"].phone is None
    report = result.report()
    assert report["unmapped"] == {"Økonomi": 1}
    assert report["skipped"] == 1
    assert f"{dns['Per Forkert']}: phone is not a phone number; left out" in report["warnings"]
    create_message(
        engine,
        NewMessage("Borger", "20304050", "Ring tilbage", employee="niels-bak"),
        actor="operator",
        now=NOW,
        settings=Settings(),
    )
    with slapd.admin() as conn:
        conn.modify(dns["Mette Dahl"], {"displayName": [(MODIFY_REPLACE, ["Mette Dahl Holm"])]})
        conn.modify(dns["Anne Andersen"], {"department": [(MODIFY_REPLACE, ["Jobcenter"])]})
        conn.modify(dns["Niels Bak"], {"userAccountControl": [(MODIFY_REPLACE, ["514"])]})
    result = run_sync(engine, ad_sync(slapd), now=NOW, force=True)  # 1 of 5 leaves: > 10 %
    assert result.outcome == "done", result.errors
    org = org_of(engine)
    assert org.employees["mette-dahl"].name == "Mette Dahl Holm"
    assert org.employees["anne-andersen"].unit == "jobcenter"
    assert "niels-bak" not in org.employees
    with engine.connect() as conn:
        msg = conn.execute(select(MessageRow.__table__)).one()
    assert (msg.employee_id, msg.unit_id) == (None, "jobcenter")
    with slapd.admin() as conn:
        conn.modify(dns["Niels Bak"], {"userAccountControl": [(MODIFY_REPLACE, ["512"])]})
    result = run_sync(engine, ad_sync(slapd), now=NOW)
    assert result.report()["units"]["jobcenter"]["returned"] == ["Niels Bak"]
    assert org_of(engine).employees["niels-bak"].unit == "jobcenter"
    assert READER_PASSWORD not in caplog.text + repr(result.report())


def test_the_guard_refuses_when_too_many_would_leave(
    slapd: Slapd, engine: Engine, password: None
) -> None:
    """Issue 14 item 5: a broken filter must not empty the switchboard: exit 3, nothing."""
    people(slapd)
    empty_organisation(engine)
    assert run_sync(engine, ad_sync(slapd), now=NOW).outcome == "done"
    before = org_of(engine).revision
    broken = ad_sync(slapd, filter="(department=Familie)")
    result = run_sync(engine, broken, now=NOW)
    assert (result.outcome, result.exit_code) == ("refused", 3)
    assert org_of(engine).revision == before


def test_inetorgperson_preset_with_the_ou_path_over_starttls_and_ldaps(
    slapd: Slapd, engine: Engine, password: None
) -> None:
    """entryUUID as the id, the unit from the OU path (most specific first); the same
    people over StartTLS and over LDAPS, the server's certificate checked against ca_file."""
    people(slapd)
    empty_organisation(engine)
    doc: dict[str, Any] = {
        "format": "omstilling-sync/1",
        "name": "ldap",
        "source": {
            "kind": "ldap",
            "url": slapd.url,
            "bind_dn": READER,
            "bind_password_env": ENV,
            "base": f"ou=Ansatte,{SUFFIX}",
            "preset": "inetorgperson",
        },
        "units": {"by": "ou-path", "map": {"Familie": "familie", "Ansatte": "borgerservice"}},
    }
    plain = read_ldap(parse_sync(doc))
    assert len(plain.entries) == 6  # no userAccountControl in this preset
    anne = next(e for e in plain.entries if e.values["name"] == "Anne Andersen")
    assert anne.unit_keys == ("Familie", "Ansatte")
    assert len(anne.values["external_id"]) == 36 and anne.values["external_id"].islower()
    for source in (
        {"start_tls": True, "ca_file": str(slapd.cert)},
        {"url": slapd.ldaps_url, "ca_file": str(slapd.cert)},
    ):
        secured = read_ldap(parse_sync({**doc, "source": {**doc["source"], **source}}))
        assert [e.values for e in secured.entries] == [e.values for e in plain.entries]
    result = run_sync(engine, parse_sync(doc), now=NOW)
    assert result.outcome == "done", result.errors
    org = org_of(engine)
    assert org.employees["anne-andersen"].unit == "familie"
    assert org.employees["mette-dahl"].unit == "borgerservice"  # Jobcenter unmapped: Ansatte


def test_an_attribute_the_directory_lacks_is_an_error_before_anything_is_read(
    slapd: Slapd, engine: Engine, password: None
) -> None:
    people(slapd)
    config = parse_sync(
        {
            "format": "omstilling-sync/1",
            "name": "ad",
            "source": {"kind": "ldap", "url": slapd.url, "bind_dn": READER,
                       "bind_password_env": ENV, "base": SUFFIX, "preset": "active-directory"},
            "fields": {"extension": "ipPhone"},
            "units": {"by": "department", "default": "borgerservice"},
        }
    )  # fmt: skip
    with pytest.raises(SourceError) as caught:
        read_ldap(config)
    assert "the directory has no attribute 'ipPhone'" in str(caught.value)


def test_two_entries_with_the_same_objectguid_stop_the_run_naming_both(
    slapd: Slapd, engine: Engine, password: None
) -> None:
    dns = people(slapd)
    empty_organisation(engine)
    with slapd.admin() as conn:
        twin = slapd.add_person(
            conn, "Familie", "Tvilling", objectGUID=guid(1), displayName="Tvilling",
            department="Familie", userAccountControl=512,
        )  # fmt: skip
    result = run_sync(engine, ad_sync(slapd), now=NOW)
    assert result.exit_code == 1
    assert dns["Mette Dahl"] in result.errors[0] and twin in result.errors[0]
    assert org_of(engine).employees == {}


def test_ldap_down_and_a_refused_bind_change_nothing_and_never_show_the_password(
    slapd: Slapd, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    people(slapd)
    empty_organisation(engine)
    wrong = "Forkert-Hemmeligt-Kodeord-7"
    monkeypatch.setenv(ENV, wrong)
    refused = run_sync(engine, ad_sync(slapd), now=NOW)
    assert refused.exit_code == 1
    assert refused.errors == [f"{slapd.url}: bind as {READER} refused (invalidCredentials)"]
    down = run_sync(
        engine, ad_sync(slapd, url=f"ldap://127.0.0.1:{free_port()}", timeout=2), now=NOW
    )
    assert down.exit_code == 1 and "cannot connect" in down.errors[0]
    assert "Connection refused" in down.errors[0]
    assert org_of(engine).employees == {}
    assert wrong not in caplog.text + repr(refused.report()) + repr(down.report())


def test_a_password_file_is_read_and_a_missing_variable_named(
    slapd: Slapd, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people(slapd)
    secret = tmp_path / "pw"
    secret.write_text(READER_PASSWORD + "\n")
    doc = {
        "format": "omstilling-sync/1",
        "name": "ad",
        "source": {"kind": "ldap", "url": slapd.url, "bind_dn": READER,
                   "bind_password_file": str(secret), "base": f"ou=Ansatte,{SUFFIX}",
                   "preset": "active-directory"},
        "units": {"by": "department", "default": "borgerservice"},
    }  # fmt: skip
    assert len(read_ldap(parse_sync(doc)).entries) == 5
    monkeypatch.delenv(ENV, raising=False)
    empty_organisation(engine)
    result = run_sync(engine, ad_sync(slapd), now=NOW)
    assert result.errors == [f"source.bind_password_env: {ENV} is not set"]


def test_first_sync_into_the_demo_matches_its_people_by_email_once(
    slapd: Slapd, engine: Engine, password: None
) -> None:
    """The demo's 299 people in AD (one disabled, two new): each is matched once by e-mail
    and keeps her id, tasks and unit's rules; the new ones are added; the organisation
    stays valid and exportable; a second run changes nothing."""
    from omstilling.demo.org import demo_organisation

    doc = demo_organisation()
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="i")
    before = org_of(engine)
    people_ = [(u["id"], e) for u in doc["units"] for e in u.get("employees", [])]
    with slapd.admin() as conn:
        slapd.add_ou(conn, f"ou=Demo,ou=Ansatte,{SUFFIX}")
        for n, (unit_id, e) in enumerate(people_, start=1):
            slapd.add_person(
                conn, "Demo", e["name"] + f" {n}", objectGUID=guid(n), displayName=e["name"],
                title=e.get("title") or "-", telephoneNumber=e["phone"], mail=e["email"].upper(),
                department=unit_id, userAccountControl=514 if n == 7 else 512,
            )  # fmt: skip
        for n in (1001, 1002):
            name = f"Ny Kollega {n}"
            slapd.add_person(
                conn, "Demo", name, objectGUID=guid(n), displayName=name,
                department="jobcenter", userAccountControl=512,
            )  # fmt: skip
    config = parse_sync(
        {
            "format": "omstilling-sync/1",
            "name": "ad",
            "source": {"kind": "ldap", "url": slapd.url, "bind_dn": READER,
                       "bind_password_env": ENV, "base": SUFFIX, "preset": "active-directory"},
            "fields": {"login": ""},  # the demo's people have no login in AD here
            "units": {"by": "department", "map": {u["id"]: u["id"] for u in doc["units"]}},
        }
    )  # fmt: skip
    result = run_sync(engine, config, now=NOW)
    assert result.outcome == "done", result.errors
    org = org_of(engine)
    seventh = people_[6][1]["id"]
    assert org.employees[seventh].source is None  # disabled: never matched, never touched
    matched = [e for e in org.employees.values() if e.source == "ad"]
    assert len(matched) == 298 + 2
    for e in matched:
        if e.id in before.employees:
            old = before.employees[e.id]
            assert (e.unit, e.tasks, e.role, e.public) == (
                old.unit,
                old.tasks,
                old.role,
                old.public,
            )
    assert {e.name for e in matched if e.id not in before.employees} == {
        "Ny Kollega 1001",
        "Ny Kollega 1002",
    }
    assert org.tasks == before.tasks  # what the units own is untouched
    orgfile.parse_text(orgfile.dump(org, org.revision))
    again = run_sync(engine, config, now=NOW)
    assert again.plan is not None and not again.plan.changed_anything()


def test_a_stable_id_that_moves_between_two_people_stops_the_run_naming_both(
    slapd: Slapd, engine: Engine, password: None
) -> None:
    """Bad input: Mette's objectGUID now on Niels's account (his own gone): error, nothing."""
    dns = people(slapd)
    empty_organisation(engine)
    assert run_sync(engine, ad_sync(slapd), now=NOW).outcome == "done"
    before = org_of(engine).revision
    with slapd.admin() as conn:
        conn.delete(dns["Niels Bak"])
        conn.modify(dns["Mette Dahl"], {"sAMAccountName": [(MODIFY_REPLACE, ["niels"])]})
    result = run_sync(engine, ad_sync(slapd), now=NOW, force=True)
    assert result.exit_code == 1
    assert "moved between two people" in result.errors[0]
    assert (
        "mette-dahl (Mette Dahl)" in result.errors[0]
        and "niels-bak (Niels Bak)" in result.errors[0]
    )
    assert dns["Mette Dahl"] in result.errors[0]
    assert org_of(engine).revision == before
