"""Which PBX queues are the switchboard's: one rule for the importer and the consoles.

The switchboard (Telefonomstillingen) is a unit named by the municipality; its
queues are its own and those of every unit below it (its teams). Calls in these
queues are the ones the consoles show live, and the ones whose transfers and
returns (R1.3) are counted. The importer reads the tree from the store without
loading a whole organisation snapshot, so the rule takes the tree as plain
rows; `organisation_switchboard_queues` feeds it a snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable

from omstilling.domain.organisation import Organisation

UnitQueues = tuple[str, str | None, Iterable[str]]
"""A unit as the rule needs it: its id, its parent's id, its queues."""


def switchboard_queues(switchboard: str | None, units: Iterable[UnitQueues]) -> frozenset[str]:
    """The queues of the switchboard unit and of every unit below it."""
    if switchboard is None:
        return frozenset()
    children: dict[str | None, list[str]] = {}
    queues: dict[str, Iterable[str]] = {}
    for unit_id, parent, unit_queues in units:
        children.setdefault(parent, []).append(unit_id)
        queues[unit_id] = unit_queues
    if switchboard not in queues:
        return frozenset()
    found: set[str] = set()
    seen: set[str] = set()
    stack = [switchboard]
    while stack:  # a walk, not recursion; `seen` guards against a cycle in bad data
        unit_id = stack.pop()
        if unit_id not in seen:
            seen.add(unit_id)
            found.update(queues.get(unit_id, ()))
            stack.extend(children.get(unit_id, []))
    return frozenset(found)


def organisation_switchboard_queues(org: Organisation) -> frozenset[str]:
    """The switchboard's queues in an organisation snapshot."""
    return switchboard_queues(
        org.municipality.switchboard, ((u.id, u.parent, u.queues) for u in org.units.values())
    )


def queue_owners(org: Organisation | None) -> dict[str, str]:
    """Which unit each PBX queue belongs to, for the report: the first unit (in the
    organisation's order) that names it."""
    owners: dict[str, str] = {}
    for unit in org.units.values() if org is not None else ():
        for queue in unit.queues:
            owners.setdefault(queue, unit.id)
    return owners
