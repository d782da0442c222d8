"""The diff documents only what an edit may have changed, and says what the whole
comparison says (issue 13 item 2: an edit costs what it touches)."""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings

from omstilling import orgfile
from omstilling.demo.org import demo_organisation
from omstilling.domain.organisation import Organisation
from omstilling.domain.orgdiff import ENTITY_ORDER, Change, diff, entity_docs
from tests.org_edits import Edit, edits


@cache
def demo() -> Organisation:
    return orgfile.parse_data(demo_organisation()).organisation


def whole_diff(old: Organisation, new: Organisation) -> list[Change]:
    """Every entity documented in both and compared: the reference."""
    before, after = entity_docs(old), entity_docs(new)
    changes = [
        Change(k[0], k[1], "added" if k not in before else "changed", before.get(k), doc)
        for k, doc in after.items()
        if before.get(k) != doc
    ]
    changes += [
        Change(k[0], k[1], "removed", doc, None) for k, doc in before.items() if k not in after
    ]
    return sorted(changes, key=lambda c: ENTITY_ORDER.index(c.entity))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_the_diff_of_random_edits_equals_the_whole_comparison(
    steps: list[tuple[str, Edit]],
) -> None:
    old = demo()
    new = old
    for _, apply in steps:
        new = apply(new)
    assert diff(old, new) == whole_diff(old, new), [name for name, _ in steps]


def test_an_equal_organisation_read_again_is_no_change() -> None:
    again = orgfile.parse_data(demo_organisation()).organisation
    assert diff(demo(), again) == []


def test_from_nothing_everything_is_added_in_the_files_order() -> None:
    changes = diff(None, demo())
    assert all(c.action == "added" for c in changes)
    ranks = [ENTITY_ORDER.index(c.entity) for c in changes]
    assert ranks == sorted(ranks) and changes[0].entity == "municipality"
    assert len(changes) == len(entity_docs(demo()))
