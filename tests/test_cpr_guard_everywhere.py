"""The one CPR guard on every free-text field, door by door (issue 12 item 4).

tests/test_privacy.py probes a running server end to end; these tests pin each door's
answer: the organisation file (and so the unit editor, which validates through it),
absence and unit-away notes, the console's search and action log, login attempts, the
advice's free text, account names, the access log and the public output.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from omstilling import accounts, orgfile
from omstilling.domain.citizen import HoldsCpr, free_text
from omstilling.domain.inquiry import Inquiry
from omstilling.settings import Settings
from omstilling.store import presence
from omstilling.store.account_models import ConsoleAction, LoginAttempt
from omstilling.store.console_log import log_action
from omstilling.store.models import AbsenceRow, UnitAwayRow, UnitRow
from omstilling.store.organisation import import_organisation
from omstilling.web.accesslog import HIDDEN_PATH, HIDDEN_QUERY, PrivateRequestLine, private_path
from omstilling.web.app import create_app
from tests.conftest import mini_text
from tests.web.session import PASSWORD, csrf, sign_in

TZ = ZoneInfo("Europe/Copenhagen")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
CPR = "031185-1506"
EN_DASH = "031185\u20131506"


def doc_with(**changes: Any) -> dict[str, Any]:
    """The acceptance fixture with changes to Jobcenter (its first employee, first task)."""
    doc = yaml.safe_load(mini_text())
    unit = next(u for u in doc["units"] if u["id"] == "jobcenter")
    for key, value in changes.items():
        if key.startswith("employee_"):
            unit["employees"][0][key.removeprefix("employee_")] = value
        elif key.startswith("task_"):
            unit["tasks"][0][key.removeprefix("task_")] = value
        else:
            unit[key] = value
    return doc


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"description": f"Ring om sag {CPR}"}, "description"),
        ({"address": f"Laksetorvet {EN_DASH}"}, "address"),
        ({"employee_title": f"Rådgiver {CPR}"}, "title"),
        ({"employee_main_tasks": "03 11 85 1506"}, "main_tasks"),
        ({"task_keywords": ["ydelse", "031185.1501"]}, "keywords[1]"),
        ({"task_answer": f"Borgeren {CPR}"}, "answer"),
        ({"hours": {"phone": f'Mo-Fr 09:00-12:00 "{CPR}"'}}, "hours.phone"),
    ],
)
def test_a_text_of_the_organisation_file_holding_a_cpr_number_refuses_the_file(
    change: dict[str, Any], path: str
) -> None:
    """Import, validate and the unit editor all read through the file's rules."""
    with pytest.raises(orgfile.OrgFileError) as caught:
        orgfile.parse_data(doc_with(**change))
    errors = caught.value.errors
    assert any(path in e and "CPR" in e for e in errors), errors
    assert not any("1506" in e or "1501" in e for e in errors), errors


def test_an_error_never_quotes_a_value_holding_a_cpr_number() -> None:
    """A phone number field is quoted in its error; a CPR-shaped one is not."""
    with pytest.raises(orgfile.OrgFileError) as caught:
        orgfile.parse_data(doc_with(employee_phone="0311851506"))
    assert not any("0311851506" in e for e in caught.value.errors), caught.value.errors


def test_the_free_text_guard_names_the_field_and_never_the_text() -> None:
    with pytest.raises(HoldsCpr) as caught:
        free_text("note", f"Ring til {EN_DASH}")
    assert str(caught.value).startswith("note: ") and "1506" not in str(caught.value)
    assert free_text("note", "Ring på 86 15 15 15") == "Ring på 86 15 15 15"


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    import_organisation(
        engine, orgfile.parse_data(doc_with()).organisation, file_revision=None, actor="import"
    )
    accounts.add_user(engine, "omstilling", "operator", PASSWORD)
    accounts.add_user(engine, "mette", "employee", PASSWORD, employee_id="mette-jobcenter")
    accounts.add_user(engine, "red", "editor", PASSWORD, unit_id="jobcenter")
    application = create_app(Settings(database_url=db_url), engine=engine)
    application.state.clock = lambda: MONDAY_10
    return application


def test_absence_and_unit_away_notes_refuse_a_cpr_number(engine: Engine, app: FastAPI) -> None:
    start, until = MONDAY_10, MONDAY_10 + timedelta(hours=2)
    with pytest.raises(HoldsCpr):
        presence.set_absence(
            engine, "mette-jobcenter", "meeting", start, until, f"sag {CPR}", actor="t", now=start
        )
    with pytest.raises(HoldsCpr):
        presence.unit_away(engine, "jobcenter", start, until, EN_DASH, actor="t", now=start)
    with engine.connect() as conn:
        assert conn.execute(select(AbsenceRow.id)).first() is None
        assert conn.execute(select(UnitAwayRow.id)).first() is None


def test_own_absence_page_refuses_a_cpr_note_in_danish(app: FastAPI) -> None:
    with sign_in(app, "mette") as mette:
        r = mette.post(
            "/mig/fravaer",
            data={"choice": "meeting", "until_time": "12:00", "note": CPR},
            headers={"X-CSRF-Token": csrf(mette)},
        )
    assert r.status_code == 422 and "CPR-nummer" in r.text and "1506" not in r.text


def test_the_editor_refuses_a_cpr_note_on_unit_away_and_empties_the_field(app: FastAPI) -> None:
    with sign_in(app, "red") as red:
        r = red.post(
            "/enheder/jobcenter/vaek",
            data={
                "start": "2026-11-30T11:00",
                "until": "2026-11-30T15:00",
                "note": CPR,
                "csrf_token": csrf(red),
            },
        )
    assert r.status_code == 422 and "CPR-nummer" in r.text and CPR not in r.text


