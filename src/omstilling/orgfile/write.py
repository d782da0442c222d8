"""Writing the organisation file: the canonical text of an Organisation.

Exporting, importing and exporting again gives the same text: defaults are left
out, numbers are written the Danish way, order is the organisation's own. Each
entity's document comes from its field declarations (`domain.orgdoc`).
"""

from __future__ import annotations

from typing import Any

import yaml

from omstilling.domain.organisation import Organisation
from omstilling.domain.orgdoc import entity_doc

FORMAT = "omstilling/1"

# One writer for every entity; the names say which document a caller means.
municipality_doc = unit_doc = task_doc = employee_doc = mailing_doc = entity_doc


def to_document(org: Organisation, revision: int | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": FORMAT}
    if revision is not None:
        doc["revision"] = revision
    doc["municipality"] = entity_doc(org.municipality)
    units = []
    for u in org.units.values():
        ud = entity_doc(u)
        if u.tasks:
            ud["tasks"] = [entity_doc(org.tasks[t]) for t in u.tasks]
        if u.employees:
            ud["employees"] = [entity_doc(org.employees[e]) for e in u.employees]
        units.append(ud)
    doc["units"] = units
    doc["mailings"] = [entity_doc(m) for m in org.mailings.values()]
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
