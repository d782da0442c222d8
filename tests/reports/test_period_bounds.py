"""A report's period lies within the years calls are kept (2000-2099) and spans at most
ten years (issue 12 item 3, as schemathesis found: the years 735 to 5346 answered 200)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from omstilling.reports.build import Period, PeriodError, period_from
from omstilling.settings import Settings
from omstilling.web.app import create_app
from tests.conftest import api_client


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        (date(735, 1, 1), date(5346, 12, 31), "2000-2099"),
        (date(1999, 12, 31), date(2000, 3, 31), "2000-2099"),
        (date(2099, 10, 1), date(2100, 1, 1), "2000-2099"),
        (date(2000, 1, 1), date(2020, 12, 31), "longer than 10 years"),
    ],
)
def test_a_period_outside_the_years_or_too_long_is_refused(
    start: date, end: date, says: str
) -> None:
    with pytest.raises(PeriodError, match=says):
        Period(start, end)


def test_the_years_edges_and_ten_years_are_accepted() -> None:
    assert Period(date(2000, 1, 1), date(2009, 12, 31)).end.year == 2009
    assert Period(date(2099, 10, 1), date(2099, 12, 31)).start.year == 2099
    assert period_from("2026Q4", None, None).start == date(2026, 10, 1)


def test_the_report_api_answers_422_naming_the_years(engine: Engine, db_url: str) -> None:
    app = create_app(Settings(database_url=db_url), engine=engine)
    with api_client(app, ("reports:read",)) as client:
        r = client.get("/api/v1/calls/report", params={"from": "0735-01-01", "to": "5346-12-31"})
    assert r.status_code == 422 and "2000-2099" in r.text


def test_the_statistics_page_says_it_in_danish(engine: Engine, db_url: str) -> None:
    from omstilling import accounts
    from tests.web.session import PASSWORD, sign_in

    accounts.add_user(engine, "chef", "manager", PASSWORD)
    app = create_app(Settings(database_url=db_url), engine=engine)
    with sign_in(app, "chef") as chef:
        r = chef.get("/statistik", params={"from": "1990-01-01", "to": "1990-03-31"})
        assert r.status_code == 200 and "Vælg en periode i årene 2000-2099." in r.text
        r = chef.get("/statistik", params={"from": "2026-12-31", "to": "2026-01-01"})
        assert "Perioden slutter, før den begynder." in r.text
        r = chef.get("/statistik", params={"from": "31-12-2026", "to": "2026-01-01"})
        assert "er ikke en dato" in r.text