def test_the_console_search_is_a_post_and_never_searches_a_cpr_number(app: FastAPI) -> None:
    """A GET would put what the citizen said in the URL, and so in the access log."""
    with sign_in(app, "omstilling") as operator:
        assert operator.get("/console/search", params={"q": "kontanthjælp"}).status_code == 405
        token = {"X-CSRF-Token": csrf(operator)}
        r = operator.post("/console/search", data={"q": f"Borger {EN_DASH}"}, headers=token)
        assert r.status_code == 200 and "CPR-nummer" in r.text and "1506" not in r.text
        assert "data-id" not in r.text


def test_the_action_log_refuses_a_cpr_errand_or_call_id(engine: Engine, app: FastAPI) -> None:
    with pytest.raises(HoldsCpr):
        log_action(engine, "answered", at=MONDAY_10, user_id=None, errand=f"cpr {CPR}")
    with pytest.raises(HoldsCpr):
        log_action(engine, "answered", at=MONDAY_10, user_id=None, call_id="031185-1506")
    # An Asterisk uniqueid is epoch seconds and may read as a date (17-12-34): it is kept.
    log_action(engine, "answered", at=MONDAY_10, user_id=None, call_id="1712345678.123")
    with engine.connect() as conn:
        assert conn.execute(select(ConsoleAction.call_id)).scalars().all() == ["1712345678.123"]


def test_the_console_action_answers_422_for_a_cpr_errand(engine: Engine, app: FastAPI) -> None:
    with sign_in(app, "omstilling") as operator:
        r = operator.post(
            "/console/actions",
            data={"action": "answered", "errand": CPR},
            headers={"X-CSRF-Token": csrf(operator)},
        )
    assert r.status_code == 422 and "errand" in r.text and "1506" not in r.text
    with engine.connect() as conn:
        assert conn.execute(select(ConsoleAction.id)).first() is None


def test_a_cpr_number_typed_as_user_name_is_recorded_as_a_stand_in(engine: Engine) -> None:
    with pytest.raises(accounts.AccountError):
        accounts.authenticate(engine, CPR, "whatever", "192.0.2.1", MONDAY_10)
    with engine.connect() as conn:
        names = conn.execute(select(LoginAttempt.username)).scalars().all()
    assert names == [accounts.CPR_SHAPED_NAME]


def test_account_and_token_names_refuse_a_cpr_number(engine: Engine) -> None:
    with pytest.raises(HoldsCpr):
        accounts.add_user(engine, "ny", "operator", PASSWORD, display_name=f"Ny {CPR}")
    with pytest.raises(HoldsCpr):
        accounts.add_user(engine, CPR, "operator", PASSWORD)
    with pytest.raises(HoldsCpr):
        accounts.create_token(engine, f"pbx {CPR}", ["calls:write"])


def test_the_advice_refuses_a_cpr_number_as_what_the_call_is_about(app: FastAPI) -> None:
    from omstilling.domain.citizen import checked_inquiry

    with pytest.raises(HoldsCpr):
        checked_inquiry(Inquiry(query=f"borger {CPR}"))


def test_the_public_output_never_carries_a_text_that_fails_the_guard(
    engine: Engine, app: FastAPI
) -> None:
    """A description stored before the guard (or by any other door) stays off the public
    pages: written to the database directly, past every check."""
    with engine.begin() as conn:
        conn.execute(
            update(UnitRow).where(UnitRow.id == "jobcenter").values(description=f"Sag {CPR}")
        )
    public = TestClient(app, base_url="https://testserver")
    for path in ("/offentlig", "/api/v1/public/units"):
        r = public.get(path)
        assert r.status_code == 200 and "1506" not in r.text, path


def test_the_access_log_hides_a_cpr_number_in_a_path_or_a_query() -> None:
    assert private_path("/api/v1/employees/Borger%200311851506") == HIDDEN_PATH
    assert private_path("/api/v1/units?q=sag+031185-1506") == "/api/v1/units" + HIDDEN_QUERY
    assert private_path("/api/v1/units?q=kontanthj%C3%A6lp") == "/api/v1/units?q=kontanthj%C3%A6lp"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/x?q=031185-1506", "1.1", 200), None,
    )  # fmt: skip
    assert PrivateRequestLine().filter(record)
    assert "1506" not in record.getMessage() and HIDDEN_QUERY in record.getMessage()


def test_the_cli_refuses_a_cpr_note_with_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    from omstilling.store.db import ensure_schema, make_engine

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(
        engine, orgfile.parse_data(doc_with()).organisation, file_revision=None, actor="import"
    )
    command = ["absence", "set", "mette-jobcenter", "meeting", "--note", CPR, "--db", url]
    done = subprocess.run(
        [sys.executable, "-m", "omstilling", *command], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "CPR" in done.stderr and "1506" not in done.stdout + done.stderr


def test_the_unit_editor_refuses_a_cpr_description_in_danish(engine: Engine, app: FastAPI) -> None:
    with sign_in(app, "red") as red:
        r = red.post(
            "/enheder/jobcenter/grunddata",
            data={"description": f"Sag {EN_DASH}", "address": "", "csrf_token": csrf(red)},
        )
    assert r.status_code == 422 and "ligner et CPR-nummer" in r.text
    with engine.connect() as conn:
        stored = conn.execute(select(UnitRow.description).where(UnitRow.id == "jobcenter"))
        assert "1506" not in stored.scalar_one()
