"""The parts of the ingestion, each on its own: the named counter layout that the
importer, the table and the report share; a record's contribution by name; a
record written and read back; a chunk's differences."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect, select

from omstilling.calls import aggregates
from omstilling.calls.contributions import Contrib, chunk_deltas, contributor
from omstilling.calls.legs import (
    ABANDONED,
    ANSWERED,
    INCOMPLETE,
    TIMED_OUT,
    Rec,
    _Clock,
    load_context,
)
from omstilling.calls.models import CallRecord, CallStatsHourly
from omstilling.calls.records import COLUMNS, rec_from_row, write_records
from omstilling.domain.kpi import HOURLY_COUNTERS
from omstilling.domain.queues import organisation_switchboard_queues
from omstilling.store.organisation import load_organisation

CLOCK = _Clock(ZoneInfo("Europe/Copenhagen"))


def contribution(rec: Rec, clock: _Clock, switchboard_queues: frozenset[str]) -> Contrib:
    return contributor(clock, switchboard_queues)(rec)


AT = 1_796_112_000.0  # 2026-12-01 09:00 Copenhagen (08:00 UTC)


def test_the_hourly_table_has_the_counters_in_their_named_layout(engine: Engine) -> None:
    """The model and the migrated database both: the key, the counters, the max wait."""
    model = [c.name for c in CallStatsHourly.__table__.columns]
    assert model == ["queue", "day", "hour", *aggregates.HOURLY]
    assert (*HOURLY_COUNTERS, "max_wait") == aggregates.HOURLY
    stored = {c["name"] for c in inspect(engine).get_columns("call_stats_hourly")}
    assert stored == set(model)


def _rec(outcome: str, wait: int | None = None, talk: int | None = None) -> Rec:
    rec = Rec("c1", "borgerservice", AT, "queue_log")
    rec.outcome, rec.wait, rec.talk = outcome, wait, talk
    return rec


@pytest.mark.parametrize(
    ("rec", "counters"),
    [
        (
            _rec(ANSWERED, 12, 80),
            {"offered": 1, "answered": 1, "wait_answered_sum": 12, "talk_sum": 80, "talk_count": 1},
        ),
        (_rec(ANSWERED, 7), {"offered": 1, "answered": 1, "wait_answered_sum": 7}),
        (_rec(ABANDONED, 4), {"offered": 1, "abandoned": 1, "short_abandons": 1}),
        (_rec(ABANDONED, 5), {"offered": 1, "abandoned": 1}),
        (_rec(ABANDONED), {"offered": 1, "abandoned": 1}),
        (_rec(TIMED_OUT, 300), {"offered": 1, "timed_out": 1}),
        (_rec(INCOMPLETE), {"offered": 1, "incomplete": 1}),
    ],
)
def test_a_record_contributes_the_counters_its_outcome_names(
    rec: Rec, counters: dict[str, int]
) -> None:
    hour_key, vector, max_wait, *_ = contribution(rec, CLOCK, frozenset())
    assert hour_key == ("borgerservice", date(2026, 12, 1), 9)
    assert dict(zip(HOURLY_COUNTERS, vector, strict=True)) == {
        n: counters.get(n, 0) for n in HOURLY_COUNTERS
    }
    assert max_wait == (rec.wait or 0)


def test_a_call_answered_in_a_later_chunk_moves_from_incomplete_to_answered() -> None:
    before = contribution(_rec(INCOMPLETE), CLOCK, frozenset())
    after = contribution(_rec(ANSWERED, 10, 60), CLOCK, frozenset())
    deltas = chunk_deltas([after], [before], [], CLOCK)
    (key, delta), *rest = deltas.hourly.items()
    assert not rest and key == ("borgerservice", date(2026, 12, 1), 9)
    moved = dict(zip(aggregates.HOURLY, delta, strict=True))
    assert moved == {
        "offered": 0,
        "answered": 1,
        "abandoned": 0,
        "timed_out": 0,
        "incomplete": -1,
        "short_abandons": 0,
        "wait_answered_sum": 10,
        "talk_sum": 60,
        "talk_count": 1,
        "max_wait": 10,
    }
    assert deltas.histograms == {("borgerservice", date(2026, 12, 1)): {10: 1}}


def test_r1_3_a_switchboard_transfer_that_came_back_counts_as_unanswered_and_returned() -> None:
    rec = _rec(ANSWERED, 5, 30)
    rec.target, rec.transferred_at = "89152201", AT + 35
    sb = frozenset({"borgerservice"})
    before = contribution(rec, CLOCK, sb)
    rec.returned = True
    deltas = chunk_deltas([contribution(rec, CLOCK, sb)], [before], [], CLOCK)
    assert deltas.transfers == {(date(2026, 12, 1), "89152201"): [0, 1, 1]}
    assert contribution(rec, CLOCK, frozenset())[5] is None  # not the switchboard's queue


def test_a_record_is_written_and_read_back_whole(engine: Engine) -> None:
    rec = Rec("c7", "jobcenter", AT, "api")
    rec.caller, rec.agent, rec.outcome = "+4520000007", "PJSIP/2201", ANSWERED
    rec.wait, rec.talk, rec.answered_at, rec.ended_at = 11, 95, AT + 11, AT + 106
    rec.transferred_at, rec.target, rec.returned = AT + 106, "89152200", True
    rec.rna, rec.has_enter = 2, True
    with engine.begin() as conn:
        write_records(conn, [rec])  # an insert
        rec.entered, rec.talk = AT - 3, 96  # the entry moved; updated by its natural key
        write_records(conn, [rec])
    with engine.connect() as conn:
        rows = conn.execute(select(CallRecord)).all()
    assert len(rows) == 1
    back = rec_from_row(rows[0])
    for name in Rec.__slots__:
        if name not in ("id", "stored", "key_entered", "old", "touched"):
            assert getattr(back, name) == getattr(rec, name), name
    assert set(COLUMNS) == {c.name for c in CallRecord.__table__.columns} - {"id"}


def test_the_importer_and_the_consoles_find_the_same_switchboard_queues(
    org_engine: Engine,
) -> None:
    """The importer reads the tree from the store; the consoles use the snapshot."""
    with org_engine.connect() as conn:
        from_store = load_context(conn).switchboard_queues
        org = load_organisation(conn)
    assert org is not None
    assert from_store == organisation_switchboard_queues(org)
    assert "borgerservice" in from_store and "jobcenter" not in from_store
