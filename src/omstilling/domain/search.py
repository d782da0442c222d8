"""The directory index: find tasks, units, employees and numbers as the operator types.

One index over the whole organisation snapshot, answering from memory. Text is
folded the Danish way (`fold`): case, accents, æ/ae, ø/ö/oe, å/aa. A query word
matches a word of an entity's field

- exactly, which includes a spelling without the Danish letter's second half
  ("kontanthjalp" for kontanthjælp, "bornecheck" for børnecheck) and the inflected
  forms citizens use ("jobcentret", "kontanthjælpen", "barselsorloven",
  "ydelserne", genitive -s), which count as the base word (spec: advice.md,
  "Search ranking");
- as a prefix while typing: a single word from three letters; in a query of several
  words the last word from one letter ("Signe T"), while a short earlier word must
  match exactly ("Bo E" is Bo, then a word on E);
- within typos (optimal string alignment distance, so a swap is one typo: one for
  words of 4-7 letters, two from 8 letters, none under 4).

Every query word must match some word of the entity. A phone number in any
spelling (employee `phone` and `extension`, unit `numbers`; never a mobile) finds
whose it is, as a top-tier field "number"; from six digits a number is also
matched as a prefix. Ranking follows the spec: the kind of match decides first
(exact, prefix, fuzzy; for a query of several words, the weakest word's, then how
many words matched less than exactly), then the field tier (names, keywords and
whole numbers; KLE and title; description, main tasks and address; for several
words, the lowest tier any word needed), then task before unit before employee,
then the score, then the folded name. The score is 1.0 only for an exact match of
every word in a top field; a spelling without æ/ø/å scores 0.95 and an inflected
form 0.9 (still "exact"), a prefix 0.6-0.9 by how much of the word is typed, a
typo 0.5 or 0.4; lower tiers multiply by 0.85 and 0.7; several words average.

Performance: postings per folded token are sorted by (tier, entity rank), so a
one-word query merges the heads of the matching tokens' postings and stops after
`limit` entities; a query of several words walks the postings of its most selective
word and checks each other word either by walking its postings (when they are
fewer) or against the candidate's own words. Prefixes come from a sorted
vocabulary (bisect). Typo candidates come from rapidfuzz over the vocabulary
bucketed by (length, first letter) and (length, second letter), and are only looked
for when exact and prefix matches did not already fill the page.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from omstilling.domain.organisation import Organisation

__all__ = ["Hit", "SearchIndex", "fold"]

HitKind = Literal["task", "unit", "employee"]
MatchKind = Literal["exact", "prefix", "fuzzy"]

# --- folding ------------------------------------------------------------------------

_SPECIAL = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "ö": "oe",
        "å": "aa",
        "ß": "ss",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_NON_WORD = re.compile(r"[\W_]+")
# combining marks left by NFKD: diacritics of Latin, Greek and Cyrillic letters (others
# are not word characters and become spaces)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold_once(text: str) -> str:
    t = text.lower()
    if not t.isascii():
        t = t.translate(_SPECIAL)
        t = _COMBINING.sub("", unicodedata.normalize("NFKD", t))
        t = t.lower().translate(_SPECIAL)
    return " ".join(_NON_WORD.sub(" ", t).split())


def fold(text: str) -> str:
    """Fold text the Danish way: lower case, æ->ae, ø/ö->oe, å->aa, accents stripped
    (é->e, ü->u), punctuation to single spaces, no leading or trailing space.

    >>> fold("Børne- og ungeydelse")
    'boerne og ungeydelse'
    """
    result = _fold_once(text)
    if not result.isascii():
        # Case mappings and compatibility decompositions of a few exotic characters
        # produce text that folds further; settle it so that fold is idempotent.
        for _ in range(3):
            again = _fold_once(result)
            if again == result:
                break
            result = again
    return result


_SKELETON = re.compile(r"a[ae]|oe")


def _skeleton(token: str) -> str:
    """The folded token as typed without æ/ø/å: kontanthjaelp -> kontanthjalp."""
    return _SKELETON.sub(lambda m: m.group(0)[0], token)


_VOWELS = frozenset("aeiouy")
_SUFFIXES = ("erne", "ene", "ne", "er", "en", "et", "e", "n", "t", "r")
_AFTER_VOWEL = frozenset(("ne", "n", "t", "r"))


def _inflection_bases(word: str) -> set[str]:
    """Base forms a Danish inflected noun may come from (over-generated; the caller
    keeps those in the vocabulary): definite -en/-et (-n/-t after a vowel), plural
    -er/-e/-r, definite plural -erne/-ene/-ne, genitive -s, the dropped e of -er/-el/-en
    nouns (centret -> center, cyklen -> cykel) and a doubled final consonant
    (skatten -> skat)."""
    forms = [word]
    if word.endswith("s") and len(word) > 4:
        forms.append(word[:-1])
    out: set[str] = set(forms[1:])
    for form in forms:
        for suffix in _SUFFIXES:
            if not form.endswith(suffix):
                continue
            stem = form[: -len(suffix)]
            if len(stem) < 3 or (suffix in _AFTER_VOWEL and stem[-1] not in _VOWELS):
                continue
            out.add(stem)
            out.add(stem + "e")
            last, before = stem[-1], stem[-2]
            if last == before and last not in _VOWELS:
                out.add(stem[:-1])
            if last in "rln" and before not in _VOWELS:
                out.add(stem[:-1] + "e" + last)
    out.discard(word)
    return out


_FORM_SUFFIXES = ("en", "et", "e", "er", "erne", "ene", "s", "ens", "ets", "ers", "ernes")
_VOWEL_SUFFIXES = ("n", "t", "r", "rne", "ne", "ns", "ts", "rs")


def _inflected_forms(word: str) -> set[str]:
    """Inflected forms of a base word, for fields written inflected: a query
    "misbrugscenter" finds the unit Misbrugscentret."""
    out: set[str] = set()
    suffixes = _VOWEL_SUFFIXES if word[-1] in _VOWELS else _FORM_SUFFIXES
    stems = [word]
    last, before = word[-1], word[-2]
    if word[-1] not in _VOWELS:
        stems.append(word + last)  # skat -> skatten
    if before == "e" and last in "rln" and word[-3] not in _VOWELS:
        stems.append(word[:-2] + last)  # center -> centr(et)
    for stem in stems:
        for suffix in suffixes:
            out.add(stem + suffix)
    if word[-1] not in _VOWELS:
        out.add(word + "s")
    out.discard(word)
    return out


def _max_typos(word: str) -> int:
    n = len(word)
    if n < 4:
        return 0
    return 1 if n <= 7 else 2


# --- numbers ------------------------------------------------------------------------

_NUMBER_QUERY = re.compile(r"^\s*(\+|00)?[\d\s().-]+$")


def _number_key(e164_or_text: str) -> str:
    """Digits of a number as stored: Danish numbers without +45, others with country code."""
    text = e164_or_text.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return digits[2:] if digits.startswith("45") and len(digits) == 10 else digits
    if text.startswith("00"):
        digits = digits[2:]
        return digits[2:] if digits.startswith("45") and len(digits) == 10 else digits
    if len(digits) == 10 and digits.startswith("45"):
        return digits[2:]
    return digits


# --- the index ----------------------------------------------------------------------

FIELDS: tuple[str, ...] = (
    "name",
    "keywords",
    "number",
    "kle",
    "title",
    "description",
    "main_tasks",
    "address",
)
_F = {name: code for code, name in enumerate(FIELDS)}
_TIER: tuple[int, ...] = (1, 1, 1, 2, 2, 3, 3, 3)
_TIER_FACTOR = (0.0, 1.0, 0.85, 0.7)  # by tier
_KINDS: tuple[HitKind, ...] = ("task", "unit", "employee")
_MATCHES: tuple[MatchKind, ...] = ("exact", "prefix", "fuzzy")
_EXACT, _PREFIX, _FUZZY = 0, 1, 2

# A posting packs (tier, entity rank, field) into one int whose order is the ranking
# order within one token: tier first, then the entity's rank (kind, folded name, id).
_EIDX_BITS = 26
_EIDX_MASK = (1 << _EIDX_BITS) - 1
_FIELD_BITS = 3
_TIER_SHIFT = _FIELD_BITS + _EIDX_BITS
_PREFIX_MIN = 3  # a single word is a prefix from three letters
_NUMBER_PREFIX_MIN = 6
_NUMBER_PREFIX_CAP = 5000

# (match kind of the weakest word, sum of the words' match kinds, tier, entity kind,
# -score, entity rank, field): smaller is better. The sum only orders a query of several
# words: "Bo E" puts Bo Eriksen (exact + prefix) before two prefixes.
_Key = tuple[int, int, int, int, float, int, int]


@dataclass(frozen=True, slots=True)
class Hit:
    kind: HitKind
    id: str
    name: str
    unit: str  # the unit id (for a unit: itself; for a task or employee: theirs)
    score: float  # 0..1; 1.0 = exact match in a top field
    match: MatchKind
    field: str  # the field that decided the rank: "name", "keywords", "number", ...


@dataclass(frozen=True, slots=True)
class _Entity:
    kind: int  # index into _KINDS
    id: str
    name: str
    unit: str


def _prefix_score(word: str, token: str) -> float:
    return 0.6 + 0.3 * len(word) / max(len(token), 1)


class SearchIndex:
    """An immutable index over one Organisation snapshot; build once, search often."""

    def __init__(self) -> None:
        self._entities: list[_Entity] = []
        self._kind_bounds: tuple[int, int] = (0, 0)
        self._postings: dict[str, array[int]] = {}
        self._vocab: list[str] = []
        self._skeletons: dict[str, list[str]] = {}
        self._skeleton_vocab: list[str] = []
        # typo candidates: tokens bucketed by (length, first letter) and (length, second letter)
        self._by_first: dict[tuple[int, str], list[str]] = {}
        self._by_second: dict[tuple[int, str], list[str]] = {}
        self._entity_tokens: list[tuple[str, ...]] = []
        self._entity_fields: list[bytes] = []
        self._numbers: dict[str, list[int]] = {}
        self._short_prefixes: dict[str, dict[str, tuple[int, float]]] = {}
        self._number_keys: list[str] = []

    # --- build ----------------------------------------------------------------------

    @classmethod
    def build(cls, org: Organisation) -> SearchIndex:
        folded: dict[str, str] = {}  # titles, keywords and names repeat

        def fold_cached(text: str) -> str:
            out = folded.get(text)
            if out is None:
                out = folded[text] = fold(text)
            return out

        raw: list[tuple[int, str, str, str, str, list[tuple[int, str]], list[str]]] = []
        for t in org.tasks.values():
            fields = [(_F["name"], t.name)]
            fields += [(_F["keywords"], k) for k in t.keywords]
            if t.kle:
                fields.append((_F["kle"], t.kle))
            raw.append((0, fold_cached(t.name), t.id, t.name, t.unit, fields, []))
        for u in org.units.values():
            fields = [(_F["name"], u.name)]
            if u.description:
                fields.append((_F["description"], u.description))
            if u.address:
                fields.append((_F["address"], u.address))
            unit_numbers = [n.e164 for n in u.numbers]
            raw.append((1, fold_cached(u.name), u.id, u.name, u.id, fields, unit_numbers))
        for e in org.employees.values():
            fields = [(_F["name"], e.name)]
            if e.title:
                fields.append((_F["title"], e.title))
            if e.main_tasks:
                fields.append((_F["main_tasks"], e.main_tasks))
            # mobiles are internal only and never searchable
            own_numbers = [n for n in (e.phone, e.extension) if n]
            raw.append((2, fold_cached(e.name), e.id, e.name, e.unit, fields, own_numbers))
        raw.sort(key=lambda r: (r[0], r[1], r[2]))

        self = cls()
        n_tasks = sum(1 for r in raw if r[0] == 0)
        n_units = sum(1 for r in raw if r[0] == 1)
        self._kind_bounds = (n_tasks, n_tasks + n_units)
        interned: dict[str, str] = {}
        postings: dict[str, list[int]] = {}
        numbers: dict[str, list[int]] = {}
        token_cache: dict[str, list[str]] = {}
        for eidx, (kind, _, eid, name, unit, fields, nums) in enumerate(raw):
            self._entities.append(_Entity(kind, eid, name, unit))
            best: dict[str, int] = {}
            for code, text in fields:
                tokens = token_cache.get(text)
                if tokens is None:
                    tokens = [interned.setdefault(w, w) for w in fold_cached(text).split()]
                    token_cache[text] = tokens
                for tok in tokens:
                    old = best.get(tok)
                    if old is None or (_TIER[code], code) < (_TIER[old], old):
                        best[tok] = code
            for tok, code in best.items():
                p = (((_TIER[code] << _EIDX_BITS) | eidx) << _FIELD_BITS) | code
                lst = postings.get(tok)
                if lst is None:
                    postings[tok] = [p]
                else:
                    lst.append(p)
            self._entity_tokens.append(tuple(best))
            self._entity_fields.append(bytes(best.values()))
            for num in nums:
                key = _number_key(num)
                if key:
                    lst_n = numbers.setdefault(key, [])
                    if eidx not in lst_n:
                        lst_n.append(eidx)
        self._postings = {tok: array("q", sorted(ps)) for tok, ps in postings.items()}
        self._vocab = sorted(self._postings)
        for tok in self._vocab:
            skel = _skeleton(tok)
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

    def _kind_of(self, eidx: int) -> int:
        tasks_end, units_end = self._kind_bounds
        return 0 if eidx < tasks_end else (1 if eidx < units_end else 2)

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
            out[word] = (_EXACT, 1.0)
        for tok in self._skeletons.get(word, ()):
            out.setdefault(tok, (_EXACT, 0.95))
        if not out and word.isalpha() and len(word) >= 4:
            for base in _inflection_bases(word):
                if base in postings:
                    out.setdefault(base, (_EXACT, 0.9))
                for tok in self._skeletons.get(base, ()):
                    out.setdefault(tok, (_EXACT, 0.9))
            for form in _inflected_forms(word):
                if form in postings:
                    out.setdefault(form, (_EXACT, 0.9))
        if prefix:
            covered = 0.3 * len(word)
            for tok in self._prefix_range(self._vocab, word):
                if tok not in out:
                    out[tok] = (_PREFIX, 0.6 + covered / len(tok))
            for skel in self._prefix_range(self._skeleton_vocab, word):
                match = (_PREFIX, 0.59 + covered / len(skel))
                for tok in self._skeletons[skel]:
                    if tok not in out:
                        out[tok] = match
        if fuzzy:
            for tok, dist in self._typo_candidates(word).items():
                if tok not in out:
                    out[tok] = (_FUZZY, 0.5 - 0.1 * (dist - 1))
        return out

    def _typo_candidates(self, word: str) -> dict[str, int]:
        """Vocabulary tokens within the word's typo budget: token -> distance.

        Only tokens that share the first letter, or the second letter, or have the first
        two letters swapped or shifted by one are compared (rapidfuzz, in C++); that covers
        one typo anywhere and two typos anywhere but both in the first two letters.
        """
        k = _max_typos(word)
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

    def _number_matches(self, query: str) -> dict[int, _Key]:
        if not _NUMBER_QUERY.match(query):
            return {}
        key = _number_key(query)
        if len(key) < 3:
            return {}
        found: dict[int, _Key] = {}
        code = _F["number"]
        for eidx in self._numbers.get(key, ()):
            found[eidx] = (_EXACT, _EXACT, 1, self._kind_of(eidx), -1.0, eidx, code)
        if len(key) >= _NUMBER_PREFIX_MIN:
            count = 0
            for num in self._prefix_range(self._number_keys, key):
                if num == key:
                    continue
                score = -_prefix_score(key, num)
                for eidx in self._numbers[num]:
                    cand: _Key = (_PREFIX, _PREFIX, 1, self._kind_of(eidx), score, eidx, code)
                    if eidx not in found or cand < found[eidx]:
                        found[eidx] = cand
                count += 1
                if count >= _NUMBER_PREFIX_CAP:
                    break
        return found

    # --- one word: merge the heads of the postings ------------------------------------

    def _one_word(
        self, expansion: dict[str, tuple[int, float]], limit: int, found: dict[int, _Key]
    ) -> None:
        """Add the best `limit` entities of one expanded word to `found` (best per entity).

        Postings of one token are in ranking order and hold each entity once, so a
        k-way merge over the tokens yields entities best first and can stop early.
        """
        postings = self._postings
        tasks_end, units_end = self._kind_bounds
        tf = _TIER_FACTOR
        heap: list[tuple[_Key, int, int]] = []
        lists: list[tuple[array[int], int, float]] = []
        for tok, (kind, wscore) in expansion.items():
            plist = postings[tok]
            p = plist[0]
            eidx = (p >> _FIELD_BITS) & _EIDX_MASK
            tier = p >> _TIER_SHIFT
            ekind = 0 if eidx < tasks_end else (1 if eidx < units_end else 2)
            key: _Key = (kind, kind, tier, ekind, -wscore * tf[tier], eidx, p & 7)
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
                eidx = (p >> _FIELD_BITS) & _EIDX_MASK
                tier = p >> _TIER_SHIFT
                ekind = 0 if eidx < tasks_end else (1 if eidx < units_end else 2)
                nxt: _Key = (kind, kind, tier, ekind, -wscore * tf[tier], eidx, p & 7)
                heapq.heapreplace(heap, (nxt, li, pos))
            else:
                heapq.heappop(heap)

    # --- several words: walk the most selective, check the rest ------------------------

    def _many_words(
        self, expansions: list[dict[str, tuple[int, float]]], found: dict[int, _Key]
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
        tasks_end, units_end = self._kind_bounds
        for eidx in candidates:
            kind = kinds = tier = code = 0
            total = 0.0
            for matches in per_word:
                k, t, neg, c = matches[eidx]
                kinds += k
                total += neg
                if k > kind or (k == kind and t > tier):
                    kind, tier, code = k, t, c
            ekind = 0 if eidx < tasks_end else (1 if eidx < units_end else 2)
            key: _Key = (kind, kinds, tier, ekind, total / n, eidx, code)
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
        tf = _TIER_FACTOR
        for tok, (kind, wscore) in expansion.items():
            for p in self._postings[tok]:
                eidx = (p >> _FIELD_BITS) & _EIDX_MASK
                if among is not None and eidx not in among:
                    continue
                tier = p >> _TIER_SHIFT
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
        tf = _TIER_FACTOR
        for eidx in candidates:
            tokens = tokens_of[eidx]
            if matched.isdisjoint(tokens):  # in C: most candidates end here
                continue
            get = expansion.get
            hit = min(
                (m[0], _TIER[code], -m[1] * tf[_TIER[code]], code)
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

    def _search_one(self, word: str, limit: int, found: dict[int, _Key]) -> None:
        before = len(found)
        exp = self._expand(word, prefix=len(word) >= _PREFIX_MIN, fuzzy=False)
        self._one_word(exp, limit, found)
        if len(found) - before < limit and _max_typos(word):
            extra = {
                tok: (_FUZZY, 0.5 - 0.1 * (dist - 1))
                for tok, dist in self._typo_candidates(word).items()
                if tok not in exp
            }
            if extra:
                self._one_word(extra, limit, found)

    def _search_many(self, words: list[str], limit: int, found: dict[int, _Key]) -> None:
        # Words before the last are finished words; a short one must match exactly
        # ("Bo E" is Bo, then any word on E), while the last may still be being typed.
        last = len(words) - 1
        prefix = [len(w) >= _PREFIX_MIN or i == last for i, w in enumerate(words)]
        exps = [self._expand(w, prefix=p, fuzzy=False) for w, p in zip(words, prefix, strict=True)]
        before = len(found)
        self._many_words(exps, found)
        if len(found) - before < limit and any(_max_typos(w) for w in words):
            exps = [
                self._expand(w, prefix=p, fuzzy=True) for w, p in zip(words, prefix, strict=True)
            ]
            self._many_words(exps, found)

    def _hit(self, key: _Key) -> Hit:
        kind, _, _, _, neg_score, eidx, code = key
        e = self._entities[eidx]
        return Hit(
            kind=_KINDS[e.kind],
            id=e.id,
            name=e.name,
            unit=e.unit,
            score=round(-neg_score, 4),
            match=_MATCHES[kind],
            field=FIELDS[code],
        )
