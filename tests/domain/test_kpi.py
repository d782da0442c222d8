"""The call figures of spec/call-data.md, pure (R3.13)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain.kpi import (
    HISTOGRAM_BUCKETS,
    HOURLY_COUNTERS,
    Counts,
    Targets,
    answered_within,
    counter_vector,
    counts_of,
    figures,
    iso_week,
    quarter_bounds,
    quarter_of,
    service_level_of_answered,
    total,
    wait_bucket,
    weeks_between,
)


def test_r3_13_an_empty_group_gives_zeros_not_an_error() -> None:
    f = figures(Counts())
    assert f["answer_rate"] == 0.0 and f["service_level"] == 0.0 and f["asa_seconds"] == 0.0
    assert list(f)[:5] == ["offered", "answered", "abandoned", "timed_out", "incomplete"]


def test_r3_13_rates_are_of_offered_calls_and_means_of_sums() -> None:
    c = Counts(
        offered=10,
        answered=8,
        abandoned=2,
        answered_within=6,
        wait_answered_sum=80,
        talk_sum=600,
        talk_count=6,
        max_wait=90,
        short_abandons=1,
        returned=3,
    )
    f = figures(c)
    assert f["answer_rate"] == 0.8 and f["service_level"] == 0.6 and f["abandon_rate"] == 0.2
    assert f["asa_seconds"] == 10.0 and f["avg_talk_seconds"] == 100.0
    assert f["max_wait_seconds"] == 90 and f["returned_to_switchboard"] == 3
    assert service_level_of_answered(c) == 0.75  # Wazo's view, named apart


def test_counts_add_up_and_max_wait_is_the_max() -> None:
    a, b = Counts(offered=1, max_wait=50), Counts(offered=2, max_wait=30)
    assert total([a, b]) == Counts(offered=3, max_wait=50)


@pytest.mark.parametrize(
    ("wait", "bucket"), [(-1, 0), (0, 0), (30, 30), (600, 600), (601, 601), (86_400, 601)]
)
def test_waits_beyond_600_seconds_share_one_bucket(wait: int, bucket: int) -> None:
    assert wait_bucket(wait) == bucket


@given(st.lists(st.integers(0, 2000), max_size=200), st.integers(0, 600))
def test_answered_within_the_threshold_from_the_histogram(waits: list[int], t: int) -> None:
    hist = [0] * HISTOGRAM_BUCKETS
    for w in waits:
        hist[wait_bucket(w)] += 1
    assert answered_within(hist, t) == sum(1 for w in waits if w <= t)
    assert answered_within(hist, t) <= answered_within(hist, min(t + 1, 600))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2027-q1", date(2027, 1, 1), date(2027, 3, 31)),
        ("2024Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_quarters(text: str, start: date, end: date) -> None:
    assert quarter_bounds(text) == (start, end)
    assert quarter_of(start) == quarter_of(end) == text.upper().replace("-", "")


@pytest.mark.parametrize("bad", ["2026Q5", "Q4", "2026", "20264"])
def test_a_bad_quarter_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="2026Q4"):
        quarter_bounds(bad)


def test_iso_weeks_of_the_quarter() -> None:
    weeks = weeks_between(date(2026, 10, 1), date(2026, 12, 31))
    assert weeks[0] == "2026-W40" and weeks[-1] == "2026-W53" and len(weeks) == 14
    assert iso_week(date(2027, 1, 1)) == "2026-W53"


def test_targets_default_to_80_in_30_95_answered_under_5_abandoned() -> None:
    t = Targets()
    good = figures(Counts(offered=100, answered=96, abandoned=4, answered_within=80))
    assert t.met(good) == {"service_level": True, "answer_rate": True, "abandon_rate": True}
    bad = figures(Counts(offered=100, answered=90, abandoned=5, answered_within=79))
    assert t.met(bad) == {"service_level": False, "answer_rate": False, "abandon_rate": False}


# --- the hourly counters, named once ------------------------------------------------------

_ADDITIVE = [f.name for f in dataclasses.fields(Counts) if f.name != "max_wait"]


def test_every_hourly_counter_is_an_additive_field_of_counts_named_once() -> None:
    assert len(set(HOURLY_COUNTERS)) == len(HOURLY_COUNTERS)
    assert set(HOURLY_COUNTERS) <= set(_ADDITIVE)
    # What Counts holds beyond them is kept elsewhere (the histogram, the max, transfers).
    assert set(_ADDITIVE) - set(HOURLY_COUNTERS) == {"answered_within", "returned"}


@pytest.mark.parametrize("name", HOURLY_COUNTERS)
def test_a_counter_vector_puts_each_counter_where_its_name_is(name: str) -> None:
    vector = counter_vector(**{name: 7})
    assert len(vector) == len(HOURLY_COUNTERS)
    assert dict(zip(HOURLY_COUNTERS, vector, strict=True)) == {
        n: 7 if n == name else 0 for n in HOURLY_COUNTERS
    }


@pytest.mark.parametrize("name", ["max_wait", "answered_within", "returned", "offerd"])
def test_a_counter_vector_refuses_a_name_that_is_not_an_hourly_counter(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        counter_vector(**{name: 1})


_COUNTS = st.builds(Counts, **{f.name: st.integers(0, 10**6) for f in dataclasses.fields(Counts)})


@given(_COUNTS)
def test_counts_come_back_whole_from_their_counter_vector(c: Counts) -> None:
    vector = counter_vector(**{n: getattr(c, n) for n in HOURLY_COUNTERS})
    again = counts_of(
        vector, answered_within=c.answered_within, max_wait=c.max_wait, returned=c.returned
    )
    assert again == c


@given(st.lists(_COUNTS, max_size=8))
def test_total_is_the_sum_of_its_groups_with_the_largest_max_wait(groups: list[Counts]) -> None:
    expected = Counts()
    for c in groups:
        expected = expected + c
    assert total(groups) == expected
    assert total(groups).max_wait == max((c.max_wait for c in groups), default=0)
    assert total(groups).offered == sum(c.offered for c in groups)
