"""Service measurements: test calls and the quality criteria they record (R1.7).

The policy asks for kindness, calm and empathy, clear language, honesty, and an
apology when something went wrong. Municipalities measure this with test calls
("telefonservicemåling": someone calls as a citizen would and notes how it went).
A test call records whether it was answered, how long it waited, whether the
errand was served at the first call (R1.6), whether the employee answered with
their name and offered active service (a message or a colleague) when they could not
help, a score of 1-5 for each criterion, and whether an apology was given when one
was due.

Pure rules: reading a test call from text fields (a form, a CSV line, JSON),
reading a CSV file all or nothing, and summarising a period. No I/O.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from omstilling.domain.citizen import looks_like_cpr

__all__ = [
    "COLUMNS",
    "CRITERIA",
    "QualityError",
    "QualityErrors",
    "TestCall",
    "parse_csv",
    "read_test_call",
    "summarise",
]

# Criterion -> its Danish name, as the report and the form show it (1 poor - 5 excellent).
CRITERIA: dict[str, str] = {
    "kindness": "Venlighed i stemmen",
    "calm": "Rolig og hjælpsom (empati)",
    "clarity": "Klart og præcist sprog",
    "honesty": "Ærlig og korrekt betjening",
}
# The columns of a CSV file of test calls (a header line names them, in any order).
COLUMNS = (
    "at",
    "unit",
    "answered",
    "wait_seconds",
    "served",
    "named",
    "offered_service",
    *CRITERIA,
    "apology",
    "by",
    "note",
)
REQUIRED = ("at", "unit", "answered")
MAX_NOTE = 500
MAX_BY = 100
MAX_WAIT = 24 * 3600

_YES = {"yes", "ja", "j", "y", "true", "1", "x"}
_NO = {"no", "nej", "n", "false", "0"}


class QualityError(ValueError):
    """What is wrong, and where (a field; a CSV line and column); `danish` says it
    to a person at the form."""

    def __init__(self, where: str, message: str, danish: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.danish = danish


class QualityErrors(ValueError):
    """Every error of a file: nothing of it is stored."""

    def __init__(self, errors: list[QualityError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass(frozen=True)
class TestCall:
    __test__ = False  # not a pytest test class, whatever its name

    at: datetime  # aware
    unit: str
    answered: bool
    wait_seconds: int | None = None
    served: bool | None = None  # errand served at the first call (R1.6); None: not judged
    named: bool | None = None  # the employee answered with their name; None: not noted
    # Active service offered when the person asked for could not help: a message or a
    # colleague (R3.5, R3.6); None: not needed, or not noted.
    offered_service: bool | None = None
    kindness: int | None = None
    calm: int | None = None
    clarity: int | None = None
    honesty: int | None = None
    apology: bool | None = None  # None: nothing went wrong; False: an apology was due, none came
    by: str = ""
    note: str = ""

    def score(self, criterion: str) -> int | None:
        value: int | None = getattr(self, criterion)
        return value


def _yes_no(value: str, where: str) -> bool | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in _YES:
        return True
    if v in _NO:
        return False
    raise QualityError(
        where, f"must be yes or no (ja/nej), got {value[:20]!r}", "skal være ja eller nej"
    )


def _int(value: str, where: str, lo: int, hi: int) -> int | None:
    v = value.strip()
    if not v:
        return None
    try:
        n = int(v)
    except ValueError:
        raise QualityError(
            where, f"must be a whole number, got {value[:20]!r}", "skal være et helt tal"
        ) from None
    if not lo <= n <= hi:
        raise QualityError(where, f"must be {lo} to {hi}, got {n}", f"skal være {lo} til {hi}")
    return n


def _moment(value: str, where: str, tz: ZoneInfo) -> datetime:
    v = value.strip()
    if not v:
        raise QualityError(where, "is required (when the call was made)", "mangler")
    try:
        at = datetime.fromisoformat(v)
    except ValueError:
        raise QualityError(
            where,
            f"must be a date and time like 2026-11-03 10:15, got {v[:30]!r}",
            "skal være dato og klokkeslæt, fx 2026-11-03 10:15",
        ) from None
    return at.replace(tzinfo=tz) if at.tzinfo is None else at  # no zone: the municipality's


def _text(value: str, where: str, limit: int) -> str:
    v = " ".join(value.split())
    if len(v) > limit:
        raise QualityError(
            where, f"at most {limit} characters, got {len(v)}", f"højst {limit} tegn"
        )
    if looks_like_cpr(v):
        raise QualityError(
            where,
            "holds something shaped like a CPR number: leave it out",
            "ligner et CPR-nummer; skriv det ikke",
        )
    return v


def read_test_call(
    fields: Mapping[str, Any],
    tz: ZoneInfo,
    units: Callable[[str], bool] | None = None,
    where: str = "",
) -> TestCall:
    """A test call from text fields (missing ones count as empty). `units` says
    whether a unit id exists; `where` prefixes the field in errors ("line 3, ")."""

    def get(name: str) -> str:
        value = fields.get(name)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    unit = get("unit").strip()
    if not unit:
        raise QualityError(f"{where}unit", "is required (the unit that was called)", "mangler")
    if units is not None and not units(unit):
        raise QualityError(f"{where}unit", f"no unit has the id {unit!r}", "enheden findes ikke")
    answered = _yes_no(get("answered"), f"{where}answered")
    if answered is None:
        raise QualityError(f"{where}answered", "is required (yes or no)", "mangler (ja eller nej)")
    scores = {c: _int(get(c), f"{where}{c}", 1, 5) for c in CRITERIA}
    served = _yes_no(get("served"), f"{where}served")
    if not answered:
        given = [
            name for name in ("served", "named", "offered_service", *CRITERIA) if get(name).strip()
        ]
        if given:
            raise QualityError(
                f"{where}{given[0]}",
                "a call that was not answered has no score or outcome",
                "et opkald, der ikke blev besvaret, får ingen karakter",
            )
    return TestCall(
        at=_moment(get("at"), f"{where}at", tz),
        unit=unit,
        answered=answered,
        wait_seconds=_int(get("wait_seconds"), f"{where}wait_seconds", 0, MAX_WAIT),
        served=served,
        named=_yes_no(get("named"), f"{where}named"),
        offered_service=_yes_no(get("offered_service"), f"{where}offered_service"),
        apology=_yes_no(get("apology"), f"{where}apology"),
        by=_text(get("by"), f"{where}by", MAX_BY),
        note=_text(get("note"), f"{where}note", MAX_NOTE),
        **scores,
    )


def parse_csv(
    text: str, tz: ZoneInfo, units: Callable[[str], bool] | None = None
) -> list[TestCall]:
    """Every test call of a CSV file, or QualityErrors naming each bad line (all or
    nothing). Commas or semicolons (as Danish spreadsheets write them)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise QualityErrors(
            [QualityError("line 1", "no header line (at,unit,answered,...)", "ingen overskrift")]
        )
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        message = "; ".join(parts) + f" (columns: {', '.join(COLUMNS)})"
        raise QualityErrors([QualityError("line 1", message, message)])
    calls: list[TestCall] = []
    errors: list[QualityError] = []
    for number, row in enumerate(reader, 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            message = f"{len(row)} fields, the header has {len(header)}"
            errors.append(QualityError(f"line {number}", message, message))
            continue
        try:
            calls.append(
                read_test_call(dict(zip(header, row, strict=True)), tz, units, f"line {number}, ")
            )
        except QualityError as exc:
            errors.append(exc)
    if errors:
        raise QualityErrors(errors)
    return calls


def _figures(calls: list[TestCall]) -> dict[str, Any]:
    answered = [c for c in calls if c.answered]
    waits = [c.wait_seconds for c in answered if c.wait_seconds is not None]
    judged = [c.served for c in answered if c.served is not None]
    due = [c.apology for c in answered if c.apology is not None]
    named = [c.named for c in answered if c.named is not None]
    offered = [c.offered_service for c in answered if c.offered_service is not None]
    criteria: dict[str, dict[str, Any]] = {}
    for name in CRITERIA:
        scores = [s for c in answered if (s := c.score(name)) is not None]
        criteria[name] = {
            "scored": len(scores),
            "average": round(sum(scores) / len(scores), 2) if scores else None,
        }
    return {
        "test_calls": len(calls),
        "answered": len(answered),
        "answer_rate": len(answered) / len(calls) if calls else 0.0,
        "avg_wait_seconds": round(sum(waits) / len(waits), 1) if waits else None,
        "served_first_call": sum(judged),
        "served_rate": sum(judged) / len(judged) if judged else None,
        "named": sum(named),
        "named_rate": sum(named) / len(named) if named else None,
        "service_offered": sum(offered),
        "service_offered_rate": sum(offered) / len(offered) if offered else None,
        "apologies_due": len(due),
        "apologies_given": sum(due),
        "criteria": criteria,
    }


def summarise(calls: Iterable[TestCall], names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The figures of a period's test calls: in all and per unit (by name)."""
    every = list(calls)
    by_unit: dict[str, list[TestCall]] = {}
    for c in every:
        by_unit.setdefault(c.unit, []).append(c)
    names = names or {}
    units = [
        {"unit": unit, "name": names.get(unit, unit), **_figures(group)}
        for unit, group in by_unit.items()
    ]
    units.sort(key=lambda u: (str(u["name"]).lower(), u["unit"]))
    return {"total": _figures(every), "units": units}
