"""Test calls for the demo municipality's 4th quarter 2026 (R1.7).

An external measurement calls the switchboard and five units twice a week, as a
citizen would, and notes how it went. The story matches the call history
(`simulate`): most calls are answered kindly and clearly; the Jobcenter is hard
to reach, so its test calls are often not answered, wait longest and are less
often served at the first call; during the tax-card surge (from 20 November)
the waits at Borgerservice grow and an apology is not always given when a
transfer went wrong. Deterministic, and a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from omstilling.demo.calls import END, MAILING_SENT, START
from omstilling.domain.organisation import Organisation, municipality_tz
from omstilling.domain.quality import CRITERIA, TestCall
from omstilling.store.quality import add_test_calls
from omstilling.store.quality_models import TestCallRow

SEED = 20261002
MEASURED_BY = "Servicemåling (demo)"
SURGE_END = MAILING_SENT + timedelta(days=14)
# unit -> (chance of an answer, typical wait in seconds, score offset)
UNITS = {
    "telefonomstillingen": (0.97, 20, 0.3),
    "borgerservice": (0.93, 40, 0.2),
    "jobcenter": (0.62, 95, -0.8),
    "familie": (0.9, 45, 0.1),
}


def simulate_test_calls(org: Organisation, seed: int = SEED) -> list[TestCall]:
    rnd = random.Random(seed)
    tz = municipality_tz(org)
    units = [u for u in UNITS if u in org.units]
    calls: list[TestCall] = []
    day = START
    while day <= END:
        if day.weekday() in (1, 3):  # Tuesdays and Thursdays
            for unit in units:
                answer, typical, offset = UNITS[unit]
                surge = unit == "borgerservice" and MAILING_SENT <= day < SURGE_END
                hour = rnd.choice((9, 10, 11, 13, 14))
                at = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
                at += timedelta(minutes=rnd.randrange(60))
                answered = rnd.random() < (answer - (0.15 if surge else 0))
                wait = int(rnd.expovariate(1 / (typical * (2.5 if surge else 1))))
                if not answered:
                    calls.append(TestCall(at=at, unit=unit, answered=False, wait_seconds=wait,
                                          by=MEASURED_BY))  # fmt: skip
                    continue
                scores = {
                    c: max(1, min(5, round(rnd.gauss(4.1 + offset - (0.5 if surge else 0), 0.7))))
                    for c in CRITERIA
                }
                went_wrong = rnd.random() < (0.25 if unit == "jobcenter" or surge else 0.08)
                calls.append(
                    TestCall(
                        at=at,
                        unit=unit,
                        answered=True,
                        wait_seconds=wait,
                        served=rnd.random() < (0.6 if unit == "jobcenter" else 0.88),
                        named=rnd.random() < (0.8 if surge else 0.93),
                        # Asked for someone who could not help: was a message or a colleague
                        # offered? (Not every test call asks.)
                        offered_service=(rnd.random() < 0.7) if rnd.random() < 0.3 else None,
                        apology=(rnd.random() < (0.5 if surge else 0.8)) if went_wrong else None,
                        by=MEASURED_BY,
                        kindness=scores["kindness"],
                        calm=scores["calm"],
                        clarity=scores["clarity"],
                        honesty=scores["honesty"],
                    )
                )
        day += timedelta(days=1)
    return calls


def import_demo_test_calls(engine: Engine, org: Organisation) -> int:
    """Store the demo's test calls unless they are there already; returns how many."""
    with engine.connect() as conn:
        there = conn.execute(
            select(func.count()).where(TestCallRow.measured_by == MEASURED_BY)
        ).scalar_one()
    if there:
        return 0
    calls = simulate_test_calls(org)
    return add_test_calls(engine, calls, actor="demo", now=datetime.now(UTC))
