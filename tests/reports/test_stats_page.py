"""The managers' statistics page (/statistik): period picker, figures, downloads (R3.13)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omstilling import accounts, orgfile
from omstilling.calls.queue_log import import_files
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.calls.conftest import HANDCOUNT
from tests.conftest import mini_text
from tests.web.session import PASSWORD, sign_in


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    import_files(engine, [HANDCOUNT])
    accounts.add_user(engine, "chef", "manager", PASSWORD, display_name="Charlotte Chef")
    accounts.add_user(engine, "op", "operator", PASSWORD)
    application = create_app(Settings(database_url=db_url), engine=engine)
    application.state.clock = lambda: datetime(2027, 1, 5, 10, tzinfo=ZoneInfo("Europe/Copenhagen"))
    return application


def test_r3_13_manager_sees_the_latest_quarter_and_can_pick_a_period(app: FastAPI) -> None:
    client = sign_in(app, "chef")
    page = client.get("/statistik")
    assert page.status_code == 200
    assert "Telefonstatistik" in page.text and "4. kvartal 2026" in page.text
    assert "<svg" in page.text and "Svære at komme igennem til" in page.text
    assert "format=xlsx" in page.text
    page = client.get(
        "/statistik", params={"from": "2026-12-01", "to": "2026-12-31", "threshold": "5"}
    )
    assert page.status_code == 200 and "servicegrad målt ved 5 sekunder" in page.text
    page = client.get("/statistik", params={"from": "2026-12-31", "to": "2026-12-01"})
    assert page.status_code == 200 and 'role="alert"' in page.text


def test_r3_13_the_statistics_need_a_manager(app: FastAPI) -> None:
    assert (
        TestClient(app, base_url="https://testserver", follow_redirects=False)
        .get("/statistik")
        .status_code
        == 303
    )
    assert sign_in(app, "op").get("/statistik").status_code == 403
