"""Test calls note whether the employee answered with their name and offered active
service (a message or a colleague) when they could not help (issue 16 item 8; the
policy's service measurement, R1.7 with R3.5 and R3.6): read, stored, summed up,
shown on the form and in the quarterly report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from omstilling import accounts, orgfile
from omstilling.domain.quality import QualityError, parse_csv, read_test_call, summarise
from omstilling.reports.build import Period, build_report
from omstilling.reports.formats import _measurement_rows
from omstilling.reports.html import render_report
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation, load_organisation
from omstilling.store.quality import add_test_calls, measured_between
from omstilling.web.app import create_app
from tests.conftest import mini_text
from tests.web.session import PASSWORD, sign_in

CPH = ZoneInfo("Europe/Copenhagen")
UNITS = {"borgerservice", "jobcenter"}.__contains__
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)

CSV = """at;unit;answered;named;offered_service;by
2026-11-03 10:15;borgerservice;ja;ja;;Måler A
2026-11-03 10:40;borgerservice;ja;nej;ja;Måler A
2026-11-04 09:05;jobcenter;ja;ja;nej;Måler B
2026-11-04 13:30;jobcenter;nej;;;Måler B
"""


def test_r1_7_named_and_offered_service_are_read_and_summed_up() -> None:
    calls = parse_csv(CSV, CPH, UNITS)
    assert [(c.named, c.offered_service) for c in calls] == [
        (True, None),
        (False, True),
        (True, False),
        (None, None),
    ]
    total = summarise(calls)["total"]
    # Of the answered calls where it was noted; "not needed" is not counted either way.
    assert (total["named"], total["named_rate"]) == (2, pytest.approx(2 / 3))
    assert (total["service_offered"], total["service_offered_rate"]) == (1, 0.5)
    assert summarise([])["total"]["named_rate"] is None


def test_r1_7_an_unanswered_call_has_no_name_or_service_noted() -> None:
    with pytest.raises(QualityError, match="named: a call that was not answered"):
        read_test_call(
            {"at": "2026-11-03T10:15", "unit": "jobcenter", "answered": "nej", "named": "ja"},
            CPH,
            UNITS,
        )
    with pytest.raises(QualityError, match="offered_service: must be yes or no"):
        read_test_call(
            {
                "at": "2026-11-03T10:15",
                "unit": "jobcenter",
                "answered": "ja",
                "offered_service": "måske",
            },
            CPH,
            UNITS,
        )


def test_r1_7_they_are_stored_and_shown_in_the_quarterly_report(engine: Engine) -> None:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    calls = parse_csv(CSV, CPH, UNITS)
    add_test_calls(engine, calls, actor="chef", now=NOW)
    assert measured_between(engine, date(2026, 11, 1), date(2026, 11, 30), CPH) == calls
    report = build_report(engine, Period(date(2026, 10, 1), date(2026, 12, 31)), measurements=True)
    assert report["service_measurements"]["total"]["named"] == 2
    with engine.connect() as conn:
        org = load_organisation(conn)
    html = render_report(report, org=org)
    assert "Svarede med navn" in html and "Tilbød besked eller kollega" in html
    assert "66,7 %" in html  # named: 2 of the 3 answered calls where it was noted


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    accounts.add_user(engine, "chef", "manager", PASSWORD)
    application = create_app(Settings(database_url=db_url), engine=engine)
    application.state.clock = lambda: NOW
    return application


def test_r1_7_a_manager_notes_them_on_the_form(app: FastAPI) -> None:
    client = sign_in(app, "chef")
    page = client.get("/statistik/testopkald")
    assert 'name="named"' in page.text and 'name="offered_service"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {
        "csrf_token": token,
        "at": "2026-11-30T09:40",
        "unit": "jobcenter",
        "answered": "yes",
        "named": "no",
        "offered_service": "yes",
    }
    assert client.post("/statistik/testopkald", data=form).status_code == 303
    [call] = measured_between(app.state.engine, date(2026, 11, 30), date(2026, 11, 30), CPH)
    assert (call.named, call.offered_service) == (False, True)
    assert "<td>Nej</td><td>Ja</td>" in client.get("/statistik/testopkald").text


def test_the_reports_measurement_rows_have_both_figures() -> None:
    """The CSV and XLSX of the report carry the two rates per unit and in all."""
    header, rows = _measurement_rows(summarise(parse_csv(CSV, CPH, UNITS)))
    named, offered = header.index("named_rate"), header.index("service_offered_rate")
    assert rows[-1][named] == pytest.approx(2 / 3) and rows[-1][offered] == 0.5
