"""A quarter of simulated queue_log for the demo municipality (4th quarter 2026).

Deterministic (a fixed seed), so the demo's report is the same every time and
`omstilling demo` can import it again without adding anything. The story it
tells:

* mornings and Mondays are busy; Fridays and afternoons are quiet;
* the tax-card mailing sent 20 November 2026 (the demo's mailing
  `skattekort-2027`) makes Borgerservice and the switchboard ring far more for
  about two weeks, and the waits and hang-ups grow with it;
* the Jobcenter is hard to reach: a third of the switchboard's transfers there
  are not answered and the citizen comes back to the switchboard (R1.3, R3.12),
  against a few per cent elsewhere;
* a PBX restart on 5 November leaves a handful of calls without an outcome.

Queues come from the units' `queues` in the organisation; agents and transfer
targets are the units' employees' extensions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from omstilling.calls.queue_log import ImportSummary, import_lines
from omstilling.domain.organisation import Organisation

SEED = 20261001
START, END = date(2026, 10, 1), date(2026, 12, 31)
MAILING_SENT = date(2026, 11, 20)
RESTART = datetime(2026, 11, 5, 10, 30)
CLOSED = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 31)}

# Calls on an ordinary Tuesday; units not named get a small queue.
DAILY = {"omstilling": 420, "borgerservice": 170, "jobcenter": 70, "ydelse": 55,
         "familie": 45, "byg": 30, "visitation": 30, "pladsanvisning": 25}  # fmt: skip
DEFAULT_DAILY = 12
# Share of the day's calls in each local hour (mornings are busy).
HOURS = {8: 0.09, 9: 0.19, 10: 0.18, 11: 0.14, 12: 0.10, 13: 0.12, 14: 0.10, 15: 0.05,
         16: 0.02, 17: 0.01}  # fmt: skip
WEEKDAY = {0: 1.35, 1: 1.0, 2: 0.95, 3: 0.95, 4: 0.75}
# Per unit: the chance that a switchboard transfer there is not answered and comes back.
RETURN_CHANCE = {"jobcenter": 0.33}
DEFAULT_RETURN_CHANCE = 0.04
SWITCHBOARD_QUEUES = ("omstilling", "borgerservice")


def _surge(day: date, queue: str) -> float:
    """The tax-card mailing: calls to Borgerservice and the switchboard spike and ebb."""
    if queue not in SWITCHBOARD_QUEUES or day < MAILING_SENT:
        return 1.0
    days = (day - MAILING_SENT).days
    return 1.0 + (1.9 if queue == "borgerservice" else 0.8) * math.exp(-days / 6)


def _open(day: date, queue: str, hour: int) -> bool:
    if hour < 15:
        return True
    if day.weekday() == 0 and queue in SWITCHBOARD_QUEUES:
        return True  # Borgerservice is open until 18 on Mondays (R3.1)
    return hour == 15 and day.weekday() != 4


def _days() -> Iterator[date]:
    day = START
    while day <= END:
        if day.weekday() < 5 and day not in CLOSED:
            yield day
        day += timedelta(days=1)


def simulate(org: Organisation, seed: int = SEED) -> list[str]:
    """The quarter's queue_log lines, in time order."""
    rnd = random.Random(seed)
    tz = ZoneInfo(org.municipality.timezone)
    queues: dict[str, list[str]] = {}  # queue -> agents' extensions
    targets: list[tuple[str, str, float]] = []  # (extension, unit, weight)
    for unit in org.units.values():
        people = [e.extension for e in org.employees_of(unit.id) if e.extension]
        for q in unit.queues:
            queues[q] = people or ["9000"]
        for ext in people:
            targets.append((ext, unit.id, 3.0 if unit.id.startswith("jobcenter") else 1.0))
    if not queues:
        return []
    transfer_targets = [t for t in targets if t[1] not in ("borgerservice", "telefonomstillingen")]
    weights = [t[2] for t in transfer_targets]
    lines: list[tuple[int, str]] = []
    seq = 0
    for day in _days():
        for queue, agents in queues.items():
            base = DAILY.get(queue, DEFAULT_DAILY) * WEEKDAY[day.weekday()] * _surge(day, queue)
            load = _surge(day, queue) * WEEKDAY[day.weekday()]
            for hour, share in HOURS.items():
                if not _open(day, queue, hour):
                    continue
                n = _poisson(rnd, base * share)
                hour_start = int(
                    datetime(day.year, day.month, day.day, hour, tzinfo=tz).timestamp()
                )
                busy = load * (1.25 if hour in (9, 10) else 1.0)
                for _ in range(n):
                    seq += 1
                    t = hour_start + rnd.randrange(3600)
                    caller = f"+45{rnd.randrange(20_000_000, 99_999_999)}"
                    lines.extend(
                        _call(
                            rnd,
                            t,
                            f"{t}.{seq}",
                            queue,
                            caller,
                            agents,
                            busy,
                            tz,
                            transfer_targets,
                            weights,
                        )
                    )
    lines.sort(key=lambda x: x[0])
    return [text for _, text in lines]


