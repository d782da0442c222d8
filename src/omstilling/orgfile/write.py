"""Writing the organisation file: the canonical text of an Organisation.

Exporting, importing and exporting again gives the same text: defaults are left
out, numbers are written the Danish way, order is the organisation's own.
"""

from __future__ import annotations

from typing import Any

import yaml

from omstilling.domain.danish import format_phone
from omstilling.domain.organisation import (
    DistributionTarget,
    Employee,
    Mailing,
    Municipality,
    Number,
    Organisation,
    Task,
    Unit,
)

FORMAT = "omstilling/1"


def municipality_doc(m: Municipality) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": m.name, "timezone": m.timezone, "country": m.country}
    if m.main_number:
        doc["main_number"] = format_phone(m.main_number)
    if m.website:
        doc["website"] = m.website
    if m.switchboard:
        doc["switchboard"] = m.switchboard
    doc["hours"] = {
        "official": m.hours.official,
        "opening": m.hours.opening,
        "phone": m.hours.phone,
    }
    if m.closed:
        doc["closed"] = m.closed
    return doc


def unit_doc(u: Unit) -> dict[str, Any]:
    """The unit's own fields as the file writes them (without tasks and employees)."""
    doc: dict[str, Any] = {"id": u.id, "name": u.name, "kind": u.kind}
    if u.parent:
        doc["parent"] = u.parent
    if u.description:
        doc["description"] = u.description
    if u.address:
        doc["address"] = u.address
    if u.external_id:
        doc["external_id"] = u.external_id
    hours = {k: h for k, h in (("opening", u.hours.opening), ("phone", u.hours.phone)) if h}
    if hours:
        doc["hours"] = hours
    if u.numbers:
        doc["numbers"] = [_number_doc(n) for n in u.numbers]
    if u.sensitive:
        doc["sensitive"] = True
    if u.transfer_only_to:
        t = u.transfer_only_to
        doc["transfer_only_to"] = (
            {"employee": t.employee} if t.employee else {"number": format_phone(t.number or "")}
        )
    if u.secretary:
        s = u.secretary
        sec: dict[str, Any] = {"employee": s.employee}
        if s.when:
            sec["when"] = s.when
        if s.roles:
            sec["roles"] = list(s.roles)
        doc["secretary"] = sec
    if u.owner:
        doc["owner"] = u.owner
    if u.reviewed:
        doc["reviewed"] = u.reviewed
    if u.queues:
        doc["queues"] = list(u.queues)
    return doc


def _number_doc(n: Number) -> dict[str, Any]:
    doc: dict[str, Any] = {"number": format_phone(n.e164)}
    if n.label:
        doc["label"] = n.label
    return doc


def _target_doc(t: DistributionTarget) -> dict[str, Any]:
    return {"employee": t.employee} if t.employee else {"unit": t.unit}


def task_doc(t: Task) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": t.id, "name": t.name}
    if t.keywords:
        doc["keywords"] = list(t.keywords)
    if t.kle:
        doc["kle"] = t.kle
    if t.handled_by_switchboard:
        doc["handled_by_switchboard"] = True
    if t.answer:
        doc["answer"] = t.answer
    if t.refer_to:
        doc["refer_to"] = {"name": t.refer_to.name, "number": format_phone(t.refer_to.number)}
    if t.distribution:
        d = t.distribution
        dd: dict[str, Any] = {
            "by": d.by,
            "rules": [{"match": r.match, **_target_doc(r.target)} for r in d.rules],
        }
        if d.default:
            dd["default"] = _target_doc(d.default)
        doc["distribution"] = dd
    return doc


def employee_doc(e: Employee) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": e.id, "name": e.name}
    for key in ("title", "role"):
        doc[key] = getattr(e, key)
    if not doc["title"]:
        del doc["title"]
    if e.phone:
        doc["phone"] = format_phone(e.phone)
    if not e.public:
        doc["public"] = False
    for key in ("extension",):
        if getattr(e, key):
            doc[key] = getattr(e, key)
    if e.mobile:
        doc["mobile"] = format_phone(e.mobile)
    for key in ("email", "login", "external_id", "works"):
        if getattr(e, key):
            doc[key] = getattr(e, key)
    if e.tasks:
        doc["tasks"] = list(e.tasks)
    if e.main_tasks:
        doc["main_tasks"] = e.main_tasks
    return doc


def mailing_doc(m: Mailing) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": m.id,
        "unit": m.unit,
        "title": m.title,
        "sent": m.sent,
        "calls_expected_until": m.calls_expected_until,
    }
    if m.expected_calls is not None:
        doc["expected_calls"] = m.expected_calls
    if m.tasks:
        doc["tasks"] = list(m.tasks)
    if m.answer:
        doc["answer"] = m.answer
    if m.staffed:
        doc["staffed"] = True
    return doc


def to_document(org: Organisation, revision: int | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": FORMAT}
    if revision is not None:
        doc["revision"] = revision
    doc["municipality"] = municipality_doc(org.municipality)
    units = []
    for u in org.units.values():
        ud = unit_doc(u)
        if u.tasks:
            ud["tasks"] = [task_doc(org.tasks[t]) for t in u.tasks]
        if u.employees:
            ud["employees"] = [employee_doc(org.employees[e]) for e in u.employees]
        units.append(ud)
    doc["units"] = units
    doc["mailings"] = [mailing_doc(m) for m in org.mailings.values()]
    return doc


class _Dumper(yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper):  # type: ignore[misc]
    pass


def dump(org: Organisation, revision: int | None = None) -> str:
    """The canonical text of an organisation file."""
    return str(
        yaml.dump(
            to_document(org, revision),
            Dumper=_Dumper,
            allow_unicode=True,
            sort_keys=False,
            width=100,
            default_flow_style=False,
        ),
    )
