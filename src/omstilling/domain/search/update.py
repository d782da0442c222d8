"""The index of a newer snapshot from the index of an older one and what changed.

A changed task, unit or employee leaves the index (its postings, its words where no
other entity has them, its numbers) and comes back as it is now, at a rank between
its neighbours in the ranking order; everything else is shared with the older index,
which stays as it was for the requests still reading it. The result answers exactly
as an index built from scratch over the newer snapshot
(`tests/domain/test_search_update.py`). None when a new entity finds no free rank
between its neighbours: then build from scratch.
"""

from __future__ import annotations

import copy
from array import array
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from omstilling.domain.organisation import Organisation
from omstilling.domain.search.entries import KIND_BITS, Entity, Raw, entry
from omstilling.domain.search.index import SearchIndex
from omstilling.domain.search.ranking import EIDX_BITS, FIELD_BITS, TIER
from omstilling.domain.search.text import fold, number_key, skeleton

KINDS_BY_ENTITY = {"task": 0, "unit": 1, "employee": 2}


class _Copies:
    """The older index's containers, copied the first time this update changes one (the
    older index stays as it was for the requests still reading it)."""

    def __init__(self, out: SearchIndex) -> None:
        self.out = out
        self._owned: set[object] = set()

    def order(self, kind: int) -> tuple[list[tuple[str, str]], list[int]]:
        """The kind's ranking order and ranks, this update's own copies."""
        if ("order", kind) not in self._owned:
            self._owned.add(("order", kind))
            orders, ranks = list(self.out._order), list(self.out._order_ranks)
            orders[kind], ranks[kind] = list(orders[kind]), list(ranks[kind])
            self.out._order, self.out._order_ranks = tuple(orders), tuple(ranks)
        return self.out._order[kind], self.out._order_ranks[kind]

    def own(self, name: str) -> Any:
        """out.<name>, this update's own copy."""
        found = getattr(self.out, name)
        if id(found) not in self._owned:
            found = type(found)(found)
            setattr(self.out, name, found)
            self._owned.add(id(found))
        return found

    def list_in(self, name: str, key: object) -> list[Any]:
        """out.<name>[key] as a list of this update's own (a new empty one when absent)."""
        table = self.own(name)
        found = table.get(key)
        if found is None:
            found = table[key] = []
            self._owned.add(id(found))
        elif id(found) not in self._owned:
            found = table[key] = list(found)
            self._owned.add(id(found))
        return found  # type: ignore[no-any-return]


def patched(
    index: SearchIndex, old: Organisation, new: Organisation, changed: Mapping[str, Iterable[str]]
) -> SearchIndex | None:
    """`index` (built over `old`) brought to `new`, where the entities `changed` (by entity
    name: task, unit, employee) may differ; None when it cannot be done in place."""
    out = copy.copy(index)
    out._short_prefixes = {}
    copies = _Copies(out)
    folded: dict[str, str] = {}

    def fold_cached(text: str) -> str:
        found = folded.get(text)
        if found is None:
            found = folded[text] = fold(text)
        return found

    for entity, ids in changed.items():
        kind = KINDS_BY_ENTITY.get(entity)
        if kind is None:
            continue
        for ident in ids:
            before = entry(old, kind, ident, fold_cached)
            now = entry(new, kind, ident, fold_cached)
            eidx = out._ranks.get((kind, ident))
            if eidx is not None and now is not None and before is not None and now[1] == before[1]:
                _replace(copies, eidx, before, now, fold_cached)  # same place in the order
                continue
            if eidx is not None:
                _remove(copies, kind, ident, before)
            if now is not None and not _add(copies, now, fold_cached):
                return None
    return out


def _best(fields: list[tuple[int, str]], fold_cached: Callable[[str], str]) -> dict[str, int]:
    """Each word of an entity with the best field it stands in (as the build finds it)."""
    best: dict[str, int] = {}
    for code, text in fields:
        for tok in fold_cached(text).split():
            old = best.get(tok)
            if old is None or (TIER[code], code) < (TIER[old], old):
                best[tok] = code
    return best


def _keys(numbers: list[str]) -> list[str]:
    return list(dict.fromkeys(k for n in numbers if (k := number_key(n))))


def _replace(
    copies: _Copies, eidx: int, before: Raw, now: Raw, fold_cached: Callable[[str], str]
) -> None:
    """An entity that keeps its place: only the words, numbers and names that differ."""
    out = copies.out
    kind, _, ident, name, unit, fields, nums = now
    if out._entities[eidx] != Entity(kind, ident, name, unit):
        copies.own("_entities")[eidx] = Entity(kind, ident, name, unit)
    had = dict(zip(out._entity_tokens[eidx], out._entity_fields[eidx], strict=True))
    best = _best(fields, fold_cached)
    if best != had or list(best) != list(had):
        _unpost(copies, eidx, {t: c for t, c in had.items() if best.get(t) != c})
        _post(copies, eidx, {t: c for t, c in best.items() if had.get(t) != c})
        copies.own("_entity_tokens")[eidx] = tuple(best)
        copies.own("_entity_fields")[eidx] = bytes(best.values())
    old_keys, new_keys = _keys(before[6]), _keys(nums)
    if old_keys != new_keys:
        _unnumber(copies, eidx, [k for k in old_keys if k not in new_keys])
        _number(copies, eidx, [k for k in new_keys if k not in old_keys])


