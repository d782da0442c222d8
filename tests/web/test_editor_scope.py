"""A unit editor names only tasks, people and units of their own units (issue 12 item 7).

As filed: Jobcenter's editor announced a mailing naming another unit's task (its notice
then showed to every operator for that task), and pointed the unit's owner,
transfer_only_to and distribution at other units' staff. Every form of the unit page
is tried here with another unit's ids: the form comes back with a Danish message and
nothing is saved. The editor "red" edits Jobcenter; Familie and Borgerservice are
other units (Familie is Jobcenter's sibling, under Social og Arbejdsmarked).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import mini_text
from tests.web.session import mini_app, sign_in
from tests.web.test_editor import audit_rows, employee_form, org_now, post

REFUSED = "hører ikke til dine enheder"


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    doc = yaml.safe_load(mini_text())
    return mini_app(
        engine,
        db_url,
        ("red", "editor", {"unit_id": "jobcenter"}),
        ("chef", "editor", {"unit_id": "social-og-arbejdsmarked"}),
        ("admin", "admin"),
        doc=doc,
    )


@pytest.fixture
def editor(app: FastAPI) -> Iterator[TestClient]:
    with sign_in(app, "red") as client:
        yield client


def refused(app: FastAPI, before: Any, r: Any, *expected: str) -> None:
    """403 with the form shown again, each expected message in it, and nothing saved."""
    assert r.status_code == 403, r.text
    assert "Intet er gemt" in r.text
    for text in expected:
        assert text in r.text, text
    after = org_now(app)
    assert after.revision == before.revision
    assert (after.units, after.tasks, after.employees, after.mailings) == (
        before.units,
        before.tasks,
        before.employees,
        before.mailings,
    )
    assert audit_rows(app, source="web") == []


TASK = {"name": "Fleksjob", "keywords": "fleksjob", "dist_by": "birth_day"}


@pytest.mark.parametrize(
    ("path", "form", "expected"),
    [
        # R2.1: the unit's owner.
        (
            "/enheder/jobcenter/grunddata",
            {"description": "x", "address": "", "owner": "anne-familie"},
            "Jobcenter › dataansvarlig: medarbejderen &#39;anne-familie&#39; " + REFUSED,
        ),
        # R2.4: the secretary; R2.5: transfer only to.
        (
            "/enheder/jobcenter/regler",
            {"secretary_employee": "bo-familie", "secretary_when": "Altid"},
            "Jobcenter › sekretær: medarbejderen &#39;bo-familie&#39; " + REFUSED,
        ),
        (
            "/enheder/jobcenter/regler",
            {"transfer_kind": "employee", "transfer_employee": "ida-borgerservice"},
            "Jobcenter › omstil kun til: medarbejderen &#39;ida-borgerservice&#39; " + REFUSED,
        ),
        # R2.2: a new task's distribution (an employee, a team, the default).
        (
            "/enheder/jobcenter/opgaver",
            {**TASK, "rule_match_0": "1-31", "rule_target_0": "employee:anne-familie"},
            "Fleksjob › sagsfordeling: medarbejderen &#39;anne-familie&#39; " + REFUSED,
        ),
        (
            "/enheder/jobcenter/opgaver",
            {**TASK, "rule_match_0": "1-31", "rule_target_0": "unit:familie"},
            "Fleksjob › sagsfordeling: enheden &#39;familie&#39; " + REFUSED,
        ),
        (
            "/enheder/jobcenter/opgaver",
            {
                **TASK,
                "rule_match_0": "1-31",
                "rule_target_0": "employee:mette-jobcenter",
                "dist_default": "employee:kim-teknik",
            },
            "Fleksjob › sagsfordeling, ellers: medarbejderen &#39;kim-teknik&#39; " + REFUSED,
        ),
        # An existing task's distribution pointed elsewhere.
        (
            "/enheder/jobcenter/opgaver/kontanthjaelp",
            {
                "name": "Kontanthjælp",
                "dist_by": "birth_day",
                "rule_match_0": "1-15",
                "rule_target_0": "employee:mette-jobcenter",
                "rule_match_1": "16-31",
                "rule_target_1": "employee:lone-teknik",
                "action": "save",
            },
            "medarbejderen &#39;lone-teknik&#39; " + REFUSED,
        ),
        # A new task or employee under another unit's id takes nothing over.
        (
            "/enheder/jobcenter/opgaver",
            {"id": "underretning", "name": "Underretning"},
            "id &#39;underretning&#39; bruges allerede af en anden enhed",
        ),
        (
            "/enheder/jobcenter/medarbejdere",
            {"id": "anne-familie", "name": "Anne", "role": "caseworker"},
            "id &#39;anne-familie&#39; bruges allerede af en anden enhed",
        ),
        # An employee given another unit's task.
        (
            "/enheder/jobcenter/medarbejdere",
            {"name": "Ny Kollega", "role": "caseworker", "tasks": ["underretning"]},
            "opgaven &#39;underretning&#39; " + REFUSED,
        ),
        # R2.7: a mailing naming another unit's task (the defect as filed).
        (
            "/enheder/jobcenter/udsendelser",
            {
                "title": "Breve",
                "sent": "2026-11-30",
                "calls_expected_until": "2026-12-18",
                "tasks": ["kontanthjaelp", "skat"],
            },
            "udsendelse &#39;Breve&#39; › opgaver: opgaven &#39;skat&#39; " + REFUSED,
        ),
    ],
    ids=[
        "owner",
        "secretary",
        "transfer_only_to",
        "new-task-rule-employee",
        "new-task-rule-team",
        "new-task-default",
        "task-rule",
        "task-id-taken",
        "employee-id-taken",
        "new-employee-tasks",
        "mailing-tasks",
    ],
)
def test_issue_12_item_7_a_form_naming_another_units_ids_is_refused(
    app: FastAPI, editor: TestClient, path: str, form: dict[str, Any], expected: str
) -> None:
    """Issue 12 item 7: every form of the unit page, with another unit's ids."""
    before = org_now(app)
    refused(app, before, post(editor, path, form), expected)


