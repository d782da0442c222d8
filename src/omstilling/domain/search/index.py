"""The index over one organisation snapshot and its ranking (see the package's docstring)."""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from omstilling.domain.organisation import Organisation
from omstilling.domain.search.entries import KIND_BITS, Entity, entries, spread
from omstilling.domain.search.ranking import (
    EIDX_BITS,
    EIDX_MASK,
    EXACT,
    FIELD_BITS,
    FIELDS,
    FUZZY,
    KINDS,
    MATCHES,
    PREFIX,
    TIER,
    TIER_FACTOR,
    TIER_SHIFT,
    F,
    Hit,
    Key,
    prefix_score,
)
from omstilling.domain.search.text import (
    NUMBER_QUERY,
    fold,
    inflected_forms,
    inflection_bases,
    max_typos,
    number_key,
    skeleton,
)

__all__ = ["SearchIndex"]

# --- the index ----------------------------------------------------------------------

_PREFIX_MIN = 3  # a single word is a prefix from three letters
_NUMBER_PREFIX_MIN = 6
_NUMBER_PREFIX_CAP = 5000


class SearchIndex:
    """An immutable index over one Organisation snapshot; build once, search often."""

    def __init__(self) -> None:
        self._entities: dict[int, Entity] = {}
        self._postings: dict[str, array[int]] = {}
        self._vocab: list[str] = []
        self._skeletons: dict[str, list[str]] = {}
        self._skeleton_vocab: list[str] = []
        # typo candidates: tokens bucketed by (length, first letter) and (length, second letter)
        self._by_first: dict[tuple[int, str], list[str]] = {}
        self._by_second: dict[tuple[int, str], list[str]] = {}
        self._entity_tokens: dict[int, tuple[str, ...]] = {}
        self._entity_fields: dict[int, bytes] = {}
        self._numbers: dict[str, list[int]] = {}
        self._short_prefixes: dict[str, dict[str, tuple[int, float]]] = {}
        self._number_keys: list[str] = []
        # Where each entity ranks: by (kind, id), and per kind its (folded name, id) in
        # order with the ranks beside them (an update finds a new entity's place there).
        self._ranks: dict[tuple[int, str], int] = {}
        self._order: tuple[list[tuple[str, str]], ...] = ([], [], [])
        self._order_ranks: tuple[list[int], ...] = ([], [], [])

    # --- build ----------------------------------------------------------------------

    @classmethod
    def build(cls, org: Organisation) -> SearchIndex:
        folded: dict[str, str] = {}  # titles, keywords and names repeat

        def fold_cached(text: str) -> str:
            out = folded.get(text)
            if out is None:
                out = folded[text] = fold(text)
            return out

        raw = entries(org, fold_cached)

        self = cls()
        counts = [0, 0, 0]
        for r in raw:
            counts[r[0]] += 1
        rank_of = [spread(kind, n) for kind, n in enumerate(counts)]
        seen = [0, 0, 0]
        interned: dict[str, str] = {}
        postings: dict[str, list[int]] = {}
        numbers: dict[str, list[int]] = {}
        token_cache: dict[str, list[str]] = {}
        for kind, folded_name, eid, name, unit, fields, nums in raw:
            eidx = rank_of[kind](seen[kind])
            seen[kind] += 1
            self._entities[eidx] = Entity(kind, eid, name, unit)
            self._ranks[(kind, eid)] = eidx
            self._order[kind].append((folded_name, eid))
            self._order_ranks[kind].append(eidx)
            best: dict[str, int] = {}
            for code, text in fields:
                tokens = token_cache.get(text)
                if tokens is None:
                    tokens = [interned.setdefault(w, w) for w in fold_cached(text).split()]
                    token_cache[text] = tokens
                for tok in tokens:
                    old = best.get(tok)
                    if old is None or (TIER[code], code) < (TIER[old], old):
                        best[tok] = code
            for tok, code in best.items():
                p = (((TIER[code] << EIDX_BITS) | eidx) << FIELD_BITS) | code
                lst = postings.get(tok)
                if lst is None:
                    postings[tok] = [p]
                else:
                    lst.append(p)
            self._entity_tokens[eidx] = tuple(best)
            self._entity_fields[eidx] = bytes(best.values())
            for num in nums:
                key = number_key(num)
                if key:
                    lst_n = numbers.setdefault(key, [])
                    if eidx not in lst_n:
                        lst_n.append(eidx)
        self._postings = {tok: array("q", sorted(ps)) for tok, ps in postings.items()}
        self._vocab = sorted(self._postings)
        for tok in self._vocab:
            skel = skeleton(tok)
            if skel != tok:
                self._skeletons.setdefault(skel, []).append(tok)
            if tok.isalpha() and len(tok) >= 3:
                self._by_first.setdefault((len(tok), tok[0]), []).append(tok)
                self._by_second.setdefault((len(tok), tok[1]), []).append(tok)
        self._skeleton_vocab = sorted(self._skeletons)
        self._numbers = {k: sorted(v) for k, v in numbers.items()}
        self._number_keys = sorted(self._numbers)
        return self

    # --- helpers --------------------------------------------------------------------

    @staticmethod
    def _kind_of(eidx: int) -> int:
        return eidx >> KIND_BITS

    @staticmethod
    def _prefix_range(sorted_words: list[str], prefix: str) -> list[str]:
        lo = bisect_left(sorted_words, prefix)
        last = ord(prefix[-1])
        if last >= 0x10FFFF:
            return [w for w in sorted_words[lo:] if w.startswith(prefix)]
        hi = bisect_left(sorted_words, prefix[:-1] + chr(last + 1), lo)
        return sorted_words[lo:hi]

    def _expand(self, word: str, *, prefix: bool, fuzzy: bool) -> dict[str, tuple[int, float]]:
        """The vocabulary tokens a query word matches: token -> (match kind, word score)."""
        if prefix and not fuzzy and len(word) < _PREFIX_MIN:
            # one or two letters typed after a name ("Signe T"): there are few such
            # prefixes and each matches much of the vocabulary, so keep them
            cached = self._short_prefixes.get(word)
            if cached is None:
                cached = self._expand_uncached(word, prefix=True, fuzzy=False)
                self._short_prefixes[word] = cached
            return cached
        return self._expand_uncached(word, prefix=prefix, fuzzy=fuzzy)

    def _expand_uncached(
        self, word: str, *, prefix: bool, fuzzy: bool
    ) -> dict[str, tuple[int, float]]:
        out: dict[str, tuple[int, float]] = {}
        postings = self._postings
        if word in postings:
            out[word] = (EXACT, 1.0)
        for tok in self._skeletons.get(word, ()):
            out.setdefault(tok, (EXACT, 0.95))
        if not out and word.isalpha() and len(word) >= 4:
            for base in inflection_bases(word):
                if base in postings:
                    out.setdefault(base, (EXACT, 0.9))
                for tok in self._skeletons.get(base, ()):
                    out.setdefault(tok, (EXACT, 0.9))
            for form in inflected_forms(word):
                if form in postings:
                    out.setdefault(form, (EXACT, 0.9))
        if prefix:
            covered = 0.3 * len(word)
            for tok in self._prefix_range(self._vocab, word):
                if tok not in out:
                    out[tok] = (PREFIX, 0.6 + covered / len(tok))
            for skel in self._prefix_range(self._skeleton_vocab, word):
                match = (PREFIX, 0.59 + covered / len(skel))
                for tok in self._skeletons[skel]:
                    if tok not in out:
                        out[tok] = match
        if fuzzy:
            for tok, dist in self._typo_candidates(word).items():
                if tok not in out:
                    out[tok] = (FUZZY, 0.5 - 0.1 * (dist - 1))
        return out

    def _typo_candidates(self, word: str) -> dict[str, int]:
        """Vocabulary tokens within the word's typo budget: token -> distance.

        Only tokens that share the first letter, or the second letter, or have the first
        two letters swapped or shifted by one are compared (rapidfuzz, in C++); that covers
        one typo anywhere and two typos anywhere but both in the first two letters.
        """
        k = max_typos(word)
        found: dict[str, int] = {}
        if not k or not word.isalpha():
            return found
        c0, c1 = word[0], word[1]
        for length in range(len(word) - k, len(word) + k + 1):
            buckets = (
                self._by_first.get((length, c0)),  # typos after the first letter
                self._by_second.get((length, c1)),  # first letter wrong
                self._by_first.get((length, c1)),  # a letter too many first, or swapped
                self._by_second.get((length, c0)),  # first letter missing, or swapped
            )
            for bucket in buckets:
                if not bucket:
                    continue
                for tok, dist, _ in process.extract(
                    word, bucket, scorer=OSA.distance, score_cutoff=k, limit=None
                ):
                    found[tok] = dist
        return found

    def _number_matches(self, query: str) -> dict[int, Key]:
        if not NUMBER_QUERY.match(query):
            return {}
        key = number_key(query)
        if len(key) < 3:
            return {}
        found: dict[int, Key] = {}
        code = F["number"]
        for eidx in self._numbers.get(key, ()):
            found[eidx] = (EXACT, EXACT, 1, self._kind_of(eidx), -1.0, eidx, code)
        if len(key) >= _NUMBER_PREFIX_MIN:
            count = 0
            for num in self._prefix_range(self._number_keys, key):
                if num == key:
                    continue
                score = -prefix_score(key, num)
                for eidx in self._numbers[num]:
                    cand: Key = (PREFIX, PREFIX, 1, self._kind_of(eidx), score, eidx, code)
                    if eidx not in found or cand < found[eidx]:
                        found[eidx] = cand
                count += 1
                if count >= _NUMBER_PREFIX_CAP:
                    break
        return found

    # --- one word: merge the heads of the postings ------------------------------------

    def _one_word(
        self, expansion: dict[str, tuple[int, float]], limit: int, found: dict[int, Key]
    ) -> None:
        """Add the best `limit` entities of one expanded word to `found` (best per entity).

        Postings of one token are in ranking order and hold each entity once, so a
        k-way merge over the tokens yields entities best first and can stop early.
        """
        postings = self._postings
        kb = KIND_BITS
        tf = TIER_FACTOR
        heap: list[tuple[Key, int, int]] = []
        lists: list[tuple[array[int], int, float]] = []
        for tok, (kind, wscore) in expansion.items():
            plist = postings[tok]
            p = plist[0]
            eidx = (p >> FIELD_BITS) & EIDX_MASK
            tier = p >> TIER_SHIFT
            key: Key = (kind, kind, tier, eidx >> kb, -wscore * tf[tier], eidx, p & 7)
            heap.append((key, len(lists), 0))
            lists.append((plist, kind, wscore))
        heapq.heapify(heap)
        new = 0
        while heap and new < limit:
            key, li, pos = heap[0]
            eidx = key[5]
            old = found.get(eidx)
            if old is None:
                found[eidx] = key
                new += 1
            elif key < old:
                found[eidx] = key
            plist, kind, wscore = lists[li]
            pos += 1
            if pos < len(plist):
                p = plist[pos]
                eidx = (p >> FIELD_BITS) & EIDX_MASK
                tier = p >> TIER_SHIFT
                nxt: Key = (kind, kind, tier, eidx >> kb, -wscore * tf[tier], eidx, p & 7)
                heapq.heapreplace(heap, (nxt, li, pos))
            else:
                heapq.heappop(heap)

    # --- several words: walk the most selective, check the rest ------------------------

    def _many_words(
        self, expansions: list[dict[str, tuple[int, float]]], found: dict[int, Key]
    ) -> None:
        """Entities every word matches. The most selective word's postings give the
        candidates; each further word is checked by walking its postings when they are
        fewer than the candidates, else against each candidate's own words."""
        sizes = self._sizes(expansions)
        order = sorted(range(len(expansions)), key=lambda i: sizes[i])
        per_word = [self._word_matches(expansions[order[0]])]
        candidates = per_word[0]
        for i in order[1:]:
            if not candidates:
                return
            if sizes[i] <= len(candidates):
                candidates = self._word_matches(expansions[i], candidates)
            else:
                candidates = self._verify(expansions[i], candidates)
            per_word.append(candidates)
        n = len(expansions)
        for eidx in candidates:
            kind = kinds = tier = code = 0
            total = 0.0
            for matches in per_word:
                k, t, neg, c = matches[eidx]
                kinds += k
                total += neg
                if k > kind or (k == kind and t > tier):
                    kind, tier, code = k, t, c
            key: Key = (kind, kinds, tier, eidx >> KIND_BITS, total / n, eidx, code)
            old = found.get(eidx)
            if old is None or key < old:
                found[eidx] = key

    def _sizes(self, expansions: list[dict[str, tuple[int, float]]]) -> list[int]:
        """Number of postings per word, counted only as far as needed to find the least."""
        postings = self._postings
        sizes: list[int] = []
        least = 1 << 62
        for exp in sorted(expansions, key=len):
            size = 0
            for tok in exp:
                size += len(postings[tok])
                if size > least:
                    break
            least = min(least, size)
            sizes.append(size)
        ranked = sorted(range(len(expansions)), key=lambda i: len(expansions[i]))
        out = [0] * len(expansions)
        for pos, i in enumerate(ranked):
            out[i] = sizes[pos]
        return out

    def _word_matches(
        self, expansion: dict[str, tuple[int, float]], among: dict[int, Any] | None = None
    ) -> dict[int, tuple[int, int, float, int]]:
        """Best match of one word per entity (optionally only among some): entity ->
        (match kind, tier, -score, field), from the postings of the word's tokens."""
        best: dict[int, tuple[int, int, float, int]] = {}
        tf = TIER_FACTOR
        for tok, (kind, wscore) in expansion.items():
            for p in self._postings[tok]:
                eidx = (p >> FIELD_BITS) & EIDX_MASK
                if among is not None and eidx not in among:
                    continue
                tier = p >> TIER_SHIFT
                cand = (kind, tier, -wscore * tf[tier], p & 7)
                old = best.get(eidx)
                if old is None or cand < old:
                    best[eidx] = cand
        return best

    def _verify(
        self, expansion: dict[str, tuple[int, float]], candidates: dict[int, Any]
    ) -> dict[int, tuple[int, int, float, int]]:
        """Best match of one word against each candidate's own words."""
        best: dict[int, tuple[int, int, float, int]] = {}
        tokens_of = self._entity_tokens
        fields_of = self._entity_fields
        matched = expansion.keys()
        tf = TIER_FACTOR
        for eidx in candidates:
            tokens = tokens_of[eidx]
            if matched.isdisjoint(tokens):  # in C: most candidates end here
                continue
            get = expansion.get
            hit = min(
                (m[0], TIER[code], -m[1] * tf[TIER[code]], code)
                for tok, code in zip(tokens, fields_of[eidx], strict=True)
                if (m := get(tok)) is not None
            )
            best[eidx] = hit
        return best

    # --- search ---------------------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """The best `limit` hits for a query, best first; [] for a blank query."""
        if limit <= 0 or not query or not query.strip():
            return []
        found = self._number_matches(query)
        words = list(dict.fromkeys(fold(query).split()))
        if len(words) == 1:
            self._search_one(words[0], limit, found)
        elif words:
            self._search_many(words, limit, found)
        ranked = heapq.nsmallest(limit, found.values())
        return [self._hit(key) for key in ranked]

    def _search_one(self, word: str, limit: int, found: dict[int, Key]) -> None:
        before = len(found)
        exp = self._expand(word, prefix=len(word) >= _PREFIX_MIN, fuzzy=False)
        self._one_word(exp, limit, found)
        if len(found) - before < limit and max_typos(word):
            extra = {
                tok: (FUZZY, 0.5 - 0.1 * (dist - 1))
                for tok, dist in self._typo_candidates(word).items()
                if tok not in exp
            }
            if extra:
                self._one_word(extra, limit, found)

    def _search_many(self, words: list[str], limit: int, found: dict[int, Key]) -> None:
        # Words before the last are finished words; a short one must match exactly
        # ("Bo E" is Bo, then any word on E), while the last may still be being typed.
        last = len(words) - 1
        prefix = [len(w) >= _PREFIX_MIN or i == last for i, w in enumerate(words)]
        exps = [self._expand(w, prefix=p, fuzzy=False) for w, p in zip(words, prefix, strict=True)]
        before = len(found)
        self._many_words(exps, found)
        if len(found) - before < limit and any(max_typos(w) for w in words):
            exps = [
                self._expand(w, prefix=p, fuzzy=True) for w, p in zip(words, prefix, strict=True)
            ]
            self._many_words(exps, found)

    def _hit(self, key: Key) -> Hit:
        kind, _, _, _, neg_score, eidx, code = key
        e = self._entities[eidx]
        return Hit(
            kind=KINDS[e.kind],
            id=e.id,
            name=e.name,
            unit=e.unit,
            score=round(-neg_score, 4),
            match=MATCHES[kind],
            field=FIELDS[code],
        )