def _poisson(rnd: random.Random, mean: float) -> int:
    # Knuth's method is fine for the small means of one queue-hour.
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rnd.random()
        if p <= limit:
            return k
        k += 1


def _call(
    rnd: random.Random,
    t: int,
    cid: str,
    queue: str,
    caller: str,
    agents: list[str],
    busy: float,
    tz: ZoneInfo,
    targets: list[tuple[str, str, float]],
    weights: list[float],
) -> list[tuple[int, str]]:
    out = [(t, f"{t}|{cid}|{queue}|NONE|ENTERQUEUE||{caller}|{rnd.randint(1, 6)}")]
    local = datetime.fromtimestamp(t, tz).replace(tzinfo=None)
    if RESTART <= local < RESTART + timedelta(minutes=4):
        return out  # the PBX restarted: no outcome was ever logged
    # Waits grow faster than the load (queueing); patience is personal.
    wait = int(rnd.expovariate(1 / (9 * busy**2.2)))
    patience = rnd.expovariate(1 / 150)
    agent = f"PJSIP/{rnd.choice(agents)}"
    if wait > 20 and rnd.random() < 0.5:
        out.append((t + 15, f"{t + 15}|{cid}|{queue}|{agent}|RINGNOANSWER|15000"))
    if wait > patience:
        w = int(patience)
        event = "ABANDON" if rnd.random() < 0.85 else "EXITWITHTIMEOUT"
        out.append((t + w, f"{t + w}|{cid}|{queue}|NONE|{event}|1|1|{w}"))
        return out
    out.append(
        (t + wait, f"{t + wait}|{cid}|{queue}|{agent}|CONNECT|{wait}|{cid}.1|{rnd.randint(1, 9)}")
    )
    talk = int(rnd.lognormvariate(4.6, 0.6))  # a median of about 100 s
    end = t + wait + talk
    if queue == "omstilling" and targets and rnd.random() < 0.62:
        ext, unit, _ = rnd.choices(targets, weights)[0]
        talk = max(15, talk // 4)
        end = t + wait + talk
        out.append(
            (end, f"{end}|{cid}|{queue}|{agent}|BLINDTRANSFER|{ext}|internal|{wait}|{talk}|1")
        )
        if rnd.random() < RETURN_CHANCE.get(unit.split("-")[0], DEFAULT_RETURN_CHANCE):
            # The transfer was not answered: the citizen is back at the switchboard,
            # as the same call or calling again within minutes.
            back = end + rnd.randint(40, 420)
            again = cid if rnd.random() < 0.5 else f"{back}.r{seq_of(cid)}"
            out.extend(_call(rnd, back, again, queue, caller, agents, busy, tz, [], []))
        return out
    event = "COMPLETECALLER" if rnd.random() < 0.6 else "COMPLETEAGENT"
    out.append((end, f"{end}|{cid}|{queue}|{agent}|{event}|{wait}|{talk}|1"))
    return out


def seq_of(cid: str) -> str:
    return cid.rsplit(".", 1)[-1]


def import_demo_calls(engine: Engine, org: Organisation) -> ImportSummary:
    """Simulate the quarter and import it (idempotent: a second run adds nothing)."""
    return import_lines(engine, [("demo-queue_log", simulate(org))])
