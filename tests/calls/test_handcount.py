"""The figures agree with a hand count (spec/call-data.md), on SQLite and PostgreSQL.

tests/calls/data/handcount.log is written by hand: every event type of the
spec, the older-Asterisk variations (CONNECT without ringtime, ENTERQUEUE
without position, EXITWITHTIMEOUT with a wait), agent/system lines that are
ignored, three malformed lines, one duplicate line, a call just before the
period and one just inside it (local midnight), a queue that maps to no unit,
two returns to the switchboard (same callid; same caller after 4 min) and one
call back after 15 minutes that is not a return.

The expected report below was counted by hand from the log; the comments show
the count.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from omstilling.calls.models import CallEvent, CallLogBlock, CallRecord
from omstilling.calls.queue_log import import_files
from omstilling.calls.rebuild import rebuild
from omstilling.domain.kpi import FIGURE_KEYS
from omstilling.reports.build import Period, build_report
from tests.calls.conftest import HANDCOUNT

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))


def fig(**kw: float) -> dict[str, float]:
    zero = dict.fromkeys(FIGURE_KEYS, 0)
    zero.update(
        {
            k: 0.0
            for k in (
                "answer_rate",
                "service_level",
                "asa_seconds",
                "abandon_rate",
                "avg_talk_seconds",
            )
        }
    )
    zero.update(kw)
    return zero


# borgerservice (the switchboard's queue): c1 ans w10 t120; c2 ans w45 t60 (older
# CONNECT/ENTERQUEUE); c3 abandoned w3 (short); c9 ans w5 t30, blind transfer to
# jens-jobcenter (89152201); c9 again (same callid) ans w8 t50; c10 ans w2 t40, attended
# transfer to the Jobcenter's number 89152200; c11 (c10's caller, 258 s later) ans w20
# t30; c12 ans w0 t15, transfer to sara-jobcenter; c13 (c12's caller 900 s later:
# not a return) abandoned w12.
BORGERSERVICE = fig(
    offered=9,
    answered=7,
    abandoned=2,
    answer_rate=7 / 9,
    service_level=6 / 9,  # within 30 s: c1, c9, c9', c10, c11, c12 (c2 waited 45)
    asa_seconds=(10 + 45 + 5 + 8 + 2 + 20 + 0) / 7,
    max_wait_seconds=45,
    abandon_rate=2 / 9,
    short_abandons=1,
    avg_talk_seconds=(120 + 60 + 30 + 50 + 40 + 30 + 15) / 7,
)
# jobcenter: c4 abandoned w40; c5 RINGNOANSWER then EXITWITHTIMEOUT w300; c6 EXITEMPTY w2.
# Returned: c9 (to jens) and c10 (to the unit's number) came back.
JOBCENTER = fig(
    offered=3,
    abandoned=1,
    timed_out=2,
    max_wait_seconds=300,
    abandon_rate=1 / 3,
    returned_to_switchboard=2,
)
# familie: c7 EXITWITHKEY w20; c8 only ENTERQUEUE (incomplete).
FAMILIE = fig(offered=2, timed_out=1, incomplete=1, max_wait_seconds=20)
# test (no unit): c14 ans w1 t10; c16 entered 00:00:10 local on 1 December, abandoned w7.
TOTAL = fig(
    offered=16,
    answered=8,
    abandoned=4,
    timed_out=3,
    incomplete=1,
    answer_rate=8 / 16,
    service_level=7 / 16,
    asa_seconds=91 / 8,
    max_wait_seconds=300,
    abandon_rate=4 / 16,
    short_abandons=1,
    avg_talk_seconds=355 / 8,
    returned_to_switchboard=2,
)


def expected_report() -> dict[str, object]:
    weeks = [{"week": "2026-W49", **TOTAL}] + [
        {"week": f"2026-W{w}", **fig()} for w in (50, 51, 52, 53)
    ]
    cells = {(2, 0): (1, 0), (2, 9): (8, 2), (2, 10): (6, 5), (2, 11): (1, 1)}
    return {
        "period": {"from": "2026-12-01", "to": "2026-12-31"},
        "threshold_seconds": 30,
        "total": TOTAL,
        "units": [
            {"unit": "borgerservice", "name": "Borgerservice", **BORGERSERVICE},
            {"unit": "jobcenter", "name": "Jobcenter", **JOBCENTER},
            {"unit": "familie", "name": "Familie", **FAMILIE},
        ],
        "unmapped_queues": [{"queue": "test", "offered": 2}],
        "weeks": weeks,
        "hour_of_week": [
            {
                "weekday": wd,
                "hour": hr,
                "offered": cells.get((wd, hr), (0, 0))[0],
                "answered": cells.get((wd, hr), (0, 0))[1],
            }
            for wd in range(1, 8)
            for hr in range(24)
        ],
        "direct": [],
        # First-transfer resolution: c9 came back as the same call, c10's caller as c11
        # after 4 min; c12's caller called again after 15 min, not a return: 1 of 3.
        "first_transfer": {"transferred": 3, "resolved": 1, "rate": 1 / 3},
        "messages": {
            "taken": 0,
            "closed": 0,
            "callbacks_due": 0,
            "callbacks_on_time": 0,
            "overdue": 0,
        },
        # Sorted by the share not answered: both returns first, then Sara (answered).
        "hard_to_reach": [
            {
                "unit": "jobcenter",
                "employee": None,
                "transfer_attempts": 1,
                "unanswered": 1,
                "messages": 0,
            },
            {
                "unit": "jobcenter",
                "employee": "jens-jobcenter",
                "transfer_attempts": 1,
                "unanswered": 1,
                "messages": 0,
            },
            {
                "unit": "jobcenter",
                "employee": "sara-jobcenter",
                "transfer_attempts": 1,
                "unanswered": 0,
                "messages": 0,
            },
        ],
    }


def assert_report(actual: dict[str, object], expected: dict[str, object]) -> None:
    _diff(actual, expected)


def _diff(actual: object, expected: object, path: str = "") -> None:
    """Compare with approx for floats, naming the first figure that differs."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        assert set(actual) == set(expected), (path, set(actual) ^ set(expected))
        for k in expected:
            _diff(actual[k], expected[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _diff(a, e, f"{path}[{i}]")
    else:
        assert actual == pytest.approx(expected), path


def test_r3_13_report_agrees_with_the_hand_count(org_engine: Engine) -> None:
    summary = import_files(org_engine, [HANDCOUNT])
    assert summary.lines == 52
    assert summary.calls_added == 17  # 16 in December, c15 on 30 November
    assert summary.duplicates == 1  # c13's ABANDON twice
    assert summary.ignored == 5  # QUEUESTART, ADDMEMBER, AGENTLOGIN, PAUSE, CONFIGRELOAD
    assert [(n, r.split(":")[0]) for _, n, r in summary.malformed] == [
        (24, "1 fields; a queue_log line has at least 5"),
        (28, "holdtime is not a number"),
        (29, "3 fields; a queue_log line has at least 5"),
    ]
    assert summary.unmapped_queues == ["test"]
    assert_report(build_report(org_engine, DECEMBER), expected_report())


def test_r1_3_returns_are_counted_against_the_unit_transferred_to(org_engine: Engine) -> None:
    import_files(org_engine, [HANDCOUNT])
    report = build_report(org_engine, DECEMBER)
    by_unit = {u["unit"]: u["returned_to_switchboard"] for u in report["units"]}
    assert by_unit == {"borgerservice": 0, "jobcenter": 2, "familie": 0}


def test_importing_the_same_file_twice_stores_nothing_new(org_engine: Engine) -> None:
    import_files(org_engine, [HANDCOUNT])
    before = build_report(org_engine, DECEMBER)
    again = import_files(org_engine, [HANDCOUNT])
    assert again.calls_added == 0 and again.events == 0
    assert again.duplicates == 44
    with org_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CallEvent)).scalar() == 0
        assert conn.execute(select(func.sum(CallLogBlock.lines))).scalar() == 43
        assert conn.execute(select(func.count()).select_from(CallRecord)).scalar() == 17
    assert build_report(org_engine, DECEMBER) == before


