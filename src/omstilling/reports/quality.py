"""The `service_measurements` block of the report: test calls and their quality
criteria (R1.7), in all and per unit."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from omstilling.domain.organisation import Organisation, municipality_tz
from omstilling.domain.quality import summarise
from omstilling.store.quality import measured_between


def quality_summary(
    engine: Engine, start: date, end: date, org: Organisation | None
) -> dict[str, Any]:
    calls = measured_between(engine, start, end, municipality_tz(org))
    names = {uid: u.name for uid, u in org.units.items()} if org else {}
    return summarise(calls, names)
