"""What changes between two organisations: added, changed and removed entities.

Each entity is compared by its canonical document (`domain.orgdoc`, the same
values the file export writes, plus its place in the organisation), so a
re-import of the same file is no change at all, and the audit trail stores
readable before/after values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from omstilling.domain.organisation import Organisation
from omstilling.domain.orgdoc import entity_doc

Entity = Literal["municipality", "unit", "employee", "task", "mailing"]
ENTITY_ORDER: tuple[Entity, ...] = ("municipality", "unit", "task", "employee", "mailing")


@dataclass(frozen=True)
class Change:
    entity: Entity
    id: str
    action: Literal["added", "changed", "removed"]
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def fields(self) -> list[str]:
        """The keys whose values differ (for a change)."""
        b, a = self.before or {}, self.after or {}
        return sorted(k for k in set(b) | set(a) if b.get(k) != a.get(k))

    def describe(self) -> str:
        if self.action == "changed":
            return f"{self.entity} {self.id}: changed {', '.join(self.fields())}"
        return f"{self.entity} {self.id}: {self.action}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _doc(obj: Any, **place: Any) -> dict[str, Any]:
    doc: dict[str, Any] = _jsonable(entity_doc(obj))
    return {**doc, **place}


def entity_docs(org: Organisation) -> dict[tuple[Entity, str], dict[str, Any]]:
    """Every entity's canonical document, JSON-ready, keyed by (entity, id)."""
    docs: dict[tuple[Entity, str], dict[str, Any]] = {
        ("municipality", "municipality"): _doc(org.municipality),
    }
    for pos, u in enumerate(org.units.values()):
        docs[("unit", u.id)] = _doc(u, position=pos)
        for tpos, tid in enumerate(u.tasks):
            docs[("task", tid)] = _doc(org.tasks[tid], unit=u.id, position=tpos)
        for epos, eid in enumerate(u.employees):
            docs[("employee", eid)] = _doc(org.employees[eid], unit=u.id, position=epos)
    for mpos, m in enumerate(org.mailings.values()):
        docs[("mailing", m.id)] = _doc(m, position=mpos)
    return docs


def diff(old: Organisation | None, new: Organisation) -> list[Change]:
    before = entity_docs(old) if old is not None else {}
    after = entity_docs(new)
    changes: list[Change] = []
    for key, doc in after.items():
        prev = before.get(key)
        if prev is None:
            changes.append(Change(key[0], key[1], "added", None, doc))
        elif prev != doc:
            changes.append(Change(key[0], key[1], "changed", prev, doc))
    for key, doc in before.items():
        if key not in after:
            changes.append(Change(key[0], key[1], "removed", doc, None))
    order = {e: i for i, e in enumerate(ENTITY_ORDER)}
    changes.sort(key=lambda c: order[c.entity])
    return changes
