"""The pure rules of messages and callbacks (R1.6, R3.5, R3.6), without a database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling import orgfile
from omstilling.domain.callbacks import (
    InvalidTransition,
    absent_past,
    callback_sentence,
    default_due,
    is_overdue,
    leader_candidates,
    next_status,
    related_units,
    retry_delay,
)
from omstilling.domain.organisation import Organisation
from omstilling.domain.presence import Absence, Presence
from tests.conftest import mini_text

CPH = ZoneInfo("Europe/Copenhagen")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


@pytest.fixture(scope="module")
def org() -> Organisation:
    return orgfile.parse_text(mini_text())


@pytest.mark.parametrize(
    ("unit", "now", "due"),
    [
        # Monday morning: Tuesday's close (Jobcenter Mo-We,Fr 09:00-14:30; Th until 17).
        ("jobcenter", "2026-11-30T10:00", "2026-12-01T14:30"),
        # Late at night still means the next day after today.
        ("jobcenter", "2026-11-30T23:30", "2026-12-01T14:30"),
        ("jobcenter", "2026-12-02T10:00", "2026-12-03T17:00"),
        # Friday: the weekend is skipped.
        ("jobcenter", "2026-12-04T10:00", "2026-12-07T14:30"),
        ("familie", "2026-11-29T12:00", "2026-11-30T17:00"),
        # 24 December is closed, then two holidays and a Sunday.
        ("borgerservice", "2026-12-23T10:00", "2026-12-28T18:00"),
        # A team without own hours inherits them (here: the municipality's).
        ("miljoe-og-teknik", "2026-11-30T10:00", "2026-12-01T15:00"),
    ],
)
def test_r1_6_default_due_is_the_close_of_phone_hours_on_the_next_working_day(
    org: Organisation, unit: str, now: str, due: str
) -> None:
    assert default_due(org, unit, at(now)) == at(due)


def test_r1_6_the_sentence_tells_the_citizen_when_they_will_be_called(org: Organisation) -> None:
    due = default_due(org, "familie", at("2026-11-29T12:00"))
    assert (
        callback_sentence("Anne Andersen", due, at("2026-11-28T12:00"))
        == "Anne Andersen ringer dig op senest mandag den 30. november kl. 17.00."
    )
    assert (
        callback_sentence("Mette Dahl", at("2026-12-01T15:00"), at("2026-11-30T10:00"))
        == "Mette Dahl ringer dig op senest i morgen kl. 15.00."
    )


def test_r1_6_overdue_means_the_promise_was_not_kept_by_the_due_time() -> None:
    due = at("2026-12-01T14:30")
    assert not is_overdue(due, None, due)
    assert is_overdue(due, None, due + timedelta(minutes=1))
    assert not is_overdue(due, due - timedelta(hours=1), due + timedelta(days=3))
    assert is_overdue(due, due + timedelta(hours=1), due + timedelta(days=3))


@pytest.mark.parametrize(
    ("current", "wanted", "outcome", "result"),
    [
        ("new", "seen", None, "seen"),
        ("seen", "seen", None, "seen"),
        ("called_back", "seen", None, "called_back"),
        ("new", "called_back", "reached", "called_back"),
        ("seen", "called_back", "not_reached", "called_back"),
        ("called_back", "called_back", "resolved", "called_back"),
        ("seen", "closed", None, "closed"),
        ("called_back", "closed", "resolved", "closed"),
    ],
)
def test_r1_6_life_cycle_transitions(
    current: str, wanted: str, outcome: str | None, result: str
) -> None:
    assert next_status(current, wanted, outcome) == result  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "wanted", "outcome", "why"),
    [
        ("closed", "seen", None, "closed"),
        ("seen", "new", None, "back to new"),
        ("seen", "called_back", None, "outcome: required"),
        ("new", "seen", "reached", "outcome: only with"),
    ],
)
def test_life_cycle_refuses(current: str, wanted: str, outcome: str | None, why: str) -> None:
    with pytest.raises(InvalidTransition, match=why):
        next_status(current, wanted, outcome)  # type: ignore[arg-type]


def test_retry_backs_off_exponentially_up_to_the_cap() -> None:
    base, cap = timedelta(seconds=30), timedelta(hours=1)
    assert [retry_delay(n, base, cap).total_seconds() for n in range(1, 6)] == [
        30, 60, 120, 240, 480,
    ]  # fmt: skip
    assert retry_delay(50, base, cap) == cap


@given(st.integers(min_value=1, max_value=10_000))
def test_retry_delay_never_shrinks_and_never_passes_the_cap(n: int) -> None:
    base, cap = timedelta(seconds=30), timedelta(hours=1)
    assert retry_delay(n, base, cap) <= retry_delay(n + 1, base, cap) <= cap


def test_r3_5_absent_past_the_due_time(org: Organisation) -> None:
    now, due = at("2026-11-30T10:00"), at("2026-12-01T14:30")
    short = Presence([Absence("mette-jobcenter", "meeting", now, now + timedelta(hours=1))])
    long = Presence([Absence("mette-jobcenter", "vacation", now, at("2026-12-07T08:00"))])
    unknown = Presence([Absence("mette-jobcenter", "sick", now, None)])
    assert not absent_past(org, Presence(), "mette-jobcenter", due, now)
    assert not absent_past(org, short, "mette-jobcenter", due, now)
    assert absent_past(org, long, "mette-jobcenter", due, now)
    assert absent_past(org, unknown, "mette-jobcenter", due, now)
    # Outside the phone hours without a code is not absence: they are back in the morning.
    assert not absent_past(org, Presence(), "mette-jobcenter", due, at("2026-11-30T20:00"))


def test_r3_5_leaders_first_then_the_owner_then_the_units_above(org: Organisation) -> None:
    now = at("2026-11-30T10:00")
    assert leader_candidates(org, Presence(), "jobcenter", now)[0] == "jens-jobcenter"
    assert "jens-jobcenter" not in leader_candidates(
        org, Presence(), "jobcenter", now, exclude="jens-jobcenter"
    )
    # Borgerservice: Ida is leader and owner, named once.
    assert leader_candidates(org, Presence(), "borgerservice", now) == ["ida-borgerservice"]
    assert leader_candidates(org, Presence(), "familie", now) == []


def test_r3_6_colleagues_of_related_units_may_take_over(org: Organisation) -> None:
    assert related_units(org, "jobcenter", "jobcenter")
    assert related_units(org, "jobcenter", "social-og-arbejdsmarked")
    assert related_units(org, "social-og-arbejdsmarked", "familie")
    assert not related_units(org, "misbrugscentret", "jobcenter")
