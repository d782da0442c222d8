"""The index brought up to date from what changed answers as one built from scratch
(issue 13 item 3): after random edits, the same postings, words, numbers and hits."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings

from omstilling import orgfile
from omstilling.demo.org import demo_organisation
from omstilling.domain.organisation import Organisation
from omstilling.domain.orgdiff import changed_ids
from omstilling.domain.search import SearchIndex
from omstilling.domain.search.entries import KIND_BITS
from omstilling.domain.search.update import patched
from tests.org_edits import Edit, edits


@cache
def demo() -> tuple[Organisation, SearchIndex]:
    org = orgfile.parse_data(demo_organisation()).organisation
    return org, SearchIndex.build(org)


def changed(old: Organisation, new: Organisation) -> dict[str, set[str]]:
    return {
        "task": changed_ids(old.tasks, new.tasks),
        "unit": changed_ids(old.units, new.units),
        "employee": changed_ids(old.employees, new.employees),
    }


def canonical(index: SearchIndex) -> dict[str, Any]:
    """The index without its rank numbers: what a search can see."""

    def who(eidx: int) -> tuple[int, str]:
        e = index._entities[eidx]
        assert e.kind == eidx >> KIND_BITS
        return e.kind, e.id

    return {
        "postings": {
            tok: [(who((p >> 3) & ((1 << 26) - 1)), p >> 29, p & 7) for p in plist]
            for tok, plist in index._postings.items()
        },
        "vocab": index._vocab,
        "skeletons": index._skeletons,
        "skeleton_vocab": index._skeleton_vocab,
        "by_first": index._by_first,
        "by_second": index._by_second,
        "numbers": {k: [who(e) for e in v] for k, v in index._numbers.items()},
        "number_keys": index._number_keys,
        "tokens": {who(e): (t, index._entity_fields[e]) for e, t in index._entity_tokens.items()},
        "entities": sorted((who(e), x) for e, x in index._entities.items()),
        "order": index._order,
        "ranks_sorted": [r == sorted(r) for r in index._order_ranks],
    }


def queries(org: Organisation) -> list[str]:
    out = ["boligstøtte", "pas", "skat", "aebler", "hjemmehjaelp", "ferie", "byggesg", "8950"]
    for e in list(org.employees.values())[:5]:
        out += [e.name, e.name[:4], e.title, e.phone or ""]
    for t in list(org.tasks.values())[-5:]:
        out += [t.name, *t.keywords[:1]]
    return [q for q in out if q]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_an_updated_index_is_the_index_built_from_scratch(steps: list[tuple[str, Edit]]) -> None:
    org, index = demo()
    new = org
    for _, apply in steps:
        new = apply(new)
    updated = patched(index, org, new, changed(org, new))
    assert updated is not None
    fresh = SearchIndex.build(new)
    names = [name for name, _ in steps]
    assert canonical(updated) == canonical(fresh), names
    for q in queries(new):
        assert updated.search(q, 10) == fresh.search(q, 10), (q, names)
    # the older index is left as it was, for the requests still reading it
    assert canonical(index) == canonical(SearchIndex.build(org))


def test_an_entity_squeezed_between_neighbours_with_no_room_asks_for_a_rebuild() -> None:
    org, index = demo()
    updated = index
    current = org
    gave_up = False
    for n in range(40):  # the same place again and again halves the gap each time
        e = next(iter(current.employees.values()))
        from dataclasses import replace

        from omstilling.domain import orgedit

        twin = replace(e, id=f"{e.id}-{n:02d}", phone=None, extension=None)
        nxt = orgedit.put_employee(current, twin, new=True)
        result = patched(updated, current, nxt, {"employee": {twin.id}})
        if result is None:
            gave_up = True
            break
        updated, current = result, nxt
    assert gave_up
