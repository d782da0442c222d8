"""Asterisk CDR CSV: direct calls, reported apart from the queues (spec section 2)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from omstilling.calls.cdr import import_cdr_file
from omstilling.calls.queue_log import import_files
from omstilling.calls.rebuild import rebuild
from omstilling.reports.build import Period, build_report
from tests.calls.conftest import DATA, HANDCOUNT

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
EXPECTED_DIRECT = [
    {"unit": "jobcenter", "employee": None, "calls": 1, "answered": 1, "answer_rate": 1.0},
    {
        "unit": "jobcenter",
        "employee": "jens-jobcenter",
        "calls": 2,
        "answered": 1,
        "answer_rate": 0.5,
    },
    {"unit": None, "employee": None, "calls": 1, "answered": 0, "answer_rate": 0.0},
]


def test_cdr_direct_calls_by_owner_of_the_dialled_number(org_engine: Engine) -> None:
    summary = import_cdr_file(org_engine, DATA / "master.csv")
    assert summary.lines == 7
    assert summary.calls_added == 4
    assert summary.queued == 1  # through a queue: counted from queue_log, not here
    assert [(n, r.split(";")[0]) for _, n, r in summary.malformed] == [
        (6, "7 columns"),
        (7, "start is not a time: 'yesterday'"),
    ]
    report = build_report(org_engine, DECEMBER)
    assert report["direct"] == EXPECTED_DIRECT
    assert report["total"]["offered"] == 0  # never added to the queue figures


def test_cdr_is_idempotent_and_survives_a_rebuild(org_engine: Engine) -> None:
    import_cdr_file(org_engine, DATA / "master.csv")
    again = import_cdr_file(org_engine, DATA / "master.csv")
    assert again.calls_added == 0 and again.duplicates == 4
    import_files(org_engine, [HANDCOUNT])
    rebuild(org_engine)
    report = build_report(org_engine, DECEMBER)
    assert report["direct"] == EXPECTED_DIRECT
    assert report["total"]["offered"] == 16
