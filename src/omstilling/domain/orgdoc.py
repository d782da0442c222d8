"""The canonical document of each organisation entity: what the file export writes.

Plain fields follow their declarations (`domain.fields`): defaults are left out,
phone numbers are written the Danish way, and the order is the file's. The
structured values (hours, numbers, rules) have a writer each below. The same
documents are the before/after values of the audit trail (`domain.orgdiff`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omstilling.domain import organisation as o
from omstilling.domain.calendar_address import CALENDAR_SET
from omstilling.domain.danish import format_phone
from omstilling.domain.fields import Declared, declared


def _hours(h: o.Hours) -> dict[str, Any] | None:
    return {k: v for k, v in (("opening", h.opening), ("phone", h.phone)) if v} or None


def _municipality_hours(h: o.MunicipalityHours) -> dict[str, Any]:
    return {"official": h.official, "opening": h.opening, "phone": h.phone}


def _number(n: o.Number) -> dict[str, Any]:
    doc: dict[str, Any] = {"number": format_phone(n.e164)}
    if n.label:
        doc["label"] = n.label
    return doc


def _numbers(numbers: tuple[o.Number, ...]) -> list[dict[str, Any]] | None:
    return [_number(n) for n in numbers] or None


def _only_to(t: o.TransferOnlyTo | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"employee": t.employee} if t.employee else {"number": format_phone(t.number or "")}


def _secretary(s: o.SecretaryRule | None) -> dict[str, Any] | None:
    if s is None:
        return None
    doc: dict[str, Any] = {"employee": s.employee}
    if s.when:
        doc["when"] = s.when
    if s.roles:
        doc["roles"] = list(s.roles)
    return doc


def _refer_to(r: o.ReferTo | None) -> dict[str, Any] | None:
    if r is None:
        return None
    doc: dict[str, Any] = {"name": r.name, "number": format_phone(r.number)}
    if r.hours:
        doc["hours"] = r.hours
    if r.url:
        doc["url"] = r.url
    return doc


def _target(t: o.DistributionTarget) -> dict[str, Any]:
    return {"employee": t.employee} if t.employee else {"unit": t.unit}


def _distribution(d: o.Distribution | None) -> dict[str, Any] | None:
    if d is None:
        return None
    doc: dict[str, Any] = {
        "by": d.by,
        "rules": [{"match": r.match, **_target(r.target)} for r in d.rules],
    }
    if d.default:
        doc["default"] = _target(d.default)
    return doc


def _calendar(address: str | None) -> str | None:
    """An employee's calendar feed: only whether there is one (the address is a secret)."""
    return CALENDAR_SET if address else None


def _nested(_: object) -> None:
    """A unit's tasks and employees are nested by the whole file, not the unit's document."""
    return None


# The writers of the custom fields; None from a writer leaves the key out.
WRITERS: dict[tuple[type[Any], str], Callable[[Any], Any]] = {
    (o.Municipality, "hours"): _municipality_hours,
    (o.Unit, "hours"): _hours,
    (o.Unit, "numbers"): _numbers,
    (o.Unit, "transfer_only_to"): _only_to,
    (o.Unit, "secretary"): _secretary,
    (o.Unit, "tasks"): _nested,
    (o.Unit, "employees"): _nested,
    (o.Task, "refer_to"): _refer_to,
    (o.Task, "distribution"): _distribution,
    (o.Employee, "calendar"): _calendar,
}


def _written(d: Declared, value: Any) -> Any:
    """The value as the file writes it, or None to leave the key out."""
    s = d.spec
    if s.kind == "flag":
        return value if value != d.default else None
    if s.kind == "count":
        return value
    if not value and not (s.always or s.required or s.kind in ("id", "required")):
        return None
    if s.kind == "phone":
        return format_phone(value)
    if s.kind == "texts":
        return list(value)
    return value


def entity_doc(obj: o.Municipality | o.Unit | o.Task | o.Employee | o.Mailing) -> dict[str, Any]:
    """An entity's own fields as the file writes them (a unit without its tasks and people)."""
    cls = type(obj)
    doc: dict[str, Any] = {}
    for d in declared(cls):
        if not d.key:
            continue
        value = getattr(obj, d.name)
        writer = WRITERS.get((cls, d.name))
        written = writer(value) if writer else _written(d, value)
        if written is not None:
            doc[d.key] = written
    return doc
