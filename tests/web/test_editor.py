"""The unit editor's pages (R2.1-R2.7, R3.9), with a real database, sessions and HTTP client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from omstilling import accounts, orgfile
from omstilling.settings import Settings
from omstilling.store.models import AuditEntry
from omstilling.store.organisation import current_revision, import_organisation, load_organisation
from omstilling.store.presence import load_presence
from omstilling.web.app import create_app
from tests.conftest import mini_text
from tests.web.session import PASSWORD, csrf, sign_in

TZ = ZoneInfo("Europe/Copenhagen")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    doc = yaml.safe_load(mini_text())
    units = {u["id"]: u for u in doc["units"]}
    # Markup in a name must show as text everywhere.
    units["misbrugscentret"]["name"] = "Misbrugscentret <script>alert(1)</script>"
    # R2.6: reviewed more than 90 days before MONDAY_10.
    units["misbrugscentret"]["reviewed"] = date(2026, 8, 1)
    import_organisation(
        engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="import"
    )
    accounts.add_user(engine, "red", "editor", PASSWORD, unit_id="jobcenter")
    accounts.add_user(engine, "chef", "editor", PASSWORD, unit_id="social-og-arbejdsmarked")
    accounts.add_user(engine, "admin", "admin", PASSWORD)
    accounts.add_user(engine, "mette", "employee", PASSWORD, employee_id="mette-jobcenter")
    application = create_app(Settings(database_url=db_url), engine=engine)
    application.state.clock = lambda: MONDAY_10
    return application


@pytest.fixture
def editor(app: FastAPI) -> Iterator[TestClient]:
    with sign_in(app, "red") as client:
        yield client


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf(client)})


def org_now(app: FastAPI) -> Any:
    with app.state.engine.connect() as conn:
        return load_organisation(conn)


def audit_rows(app: FastAPI, **where: Any) -> list[Any]:
    table = AuditEntry.__table__
    q = select(table).order_by(table.c.id)
    for key, value in where.items():
        q = q.where(table.c[key] == value)
    with app.state.engine.connect() as conn:
        return list(conn.execute(q).all())


def employee_form(org: Any, employee_id: str, **changes: Any) -> dict[str, Any]:
    e = org.employees[employee_id]
    data: dict[str, Any] = {
        "name": e.name,
        "title": e.title,
        "role": e.role,
        "phone": e.phone or "",
        "extension": e.extension or "",
        "mobile": e.mobile or "",
        "email": e.email or "",
        "tasks": list(e.tasks),
        "main_tasks": e.main_tasks,
        "action": "save",
    }
    if e.public:
        data["public"] = "1"
    data.update(changes)
    return data


# --- the list and the stale warning --------------------------------------------------------------


def test_r2_6_editor_sees_own_unit_and_those_below_with_stale_warnings(app: FastAPI) -> None:
    with sign_in(app, "chef") as client:
        page = client.get("/enheder")
    assert page.status_code == 200
    text = page.text
    for name in ("Social- og arbejdsmarkedsforvaltningen", "Jobcenter", "Familie"):
        assert name in text
    assert "Borgerservice</a>" not in text and "Miljø og Teknik" not in text
    rows = dict(re.findall(r'href="/enheder/([a-z-]+)">(.*?)</tr>', text, flags=re.S))
    assert "Forældet" in rows["familie"]  # never reviewed
    assert "Forældet" in rows["misbrugscentret"]  # reviewed 2026-08-01, > 90 days
    assert "Opdateret" in rows["jobcenter"]  # reviewed 2026-10-15


def test_r2_6_unit_page_warns_when_stale_and_review_button_sets_today(app: FastAPI) -> None:
    with sign_in(app, "chef") as client:
        page = client.get("/enheder/misbrugscentret")
        assert "Forældet" in page.text and "for mere end 90 dage siden" in page.text
        r = post(client, "/enheder/misbrugscentret/gennemgaaet", {})
        assert r.status_code == 303
        assert org_now(app).units["misbrugscentret"].reviewed == date(2026, 11, 30)
        page = client.get(r.headers["location"])
        assert "Forældet" not in page.text and "Opdateret" in page.text
    row = audit_rows(app, source="web", entity_id="misbrugscentret")[-1]
    assert row.actor == "chef" and row.action == "changed"
    assert row.before["reviewed"] == "2026-08-01" and row.after["reviewed"] == "2026-11-30"


# --- editing: audit, validation, export -----------------------------------------------------------


def test_r2_2_employee_edit_is_audited_and_the_export_still_imports(
    app: FastAPI, editor: TestClient
) -> None:
    org = org_now(app)
    r = post(
        editor,
        "/enheder/jobcenter/medarbejdere/mette-jobcenter",
        employee_form(org, "mette-jobcenter", title="Specialist", phone="+45 8915 2299"),
    )
    assert r.status_code == 303, r.text
    after = org_now(app)
    assert after.employees["mette-jobcenter"].title == "Specialist"
    assert after.employees["mette-jobcenter"].phone == "+4589152299"
    assert after.revision == org.revision + 1
    rows = audit_rows(app, source="web")
    assert [(x.entity, x.entity_id, x.action, x.actor) for x in rows] == [
        ("employee", "mette-jobcenter", "changed", "red")
    ]
    assert rows[0].before["title"] == "Sagsbehandler" and rows[0].after["title"] == "Specialist"
    assert rows[0].after["phone"] == "89 15 22 99"
    # The organisation file stays exportable and importable with the edit in it.
    reparsed = orgfile.parse_text(orgfile.dump(after, after.revision))
    assert reparsed.employees["mette-jobcenter"].title == "Specialist"
    # The change history on the unit page shows who, what, before and after.
    page = editor.get("/enheder/jobcenter")
    history = page.text.split('id="historik"')[1]
    assert "red" in history and "Mette Dahl" in history
    assert "30.11.2026 kl. 10.00" in history  # the app's clock, in Danish time
    assert "<del>Sagsbehandler</del>" in history and "<ins>Specialist</ins>" in history


def test_invalid_hours_are_refused_with_the_message_and_nothing_is_saved(
    app: FastAPI, editor: TestClient
) -> None:
    before = org_now(app)
    r = post(editor, "/enheder/jobcenter/timer", {"opening": "", "phone": "Mo 09:00-25:99 xx"})
    assert r.status_code == 422
    assert "Intet er gemt" in r.text
    assert "Jobcenter › telefontid: ugyldigt tidsudtryk" in r.text
    assert 'value="Mo 09:00-25:99 xx"' in r.text  # the typed value stays in the field
    with app.state.engine.connect() as conn:
        assert current_revision(conn) == before.revision
    assert audit_rows(app, source="web") == []


def test_valid_hours_are_saved_and_shown_as_a_danish_week(app: FastAPI, editor: TestClient) -> None:
    r = post(
        editor,
        "/enheder/jobcenter/timer",
        {"opening": "", "phone": "Mo-Th 08:00-15:00; Fr 08:00-13:00; PH off", "action": "save"},
    )
    assert r.status_code == 303
    unit = org_now(app).units["jobcenter"]
    assert unit.hours.phone == "Mo-Th 08:00-15:00; Fr 08:00-13:00; PH off"
    assert unit.hours.opening is None  # emptied: inherited from the directorate
    page = editor.get("/enheder/jobcenter")
    assert "mandag-torsdag 8.00-15.00, fredag 8.00-13.00" in page.text
    assert "mandag-fredag 9.00-13.00" in page.text and "(arvet)" in page.text


def test_hours_preview_answers_as_you_type(app: FastAPI, editor: TestClient) -> None:
    token = csrf(editor)
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    url = "/enheder/jobcenter/timer/forhaandsvisning"
    ok = editor.post(url, data={"opening": "", "phone": "Mo,We 10:00-12:00"}, headers=headers)
    assert ok.status_code == 200
    assert "mandag og onsdag 10.00-12.00" in ok.text
    assert "<html" not in ok.text  # a fragment for HTMX, not a page
    bad = editor.post(url, data={"opening": "", "phone": "Mo 10:00-"}, headers=headers)
    assert bad.status_code == 200 and "Ugyldig" in bad.text and "ugyldigt tidsudtryk" in bad.text
    # Without the CSRF header the preview is refused like any other POST.
    assert editor.post(url, data={"phone": "Mo 10:00-12:00"}).status_code == 403
    assert audit_rows(app, source="web") == []


def test_preview_button_without_javascript_saves_nothing(app: FastAPI, editor: TestClient) -> None:
    r = post(
        editor,
        "/enheder/jobcenter/timer",
        {"opening": "", "phone": "Sa 10:00-12:00", "action": "preview"},
    )
    assert r.status_code == 200 and "lørdag 10.00-12.00" in r.text
    assert org_now(app).units["jobcenter"].hours.phone != "Sa 10:00-12:00"


def test_invalid_phone_number_is_refused_with_danish_context(
    app: FastAPI, editor: TestClient
) -> None:
    org = org_now(app)
    r = post(
        editor,
        "/enheder/jobcenter/medarbejdere/mette-jobcenter",
        employee_form(org, "mette-jobcenter", phone="12"),
    )
    assert r.status_code == 422
    assert "Jobcenter › Mette Dahl › direkte nummer: ugyldigt telefonnummer" in r.text
    assert org_now(app).employees["mette-jobcenter"].phone == "+4589152211"


def test_r2_1_r3_7_description_address_and_numbers(app: FastAPI, editor: TestClient) -> None:
    r = post(
        editor,
        "/enheder/jobcenter/grunddata",
        {
            "description": "Job og ydelser.",
            "address": "Regimentvej 12, 8930 Randers NØ",
            "owner": "sara-jobcenter",
        },
    )
    assert r.status_code == 303
    r = post(
        editor,
        "/enheder/jobcenter/numre",
        {
            "number_0": "89152200",
            "label_0": "Jobcenter",
            "number_1": "89 15 22 50",
            "label_1": "Virksomhedsservice",
            "number_2": "",
            "label_2": "",
        },
    )
    assert r.status_code == 303
    unit = org_now(app).units["jobcenter"]
    assert unit.description == "Job og ydelser." and unit.owner == "sara-jobcenter"
    assert unit.address.startswith("Regimentvej 12")
    assert [(n.e164, n.label) for n in unit.numbers] == [
        ("+4589152200", "Jobcenter"),
        ("+4589152250", "Virksomhedsservice"),
    ]


def test_r2_4_r2_5_r3_8_rules(app: FastAPI, editor: TestClient) -> None:
    r = post(
        editor,
        "/enheder/jobcenter/regler",
        {
            "secretary_employee": "sara-jobcenter",
            "secretary_when": "Ledere og presse.",
            "secretary_roles": ["leader"],
            "transfer_kind": "number",
            "transfer_number": "89 15 22 00",
            "sensitive": "1",
        },
    )
    assert r.status_code == 303, r.text
    unit = org_now(app).units["jobcenter"]
    assert unit.secretary is not None and unit.secretary.roles == ("leader",)
    assert unit.transfer_only_to is not None and unit.transfer_only_to.number == "+4589152200"
    assert unit.sensitive is True
    r = post(editor, "/enheder/jobcenter/regler", {"transfer_kind": "employee"})
    assert r.status_code == 422 and "vælg en medarbejder" in r.text


def test_r2_2_tasks_with_keywords_and_distribution(app: FastAPI, editor: TestClient) -> None:
    r = post(
        editor,
        "/enheder/jobcenter/opgaver",
        {
            "name": "Fleksjob",
            "keywords": "fleksjob, ledighedsydelse",
            "kle": "15.25",
            "dist_by": "surname",
            "rule_match_0": "A-K",
            "rule_target_0": "employee:mette-jobcenter",
            "rule_match_1": "L-Å",
            "rule_target_1": "employee:niels-jobcenter",
        },
    )
    assert r.status_code == 303, r.text
    org = org_now(app)
    task = org.tasks["fleksjob"]
    assert task.unit == "jobcenter" and task.keywords == ("fleksjob", "ledighedsydelse")
    assert task.distribution is not None and task.distribution.by == "surname"
    assert [r.target.employee for r in task.distribution.rules] == [
        "mette-jobcenter",
        "niels-jobcenter",
    ]
    # Overlapping rules break a rule of the file: refused, with the task's name in the message.
    r = post(
        editor,
        "/enheder/jobcenter/opgaver/fleksjob",
        {
            "name": "Fleksjob",
            "dist_by": "surname",
            "rule_match_0": "A-K",
            "rule_target_0": "employee:mette-jobcenter",
            "rule_match_1": "K-Å",
            "rule_target_1": "employee:niels-jobcenter",
            "action": "save",
        },
    )
    assert r.status_code == 422 and "Fleksjob" in r.text
    # Removing the task forgets it in the employees' task lists too.
    post(
        editor,
        "/enheder/jobcenter/medarbejdere/mette-jobcenter",
        employee_form(org, "mette-jobcenter", tasks=["kontanthjaelp", "fleksjob"]),
    )
    r = post(editor, "/enheder/jobcenter/opgaver/fleksjob", {"action": "remove"})
    assert r.status_code == 303
    org = org_now(app)
    assert "fleksjob" not in org.tasks
    assert org.employees["mette-jobcenter"].tasks == ("kontanthjaelp",)


def test_r2_2_add_and_remove_an_employee(app: FastAPI, editor: TestClient) -> None:
    r = post(
        editor,
        "/enheder/jobcenter/medarbejdere",
        {
            "name": "Søren Ærø",
            "title": "Jobkonsulent",
            "role": "caseworker",
            "phone": "89 15 22 40",
            "public": "1",
            "tasks": ["sygedagpenge"],
        },
    )
    assert r.status_code == 303, r.text
    org = org_now(app)
    assert org.employees["soeren-aeroe-jobcenter"].tasks == ("sygedagpenge",)
    assert org.units["jobcenter"].employees[-1] == "soeren-aeroe-jobcenter"
    r = post(editor, "/enheder/jobcenter/medarbejdere/soeren-aeroe-jobcenter", {"action": "remove"})
    assert r.status_code == 303
    assert "soeren-aeroe-jobcenter" not in org_now(app).employees
    # The secretary cannot be removed while the secretary rule names her.
    r = post(editor, "/enheder/jobcenter/medarbejdere/sara-jobcenter", {"action": "remove"})
    assert r.status_code == 422
    assert "Jobcenter › sekretær: ukendt medarbejder &#39;sara-jobcenter&#39;" in r.text


# --- R3.9, R2.7 -------------------------------------------------------------------------------


def test_r3_9_report_the_unit_away_and_back(app: FastAPI, editor: TestClient) -> None:
    r = post(
        editor,
        "/enheder/jobcenter/vaek",
        {"start": "2026-11-30T10:00", "until": "2026-11-30T12:30", "note": "Personalemøde"},
    )
    assert r.status_code == 303
    with app.state.engine.connect() as conn:
        away = load_presence(conn, MONDAY_10).active_unit_away("jobcenter", MONDAY_10)
    assert away is not None and away.until == datetime(2026, 11, 30, 12, 30, tzinfo=TZ)
    assert away.note == "Personalemøde"
    page = editor.get("/enheder/jobcenter")
    assert "Væk nu" in page.text and "i dag kl. 12.30" in page.text
    r = post(editor, "/enheder/jobcenter/tilbage", {})
    assert r.status_code == 303
    with app.state.engine.connect() as conn:
        assert load_presence(conn, MONDAY_10).active_unit_away("jobcenter", MONDAY_10) is None
    # An end before the start is refused and nothing is recorded.
    r = post(
        editor,
        "/enheder/jobcenter/vaek",
        {"start": "2026-11-30T10:00", "until": "2026-11-30T09:00", "note": ""},
    )
    assert r.status_code == 422 and "skal ligge efter" in r.text


def test_r2_7_announce_a_mailing(app: FastAPI, editor: TestClient) -> None:
    r = post(
        editor,
        "/enheder/jobcenter/udsendelser",
        {
            "title": "Breve om kontanthjælp",
            "sent": "2026-11-30",
            "calls_expected_until": "2026-12-18",
            "expected_calls": "400",
            "tasks": ["kontanthjaelp"],
            "answer": "Se brevet i e-Boks.",
            "staffed": "1",
        },
    )
    assert r.status_code == 303, r.text
    org = org_now(app)
    mailing = org.mailings["breve-om-kontanthjaelp-2026"]
    assert mailing.unit == "jobcenter" and mailing.expected_calls == 400 and mailing.staffed
    assert mailing in org.active_mailings(date(2026, 12, 1))
    assert audit_rows(app, source="web", entity="mailing")[0].action == "added"
    r = post(
        editor,
        "/enheder/jobcenter/udsendelser",
        {"title": "X", "sent": "2026-12-10", "calls_expected_until": "2026-12-01"},
    )
    assert r.status_code == 422 and "ligger før datoen for udsendelsen" in r.text
    # Someone else's mailing cannot be removed through this unit.
    r = post(editor, "/enheder/jobcenter/udsendelser/skattekort-2027/fjern", {})
    assert r.status_code == 404
    r = post(editor, "/enheder/jobcenter/udsendelser/breve-om-kontanthjaelp-2026/fjern", {})
    assert r.status_code == 303 and "breve-om-kontanthjaelp-2026" not in org_now(app).mailings


# --- security -------------------------------------------------------------------------------------


def test_a_unit_editor_cannot_change_another_unit(app: FastAPI, editor: TestClient) -> None:
    before = org_now(app)
    assert editor.get("/enheder/familie").status_code == 403
    assert editor.get("/enheder/social-og-arbejdsmarked").status_code == 403  # above: no
    # A forged POST to another unit's URL, with a valid session and CSRF token.
    r = post(editor, "/enheder/familie/grunddata", {"description": "Hacket", "address": ""})
    assert r.status_code == 403
    assert post(editor, "/enheder/familie/gennemgaaet", {}).status_code == 403
    assert (
        post(
            editor,
            "/enheder/familie/vaek",
            {"start": "2026-11-30T10:00", "until": "2026-11-30T12:00"},
        ).status_code
        == 403
    )
    # Another unit's employee through this unit's URL: not found here.
    r = post(
        editor,
        "/enheder/jobcenter/medarbejdere/anne-familie",
        employee_form(before, "anne-familie", phone="89 15 99 99"),
    )
    assert r.status_code == 404
    after = org_now(app)
    assert after.units["familie"].description == before.units["familie"].description
    assert after.employees["anne-familie"].phone == before.employees["anne-familie"].phone
    assert audit_rows(app, source="web") == []
    # Not entered as context managers: a second app lifespan inside the first is not the point.
    employee = sign_in(app, "mette")
    assert employee.get("/enheder").status_code == 403
    assert employee.get("/enheder/jobcenter").status_code == 403
    assert sign_in(app, "admin").get("/enheder/familie").status_code == 200


def test_a_form_without_a_csrf_token_is_refused(app: FastAPI, editor: TestClient) -> None:
    r = editor.post("/enheder/jobcenter/grunddata", data={"description": "x", "address": ""})
    assert r.status_code == 403
    r = editor.post(
        "/enheder/jobcenter/grunddata",
        data={"description": "x", "address": "", "csrf_token": "forkert"},
    )
    assert r.status_code == 403
    assert org_now(app).units["jobcenter"].description != "x"


def test_pages_need_a_login(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        r = client.get("/enheder/jobcenter")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_script_in_a_unit_name_shows_as_text(app: FastAPI) -> None:
    with sign_in(app, "admin") as client:
        for path in ("/enheder", "/enheder/misbrugscentret", "/enheder/social-og-arbejdsmarked"):
            text = client.get(path).text
            assert "<script>alert(1)</script>" not in text, path
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


def test_an_edit_on_a_snapshot_another_process_overtook_is_made_again_not_reverting_it(
    app: FastAPI, editor: TestClient
) -> None:
    """Issue 13 item 2: an edit is written from what it changes, on the snapshot the server
    answers from; when another process wrote in between, it is made again on the stored
    organisation (before, the stored organisation was diffed against the stale one and the
    other process's change was silently undone)."""
    from sqlalchemy import update

    from omstilling.store.org_write import EMPLOYEES, STATE

    app.state.directory.published.max_age = 3600.0  # this process does not look again
    editor.get("/enheder/jobcenter")  # the snapshot is loaded
    revision = org_now(app).revision
    with app.state.engine.begin() as conn:  # another process: no notice reaches this one
        conn.execute(
            update(EMPLOYEES).where(EMPLOYEES.c.id == "niels-jobcenter").values(title="Teamleder")
        )
        conn.execute(update(STATE).values(revision=STATE.c.revision + 1))
    org = org_now(app)
    r = post(
        editor,
        "/enheder/jobcenter/medarbejdere/mette-jobcenter",
        employee_form(org, "mette-jobcenter", title="Specialist"),
    )
    assert r.status_code == 303, r.text
    after = org_now(app)
    assert after.employees["mette-jobcenter"].title == "Specialist"
    assert after.employees["niels-jobcenter"].title == "Teamleder"  # not undone
    assert after.revision == revision + 2
    rows = audit_rows(app, source="web")
    assert [(x.entity_id, x.revision) for x in rows] == [("mette-jobcenter", revision + 2)]


def test_an_editor_gives_an_employee_a_calendar_and_never_sees_its_address_again(
    app: FastAPI, editor: TestClient
) -> None:
    """Issue 15 item 1: the editor pages set and remove a feed; the address is a secret
    (after saving: "sat"; not in the page, an error or the audit trail)."""
    from omstilling.store.calendar_feeds import stored_addresses

    page = "/enheder/jobcenter/medarbejdere/mette-jobcenter"
    secret = "http://10.20.30.40/owa/calendar/s3cr3t/calendar.ics"  # a private range: allowed
    r = post(editor, page, employee_form(org_now(app), "mette-jobcenter", calendar=secret))
    assert r.status_code == 303, r.text
    with app.state.engine.connect() as conn:
        assert stored_addresses(conn) == {"mette-jobcenter": secret}
    assert org_now(app).employees["mette-jobcenter"].calendar == "set"
    shown = editor.get("/enheder/jobcenter").text
    assert "Kalender: sat" in shown and "s3cr3t" not in shown
    assert all("s3cr3t" not in str(row) for row in audit_rows(app))
    # An edit that does not touch the calendar keeps it.
    r = post(editor, page, employee_form(org_now(app), "mette-jobcenter", title="Specialist"))
    assert r.status_code == 303
    with app.state.engine.connect() as conn:
        assert stored_addresses(conn) == {"mette-jobcenter": secret}
    # A bad address is refused by name, never repeated, and nothing is saved.
    for bad in ("gopher://x/s3cr3t", "http://127.0.0.1/s3cr3t.ics", "http://169.254.1.1/s3cr3t"):
        r = post(editor, page, employee_form(org_now(app), "mette-jobcenter", calendar=bad))
        assert r.status_code == 422
        assert "Kalender: adressen kan ikke bruges" in r.text and "s3cr3t" not in r.text
    with app.state.engine.connect() as conn:
        assert stored_addresses(conn) == {"mette-jobcenter": secret}
    r = post(editor, page, employee_form(org_now(app), "mette-jobcenter", calendar_remove="1"))
    assert r.status_code == 303
    with app.state.engine.connect() as conn:
        assert stored_addresses(conn) == {}
    assert org_now(app).employees["mette-jobcenter"].calendar is None
    assert "Kalender: ingen" in editor.get("/enheder/jobcenter").text
