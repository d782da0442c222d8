"""The advice as a value: what the operator does, to whom, what to say, and its JSON.

The shape and key order are spec/advice.md's ("Output"); `to_json` gives exactly that.
The decision that fills these in is `omstilling.domain.advice`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

Action = Literal[
    "transfer", "transfer_secretary", "take_message", "give_number", "handle_here", "refer"
]
ToKind = Literal["employee", "unit", "number"]
EntityKind = Literal["task", "unit", "employee"]


def format_offset_time(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS+HH:MM` in the moment's own (local) offset."""
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def _json(value: object) -> object:
    if isinstance(value, datetime):
        return format_offset_time(value)
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value


def _fields_json(obj: Any) -> dict[str, object]:
    """A dataclass as JSON, keys in field order (the spec's order)."""
    return {f.name: _json(getattr(obj, f.name)) for f in fields(obj)}


@dataclass(frozen=True, slots=True)
class To:
    """Whom to transfer to, which number to give, or whom a message is for.

    `extension` is what the operator dials for a transfer to an employee who has one; it
    is internal, only ever set on transfers, and only then a key of the JSON."""

    kind: ToKind
    id: str | None
    number: str | None = None  # E.164
    display: str | None = None  # Danish spelling
    extension: str | None = None

    def to_json(self) -> dict[str, object]:
        out = _fields_json(self)
        if self.extension is None:
            del out["extension"]
        return out


@dataclass(frozen=True, slots=True)
class AbsenceView:
    """An employee's active absence as an operator may see it (private codes hidden).

    `note` is the employee's internal note for colleagues and operators: never part of
    `say`, never for a citizen, never given with a private code (it may say why, R1.5);
    a key of the JSON only when there is one (an optional field of the spec's shape)."""

    shown_as: str
    until: datetime | None
    note: str | None = None
    source: str | None = None  # "kalender" for a code from her calendar (issue 15)

    def to_json(self) -> dict[str, object]:
        out = _fields_json(self)
        if not self.note:
            del out["note"]
        if not self.source:
            del out["source"]
        return out


@dataclass(frozen=True, slots=True)
class Notice:
    kind: Literal["mailing", "unit_away"]
    id: str
    title: str
    text: str

    def to_json(self) -> dict[str, object]:
        return _fields_json(self)


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another action the operator may take; names the employee, else the unit."""

    action: Action
    employee: str | None = None
    unit: str | None = None

    def to_json(self) -> dict[str, object]:
        if self.employee is not None:
            return {"action": self.action, "employee": self.employee}
        return {"action": self.action, "unit": self.unit}


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: EntityKind
    id: str
    name: str
    unit: str
    score: float

    def to_json(self) -> dict[str, object]:
        return _fields_json(self)


@dataclass(frozen=True, slots=True)
class Advice:
    """One piece of advice. `next_open` is a local aware datetime; `to_json` formats it."""

    action: Action
    unit: str | None
    employee: str | None
    to: To | None
    number_withheld: bool
    open: bool
    next_open: datetime | None
    hours: str
    absence: AbsenceView | None
    needs: tuple[str, ...]
    say: str
    rules: tuple[str, ...]
    notices: tuple[Notice, ...]
    alternatives: tuple[Alternative, ...]
    candidates: tuple[Candidate, ...]
    # R2.4: the unit's criteria for sending the call to the secretary, when that rule
    # applied; for the operator, not read to the citizen. An optional key of the JSON.
    secretary_when: str | None = None

    def to_json(self) -> dict[str, object]:
        """The spec's JSON shape, in the spec's key order; optional keys only when set."""
        out = _fields_json(self)
        if not self.secretary_when:
            del out["secretary_when"]
        return out
