"""Moments as the store hands them back, made aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(moment: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes that were stored as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def opt_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


# "Never" on time.monotonic(): its zero is the machine's boot, so 0.0 is only minutes
# ago on a machine that just started (a check "older than max_age" would not be due).
NEVER = float("-inf")