def _packed(code: int, eidx: int) -> int:
    return (((TIER[code] << EIDX_BITS) | eidx) << FIELD_BITS) | code


def _unpost(copies: _Copies, eidx: int, words: dict[str, int]) -> None:
    postings = copies.own("_postings") if words else copies.out._postings
    for tok, code in words.items():
        plist = array("q", postings[tok])
        del plist[bisect_left(plist, _packed(code, eidx))]
        if plist:
            postings[tok] = plist
        else:
            del postings[tok]
            _forget_word(copies, tok)


def _post(copies: _Copies, eidx: int, words: dict[str, int]) -> None:
    postings = copies.own("_postings") if words else copies.out._postings
    for tok, code in words.items():
        found = postings.get(tok)
        if found is None:
            postings[tok] = array("q", [_packed(code, eidx)])
            _learn_word(copies, tok)
        else:
            plist = array("q", found)
            plist.insert(bisect_left(plist, _packed(code, eidx)), _packed(code, eidx))
            postings[tok] = plist


def _unnumber(copies: _Copies, eidx: int, keys: list[str]) -> None:
    for key in keys:
        if key not in copies.out._numbers:
            continue
        holders = copies.list_in("_numbers", key)
        if eidx in holders:
            holders.remove(eidx)
        if not holders:
            del copies.own("_numbers")[key]
            number_keys = copies.own("_number_keys")
            del number_keys[bisect_left(number_keys, key)]


def _number(copies: _Copies, eidx: int, keys: list[str]) -> None:
    for key in keys:
        if key not in copies.out._numbers:
            insort(copies.own("_number_keys"), key)
        holders = copies.list_in("_numbers", key)
        if eidx not in holders:
            insort(holders, eidx)


def _remove(copies: _Copies, kind: int, ident: str, before: Raw | None) -> None:
    eidx = copies.own("_ranks").pop((kind, ident))
    del copies.own("_entities")[eidx]
    tokens = copies.own("_entity_tokens").pop(eidx)
    fields = copies.own("_entity_fields").pop(eidx)
    order, ranks = copies.order(kind)
    at = bisect_left(ranks, eidx)
    del order[at], ranks[at]
    _unpost(copies, eidx, dict(zip(tokens, fields, strict=True)))
    _unnumber(copies, eidx, _keys(before[6]) if before is not None else [])


def _add(copies: _Copies, raw: Raw, fold_cached: Callable[[str], str]) -> bool:
    kind, folded_name, ident, name, unit, fields, nums = raw
    order, ranks = copies.order(kind)
    at = bisect_left(order, (folded_name, ident))
    low = ranks[at - 1] if at > 0 else kind << KIND_BITS
    high = ranks[at] if at < len(ranks) else (kind + 1) << KIND_BITS
    if high - low < 2:
        return False
    eidx = (low + high) // 2
    order.insert(at, (folded_name, ident))
    ranks.insert(at, eidx)
    copies.own("_ranks")[(kind, ident)] = eidx
    copies.own("_entities")[eidx] = Entity(kind, ident, name, unit)
    best = _best(fields, fold_cached)
    _post(copies, eidx, best)
    copies.own("_entity_tokens")[eidx] = tuple(best)
    copies.own("_entity_fields")[eidx] = bytes(best.values())
    _number(copies, eidx, _keys(nums))
    return True


def _buckets(tok: str) -> list[tuple[str, tuple[int, str]]]:
    """The typo buckets a word stands in (as the build puts it): (table, key)."""
    if not (tok.isalpha() and len(tok) >= 3):
        return []
    return [("_by_first", (len(tok), tok[0])), ("_by_second", (len(tok), tok[1]))]


def _learn_word(copies: _Copies, tok: str) -> None:
    """A word no entity had: into the vocabulary, its skeleton and the typo buckets."""
    insort(copies.own("_vocab"), tok)
    skel = skeleton(tok)
    if skel != tok:
        if skel not in copies.out._skeletons:
            insort(copies.own("_skeleton_vocab"), skel)
        insort(copies.list_in("_skeletons", skel), tok)
    for table, key in _buckets(tok):
        insort(copies.list_in(table, key), tok)


def _forget_word(copies: _Copies, tok: str) -> None:
    """A word no entity has any more: out of the vocabulary, skeletons and buckets."""
    vocab = copies.own("_vocab")
    del vocab[bisect_left(vocab, tok)]
    skel = skeleton(tok)
    if skel != tok:
        words = copies.list_in("_skeletons", skel)
        words.remove(tok)
        if not words:
            del copies.own("_skeletons")[skel]
            skeletons = copies.own("_skeleton_vocab")
            del skeletons[bisect_left(skeletons, skel)]
    for table, key in _buckets(tok):
        words = copies.list_in(table, key)
        words.remove(tok)
        if not words:
            del copies.own(table)[key]
