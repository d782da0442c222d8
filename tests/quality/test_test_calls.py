"""Service measurements: test calls and their quality criteria (R1.7).

Reading a test call (a form, a CSV line, JSON), a CSV file all or nothing, the
figures of a period, storage on both databases, the command line, the API, the
managers' form and the quarterly report.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from typer.testing import CliRunner

from omstilling import accounts, orgfile
from omstilling.cli import app as cli_app
from omstilling.cli import quality as _quality_cli  # noqa: F401  (registers the commands)
from omstilling.domain.quality import (
    QualityError,
    QualityErrors,
    TestCall,
    parse_csv,
    read_test_call,
    summarise,
)
from omstilling.reports.build import Period, build_report
from omstilling.reports.formats import to_xlsx
from omstilling.reports.html import render_report
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation, load_organisation
from omstilling.store.quality import add_test_calls, measured_between
from omstilling.web.app import create_app
from tests.conftest import api_client, mini_text
from tests.web.session import PASSWORD, sign_in

CPH = ZoneInfo("Europe/Copenhagen")
UNITS = {"borgerservice", "jobcenter", "familie"}.__contains__
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)

CSV = """at;unit;answered;wait_seconds;served;kindness;calm;clarity;honesty;apology;by;note
2026-11-03 10:15;borgerservice;ja;12;ja;5;4;4;5;;Måler A;Venlig og klar
2026-11-03 10:40;borgerservice;ja;45;nej;3;3;4;4;nej;Måler A;Stillet forkert videre
2026-11-04 09:05;jobcenter;nej;120;;;;;;;Måler B;Ingen svarede
2026-11-04 13:30;jobcenter;ja;8;ja;4;5;5;5;ja;Måler B;
"""


def test_r1_7_a_test_call_is_read_with_its_scores() -> None:
    call = read_test_call(
        {
            "at": "2026-11-03T10:15",
            "unit": "jobcenter",
            "answered": "ja",
            "kindness": "5",
            "apology": "",
        },
        CPH,
        UNITS,
    )
    assert call.at == datetime(2026, 11, 3, 10, 15, tzinfo=CPH)  # no zone: the municipality's
    assert call.answered and call.kindness == 5 and call.calm is None and call.apology is None


@pytest.mark.parametrize(
    ("fields", "where", "danish"),
    [
        ({"unit": "jobcenter", "answered": "ja"}, "at", "mangler"),
        ({"at": "i går", "unit": "jobcenter", "answered": "ja"}, "at", "dato og klokkeslæt"),
        ({"at": "2026-11-03 10:15", "answered": "ja"}, "unit", "mangler"),
        ({"at": "2026-11-03 10:15", "unit": "nope", "answered": "ja"}, "unit", "findes ikke"),
        ({"at": "2026-11-03 10:15", "unit": "jobcenter"}, "answered", "ja eller nej"),
        (
            {"at": "2026-11-03 10:15", "unit": "jobcenter", "answered": "måske"},
            "answered",
            "ja eller nej",
        ),
        (
            {"at": "2026-11-03 10:15", "unit": "jobcenter", "answered": "ja", "calm": "6"},
            "calm",
            "1 til 5",
        ),
        (
            {"at": "2026-11-03 10:15", "unit": "jobcenter", "answered": "nej", "kindness": "4"},
            "kindness",
            "ingen karakter",
        ),
        (
            {
                "at": "2026-11-03 10:15",
                "unit": "jobcenter",
                "answered": "ja",
                "note": "cpr 010203-1234",
            },
            "note",
            "CPR",
        ),
    ],
)
def test_r1_7_a_bad_test_call_is_refused_naming_the_field(
    fields: dict[str, str], where: str, danish: str
) -> None:
    with pytest.raises(QualityError) as caught:
        read_test_call(fields, CPH, UNITS)
    assert caught.value.where == where and danish in caught.value.danish


def test_r1_7_a_csv_file_is_read_all_or_nothing_naming_each_bad_line() -> None:
    calls = parse_csv(CSV, CPH, UNITS)
    assert [c.unit for c in calls] == ["borgerservice", "borgerservice", "jobcenter", "jobcenter"]
    bad = CSV.replace("jobcenter;nej;120", "jobcentr;nej;120").replace(";3;3;4;4;", ";3;9;4;4;")
    with pytest.raises(QualityErrors) as caught:
        parse_csv(bad, CPH, UNITS)
    assert [str(e).split(":")[0] for e in caught.value.errors] == [
        "line 3, calm",
        "line 4, unit",
    ]
    with pytest.raises(QualityErrors, match="unknown column"):
        parse_csv("at,unit,answered,mood\n", CPH, UNITS)
    with pytest.raises(QualityErrors, match="missing column"):
        parse_csv("at,answered\n", CPH, UNITS)


def test_r1_7_the_figures_of_a_period() -> None:
    summary = summarise(parse_csv(CSV, CPH, UNITS), {"jobcenter": "Jobcenter"})
    total = summary["total"]
    assert (total["test_calls"], total["answered"], total["answer_rate"]) == (4, 3, 0.75)
    assert total["avg_wait_seconds"] == 21.7  # (12 + 45 + 8) / 3, the answered ones
    assert (total["served_first_call"], total["served_rate"]) == (2, pytest.approx(2 / 3))
    assert total["criteria"]["kindness"] == {"scored": 3, "average": 4.0}
    assert total["criteria"]["calm"]["average"] == 4.0
    assert (total["apologies_due"], total["apologies_given"]) == (2, 1)
    assert [u["name"] for u in summary["units"]] == ["borgerservice", "Jobcenter"]
    assert summary["units"][1]["answer_rate"] == 0.5
    empty = summarise([])
    assert empty["total"]["test_calls"] == 0 and empty["total"]["criteria"]["honesty"] == {
        "scored": 0,
        "average": None,
    }


def test_r1_7_test_calls_are_stored_and_read_by_local_day(engine: Engine) -> None:
    calls = parse_csv(CSV, CPH, UNITS)
    late = TestCall(at=datetime(2026, 11, 4, 23, 30, tzinfo=CPH), unit="familie", answered=True)
    assert add_test_calls(engine, [*calls, late], actor="chef", now=NOW) == 5
    got = measured_between(engine, date(2026, 11, 4), date(2026, 11, 4), CPH)
    assert [c.unit for c in got] == [
        "jobcenter",
        "jobcenter",
        "familie",
    ]  # 23.30 local is still the 4th
    assert got[1] == calls[3]  # everything read back as written
    assert measured_between(engine, date(2026, 12, 1), date(2026, 12, 31), CPH) == []


@pytest.fixture
def org_engine(engine: Engine) -> Engine:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    return engine


def test_r1_7_the_command_line_imports_a_file_or_nothing(
    org_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    good, bad = tmp_path / "maaling.csv", tmp_path / "fejl.csv"
    good.write_text(CSV, encoding="utf-8")
    bad.write_text(CSV.replace("jobcenter;ja;8", "jobcenter;ja;otte"), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli_app, ["quality", "import", str(bad), "--db", db_url])
    assert result.exit_code == 1
    assert "line 5, wait_seconds: must be a whole number" in result.output
    assert "nothing was stored" in result.output
    result = runner.invoke(cli_app, ["quality", "import", str(good), "--db", db_url])
    assert result.exit_code == 0 and "stored 4 test call(s)" in result.output
    result = runner.invoke(cli_app, ["quality", "summary", "--quarter", "2026Q4", "--db", db_url])
    assert result.exit_code == 0 and '"test_calls": 4' in result.output


@pytest.fixture
def app(org_engine: Engine, db_url: str) -> FastAPI:
    accounts.add_user(org_engine, "chef", "manager", PASSWORD, display_name="Charlotte Chef")
    accounts.add_user(org_engine, "op", "operator", PASSWORD)
    application = create_app(Settings(database_url=db_url), engine=org_engine)
    application.state.clock = lambda: datetime(2026, 11, 30, 10, tzinfo=CPH)
    return application


def test_r1_7_the_api_stores_all_or_none_and_sums_up(app: FastAPI) -> None:
    with api_client(app, ("quality:write", "reports:read")) as client:
        calls = [
            {
                "at": "2026-11-03T10:15:00+01:00",
                "unit": "jobcenter",
                "answered": True,
                "kindness": 5,
            },
            {"at": "2026-11-03T11:00:00", "unit": "familie", "answered": False, "wait_seconds": 90},
        ]
        wrong = [*calls, {"at": "2026-11-03T11:00:00", "unit": "familie", "answered": "perhaps"}]
        r = client.post("/api/v1/quality/test-calls", json={"test_calls": wrong})
        assert r.status_code == 422
        assert r.json()["detail"] == [
            {
                "loc": ["body", "test_calls", 2, "answered"],
                "msg": "test_calls[2].answered: must be yes or no (ja/nej), got 'perhaps'",
                "type": "invalid",
            }
        ]
        r = client.post("/api/v1/quality/test-calls", json={"test_calls": calls})
        assert r.status_code == 200 and r.json() == {"stored": 2}
        r = client.get("/api/v1/quality/summary", params={"quarter": "2026Q4"})
        assert r.status_code == 200
        body = r.json()
        assert body["period"] == {"from": "2026-10-01", "to": "2026-12-31"}
        assert body["total"]["test_calls"] == 2 and body["total"]["answered"] == 1
    with api_client(app, ("reports:read",)) as reader:
        r = reader.post("/api/v1/quality/test-calls", json={"test_calls": calls})
        assert r.status_code == 403


def test_r1_7_a_manager_records_a_test_call_on_the_form(app: FastAPI) -> None:
    client = sign_in(app, "chef")
    page = client.get("/statistik/testopkald")
    assert page.status_code == 200 and "Gem testopkald" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {
        "csrf_token": token,
        "at": "2026-11-30T09:40",
        "unit": "jobcenter",
        "answered": "yes",
        "wait_seconds": "20",
        "kindness": "5",
        "calm": "4",
        "note": "",
    }
    wrong = client.post("/statistik/testopkald", data={**form, "calm": "7"})
    assert (
        wrong.status_code == 422 and "Rolig og hjælpsom (empati): skal være 1 til 5" in wrong.text
    )
    assert 'value="2026-11-30T09:40"' in wrong.text  # what was typed is kept
    saved = client.post("/statistik/testopkald", data=form)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "Testopkaldet er gemt." in page.text and "30.11.2026 kl. 09.40" in page.text
    stats = client.get("/statistik", params={"quarter": "2026Q4"})
    assert (
        "Servicemålinger: testopkald (R1.7)" in stats.text and "/statistik/testopkald" in stats.text
    )
    operator = sign_in(app, "op")
    assert operator.get("/statistik/testopkald").status_code == 403


def test_r1_7_the_quarterly_report_shows_the_test_calls(org_engine: Engine) -> None:
    add_test_calls(org_engine, parse_csv(CSV, CPH, UNITS), actor="chef", now=NOW)
    quarter = Period(date(2026, 10, 1), date(2026, 12, 31))
    assert "service_measurements" not in build_report(org_engine, quarter)  # the spec's JSON
    report = build_report(org_engine, quarter, measurements=True)
    measured = report["service_measurements"]
    assert measured["total"]["test_calls"] == 4
    with org_engine.connect() as conn:
        org = load_organisation(conn)
    html = render_report(report, org=org)
    assert "Servicemålinger: testopkald (R1.7)" in html and "Venlighed i stemmen" in html
    assert "4,0" in html  # the average kindness, the Danish way
    assert to_xlsx(report)[:2] == b"PK"
    empty = build_report(org_engine, Period(date(2027, 1, 1), date(2027, 3, 31)), measurements=True)
    assert "Ingen testopkald i perioden" in render_report(empty, org=org)


def test_r1_7_migration_0009_adds_and_removes_the_test_calls_table(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from omstilling.store.db import alembic_config, ensure_schema, make_engine

    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0008")
    assert "test_calls" not in inspect(engine).get_table_names()
    ensure_schema(engine)
    assert add_test_calls(engine, parse_csv(CSV, CPH, UNITS), actor="t", now=NOW) == 4
    command.downgrade(alembic_config(engine), "0008")
    assert "test_calls" not in inspect(engine).get_table_names()
    ensure_schema(engine)
    assert measured_between(engine, date(2026, 11, 1), date(2026, 11, 30), CPH) == []
    engine.dispose()