@pytest.mark.parametrize("worker", [False, True], ids=["inline", "worker"])
def test_small_chunks_give_the_same_figures(org_engine: Engine, worker: bool) -> None:
    """Calls split across chunks (and transactions) fold into the same records, and
    the summary is the same whether the lines are parsed inline or in the worker."""
    summary = import_files(org_engine, [HANDCOUNT], chunk_size=3, worker=worker)
    assert (summary.lines, summary.ignored, summary.duplicates, summary.calls_added) == (
        52,
        5,
        1,
        17,
    )
    assert [n for _, n, _ in summary.malformed] == [24, 28, 29]
    assert summary.unmapped_queues == ["test"]
    assert_report(build_report(org_engine, DECEMBER), expected_report())


def test_rebuild_recomputes_the_same_figures_from_the_raw_events(org_engine: Engine) -> None:
    import_files(org_engine, [HANDCOUNT])
    summary = rebuild(org_engine)
    assert summary.events == 43 and summary.records == 17 and summary.unreadable == 0
    assert_report(build_report(org_engine, DECEMBER), expected_report())


def test_r3_13_any_threshold_comes_from_the_histograms(org_engine: Engine) -> None:
    import_files(org_engine, [HANDCOUNT])
    # Answered waits: 10, 45, 5, 8, 2, 20, 0 (borgerservice) and 1 (test).
    for threshold, within in ((0, 1), (5, 4), (10, 6), (44, 7), (45, 8), (600, 8)):
        report = build_report(org_engine, DECEMBER, threshold)
        assert report["threshold_seconds"] == threshold
        assert report["total"]["service_level"] == pytest.approx(within / 16)


def test_r3_13_an_empty_period_gives_zeros(org_engine: Engine) -> None:
    import_files(org_engine, [HANDCOUNT])
    report = build_report(org_engine, Period(date(2027, 4, 1), date(2027, 6, 30)))
    assert report["total"] == fig()
    assert all(u["offered"] == 0 for u in report["units"])
    assert report["unmapped_queues"] == [] and report["hard_to_reach"] == []
    assert len(report["weeks"]) == 14 and all(w["offered"] == 0 for w in report["weeks"])


def test_a_report_without_any_organisation_lists_every_queue_as_unmapped(engine: Engine) -> None:
    import_files(engine, [HANDCOUNT])
    report = build_report(engine, DECEMBER)
    assert report["units"] == []
    assert {q["queue"]: q["offered"] for q in report["unmapped_queues"]} == {
        "borgerservice": 9,
        "jobcenter": 3,
        "familie": 2,
        "test": 2,
    }
    assert report["total"]["offered"] == 16
    assert report["total"]["returned_to_switchboard"] == 0  # no switchboard known


def test_r3_12_hard_to_reach_lists_transfers_sorted_by_share_not_answered(
    org_engine: Engine,
) -> None:
    import_files(org_engine, [HANDCOUNT])
    rows = build_report(org_engine, DECEMBER)["hard_to_reach"]
    shares = [r["unanswered"] / r["transfer_attempts"] for r in rows]
    assert shares == sorted(shares, reverse=True)
    assert [r["employee"] for r in rows] == [None, "jens-jobcenter", "sara-jobcenter"]
