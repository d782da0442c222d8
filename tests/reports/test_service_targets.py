"""The service targets are settings and report options (issue 16 item 7): the threshold,
the share answered in time, the share answered and the lost share the quarterly report
(R3.13) measures against come from OMSTILLING_SERVICE_*, and one report on the
statistics page, the report API or `omstilling report` may name others (R3.12)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Engine

from omstilling import accounts, orgfile
from omstilling.calls.queue_log import import_files
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.calls.conftest import HANDCOUNT
from tests.conftest import api_client, mini_text
from tests.web.session import PASSWORD, sign_in

TARGETS = {
    "service_threshold_seconds": 5,
    "service_level_target": 0.5,
    "answer_rate_target": 0.6,
    "abandon_rate_max": 0.4,
}


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    import_files(engine, [HANDCOUNT])
    accounts.add_user(engine, "chef", "manager", PASSWORD)
    application = create_app(Settings(database_url=db_url, **TARGETS), engine=engine)  # type: ignore[arg-type]
    application.state.clock = lambda: datetime(2027, 1, 5, 10, tzinfo=ZoneInfo("Europe/Copenhagen"))
    return application


def test_r3_13_the_statistics_page_measures_against_the_settings(app: FastAPI) -> None:
    page = sign_in(app, "chef").get("/statistik", params={"quarter": "2026Q4"}).text
    assert "servicegrad målt ved 5 sekunder" in page
    assert "Mål: mindst 60 %" in page and "Mål: 50 %" in page and "Mål: under 40 %" in page
    assert 'name="service_level" type="number" min="0" max="100" value="50"' in page
    # The downloads carry the same targets.
    assert "threshold=5&amp;service_level=50&amp;answer_rate=60&amp;abandon_rate=40" in page


def test_r3_13_one_report_may_name_its_own_targets(app: FastAPI) -> None:
    params = {"quarter": "2026Q4", "threshold": "20", "service_level": "90", "answer_rate": "99"}
    page = sign_in(app, "chef").get("/statistik", params=params).text
    assert "servicegrad målt ved 20 sekunder" in page
    assert "Mål: mindst 99 %" in page and "Mål: 90 %" in page and "Mål: under 40 %" in page
    bad = sign_in(app, "chef").get("/statistik", params={"service_level": "101"})
    assert bad.status_code == 422


def test_r3_13_the_report_api_uses_the_settings_and_its_options(app: FastAPI) -> None:
    with api_client(app) as client:
        r = client.get("/api/v1/calls/report", params={"quarter": "2026Q4"})
        assert r.status_code == 200 and r.json()["threshold_seconds"] == 5
        html = client.get(
            "/api/v1/calls/report",
            params={"quarter": "2026Q4", "format": "html", "abandon_rate": "10"},
        ).text
        assert "Mål: mindst 60 %" in html and "Mål: under 10 %" in html
        r = client.get("/api/v1/calls/report", params={"quarter": "2026Q4", "answer_rate": "-1"})
        assert r.status_code == 422


def test_r3_13_the_command_line_report_takes_the_settings_and_options(
    app: FastAPI, db_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "OMSTILLING_ANSWER_RATE_TARGET": "0.7",
        "OMSTILLING_SERVICE_THRESHOLD_SECONDS": "15",
    }
    out = tmp_path / "r.html"
    args = ["report", "--quarter", "2026Q4", "--format", "html", "-o", str(out), "--db", db_url]

    def run(*more: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "omstilling", *args, *more]
        return subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True)

    result = run("--service-level", "85")
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "servicegrad målt ved 15 sekunder" in html
    assert "Mål: mindst 70 %" in html and "Mål: 85 %" in html and "Mål: under 5 %" in html
    assert run("--answer-rate", "120").returncode == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("service_level_target", 1.5),
        ("answer_rate_target", -0.1),
        ("abandon_rate_max", 2),
        ("service_threshold_seconds", 601),
    ],
)
def test_a_target_out_of_range_is_refused_at_start_up_naming_the_setting(
    name: str, value: float
) -> None:
    with pytest.raises(ValidationError, match=name):
        Settings(**{name: value})  # type: ignore[arg-type]