def test_issue_12_item_7_an_existing_employee_given_another_units_task_is_refused(
    app: FastAPI, editor: TestClient
) -> None:
    """Issue 12 item 7: the employee form of an existing employee."""
    before = org_now(app)
    data = employee_form(before, "mette-jobcenter", tasks=["kontanthjaelp", "byggesag"])
    r = post(editor, "/enheder/jobcenter/medarbejdere/mette-jobcenter", data)
    refused(app, before, r, "Jobcenter › Mette", "opgaven &#39;byggesag&#39; " + REFUSED)


def test_issue_12_item_7_the_units_below_are_the_editors_own(app: FastAPI) -> None:
    """Issue 12 item 7: the editor of Social og Arbejdsmarked may name Familie's people in
    Jobcenter (both are below their unit), and an admin may name anyone."""
    with sign_in(app, "chef") as chef:
        r = post(chef, "/enheder/jobcenter/grunddata", {"description": "", "owner": "bo-familie"})
        assert r.status_code == 303, r.text
        r = post(chef, "/enheder/jobcenter/regler", {"secretary_employee": "anne-familie"})
        assert r.status_code == 303, r.text
        # Borgerservice is not below Social og Arbejdsmarked.
        r = post(chef, "/enheder/jobcenter/grunddata", {"owner": "ida-borgerservice"})
        assert r.status_code == 403 and REFUSED in r.text
    unit = org_now(app).units["jobcenter"]
    assert unit.owner == "bo-familie"
    assert unit.secretary is not None and unit.secretary.employee == "anne-familie"
    with sign_in(app, "admin") as admin:
        r = post(admin, "/enheder/jobcenter/grunddata", {"owner": "ida-borgerservice"})
        assert r.status_code == 303, r.text
        r = post(
            admin,
            "/enheder/jobcenter/udsendelser",
            {
                "title": "Fælles brev",
                "sent": "2026-11-30",
                "calls_expected_until": "2026-12-18",
                "tasks": ["kontanthjaelp", "skat"],
            },
        )
        assert r.status_code == 303, r.text
    org = org_now(app)
    assert org.units["jobcenter"].owner == "ida-borgerservice"
    assert org.mailings["faelles-brev-2026"].tasks == ("kontanthjaelp", "skat")


def test_issue_12_item_7_a_name_set_by_an_admin_stays_when_the_editor_saves(
    app: FastAPI, editor: TestClient
) -> None:
    """Issue 12 item 7: what an admin named outside the editor's units is kept, not refused,
    when the editor saves the same form; removing an own task also takes it off an employee
    of another unit (who lost only that task)."""
    with sign_in(app, "admin") as admin:
        r = post(
            admin,
            "/enheder/jobcenter/regler",
            {"transfer_kind": "employee", "transfer_employee": "anne-familie"},
        )
        assert r.status_code == 303, r.text
        org = org_now(app)
        data = employee_form(org, "anne-familie", tasks=["underretning", "sygedagpenge"])
        r = post(admin, "/enheder/familie/medarbejdere/anne-familie", data)
        assert r.status_code == 303, r.text
    # The page keeps the name selected (it is not one of the unit's people), so saving the
    # form unchanged keeps it rather than clearing it.
    page = editor.get("/enheder/jobcenter").text
    assert '<option value="anne-familie" selected>' in page
    r = post(
        editor,
        "/enheder/jobcenter/regler",
        {"transfer_kind": "employee", "transfer_employee": "anne-familie", "sensitive": "1"},
    )
    assert r.status_code == 303, r.text
    assert org_now(app).units["jobcenter"].sensitive is True
    # ... but not swapped for another outsider.
    r = post(
        editor,
        "/enheder/jobcenter/regler",
        {"transfer_kind": "employee", "transfer_employee": "bo-familie"},
    )
    assert r.status_code == 403 and "bo-familie" in r.text
    r = post(editor, "/enheder/jobcenter/opgaver/sygedagpenge", {"action": "remove"})
    assert r.status_code == 303, r.text
    org = org_now(app)
    assert "sygedagpenge" not in org.tasks
    assert org.employees["anne-familie"].tasks == ("underretning",)
