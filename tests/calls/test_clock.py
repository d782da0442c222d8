"""The importer's timestamp text must equal what SQLAlchemy writes and reads back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from omstilling.calls.legs import _Clock

CLOCK = _Clock(ZoneInfo("Europe/Copenhagen"), sqlite=True)


@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False))
def test_sqlite_timestamp_text_is_exactly_strftime(epoch: float) -> None:
    want = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert CLOCK.param(epoch) == want


@given(st.integers(min_value=1_500_000_000_000, max_value=2_000_000_000_000))
def test_millisecond_epochs_of_the_pbx(ms: int) -> None:
    epoch = ms / 1000
    assert CLOCK.param(epoch) == datetime.fromtimestamp(epoch, UTC).strftime(
        "%Y-%m-%d %H:%M:%S.%f"
    )
