"""The directory index: find tasks, units, employees and numbers as the operator types.

One index over the whole organisation snapshot, answering from memory. Text is
folded the Danish way (`fold`): case, accents, æ/ae, ø/ö/oe, å/aa. A query word
matches a word of an entity's field

- exactly, which includes a spelling without the Danish letter's second half
  ("kontanthjalp" for kontanthjælp, "bornecheck" for børnecheck) and the inflected
  forms citizens use ("jobcentret", "kontanthjælpen", "barselsorloven",
  "ydelserne", genitive -s), which count as the base word (spec: advice.md,
  "Search ranking");
- as a prefix while typing (three letters or more; in a query of several words a
  shorter word may be the prefix of a word of an entity another word found);
- within typos (optimal string alignment distance: one for words of 4-7 letters,
  two from 8 letters, none under 4).

Every query word must match some word of the entity. A phone number in any
spelling finds whose it is. Ranking follows the spec: the kind of match decides
first (exact, prefix, fuzzy; for a query of several words, the weakest word's),
then the field tier (names and keywords and whole numbers; KLE and title;
description, main tasks and address), then task before unit before employee,
then the score (how much of a word a prefix covers, the number of typos), then
the folded name.

Performance: postings per folded token are sorted by (tier, entity rank), so a
one-word query merges the heads of the matching tokens' postings and stops after
`limit` entities; a query of several words walks the postings of its most selective
word and checks the other words against that entity's own words. Prefixes come
from a sorted vocabulary (bisect); typo candidates from rapidfuzz over the
vocabulary bucketed by length, and only when exact and prefix matches did not
already fill the page.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Iterable
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


def _fold_once(text: str) -> str:
    t = text.lower()
    if not t.isascii():
        t = t.translate(_SPECIAL)
        t = unicodedata.normalize("NFKD", t)
        t = "".join(c for c in t if not unicodedata.combining(c))
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
_TIER_FACTOR = {1: 1.0, 2: 0.85, 3: 0.7}
_KINDS: tuple[HitKind, ...] = ("task", "unit", "employee")
_MATCHES: tuple[MatchKind, ...] = ("exact", "prefix", "fuzzy")
_EXACT, _PREFIX, _FUZZY = 0, 1, 2

# A posting packs (tier, entity rank, field) into one int whose order is the ranking
# order within one token: tier first, then the entity's rank (kind, folded name, id).
_EIDX_BITS = 26
_EIDX_MASK = (1 << _EIDX_BITS) - 1
_FIELD_BITS = 3
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
        self._number_keys: list[str] = []

    # --- build ----------------------------------------------------------------------

    @classmethod
    def build(cls, org: Organisation) -> SearchIndex:
        raw: list[tuple[int, str, str, str, str, list[tuple[int, str]], list[str]]] = []
        for t in org.tasks.values():
            fields = [(_F["name"], t.name)]
            fields += [(_F["keywords"], k) for k in t.keywords]
            if t.kle:
                fields.append((_F["kle"], t.kle))
            raw.append((0, fold(t.name), t.id, t.name, t.unit, fields, []))
        for u in org.units.values():
            fields = [(_F["name"], u.name)]
            if u.description:
                fields.append((_F["description"], u.description))
            if u.address:
                fields.append((_F["address"], u.address))
            numbers = [n.e164 for n in u.numbers]
            raw.append((1, fold(u.name), u.id, u.name, u.id, fields, numbers))
        for e in org.employees.values():
            fields = [(_F["name"], e.name)]
            if e.title:
                fields.append((_F["title"], e.title))
            if e.main_tasks:
                fields.append((_F["main_tasks"], e.main_tasks))
            # mobiles are internal only and never searchable
            numbers = [n for n in (e.phone, e.extension) if n]
            raw.append((2, fold(e.name), e.id, e.name, e.unit, fields, numbers))
        raw.sort(key=lambda r: (r[0], r[1], r[2]))

        self = cls()
        n_tasks = sum(1 for r in raw if r[0] == 0)
        n_units = sum(1 for r in raw if r[0] == 1)
        self._kind_bounds = (n_tasks, n_tasks + n_units)
        interned: dict[str, str] = {}
        postings: dict[str, list[int]] = {}
        numbers: dict[str, list[int]] = {}
        fold_cache: dict[str, list[str]] = {}
        for eidx, (kind, _, eid, name, unit, fields, nums) in enumerate(raw):
            self._entities.append(_Entity(kind, eid, name, unit))
            best: dict[str, int] = {}
            for code, text in fields:
                tokens = fold_cache.get(text)
                if tokens is None:
                    tokens = [interned.setdefault(w, w) for w in fold(text).split()]
                    fold_cache[text] = tokens
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

    def _prefix_tokens(self, sorted_words: list[str], prefix: str) -> Iterable[str]:
        i = bisect_left(sorted_words, prefix)
        n = len(sorted_words)
        while i < n and sorted_words[i].startswith(prefix):
            yield sorted_words[i]
            i += 1

    def _expand(self, word: str, *, prefix: bool, fuzzy: bool) -> dict[str, tuple[int, float]]:
        """The vocabulary tokens a query word matches: token -> (match kind, word score)."""
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
            for tok in self._prefix_tokens(self._vocab, word):
                if tok not in out:
                    out[tok] = (_PREFIX, _prefix_score(word, tok))
            for skel in self._prefix_tokens(self._skeleton_vocab, word):
                for tok in self._skeletons[skel]:
                    if tok not in out:
                        out[tok] = (_PREFIX, _prefix_score(word, skel) - 0.01)
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
            for num in self._prefix_tokens(self._number_keys, key):
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
        heap: list[tuple[_Key, int, int]] = []
        lists: list[tuple[array[int], int, float]] = []
        for tok, (kind, wscore) in expansion.items():
            plist = self._postings[tok]
            lists.append((plist, kind, wscore))
            heap.append((self._key(plist[0], kind, wscore), len(lists) - 1, 0))
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
            if pos + 1 < len(plist):
                heapq.heapreplace(heap, (self._key(plist[pos + 1], kind, wscore), li, pos + 1))
            else:
                heapq.heappop(heap)

    def _key(self, p: int, kind: int, wscore: float) -> _Key:
        code = p & 7
        eidx = (p >> _FIELD_BITS) & _EIDX_MASK
        tier = p >> (_FIELD_BITS + _EIDX_BITS)
        return (kind, kind, tier, self._kind_of(eidx), -wscore * _TIER_FACTOR[tier], eidx, code)

    # --- several words: walk the most selective, check the rest ------------------------

    def _many_words(
        self,
        words: list[str],
        expansions: list[dict[str, tuple[int, float]]],
        complete: list[bool],
        found: dict[int, _Key],
    ) -> None:
        """Entities every word matches. The most selective word's postings give the
        candidates; each further word is checked by walking its postings when they are
        few next to the candidates, else against each candidate's own words."""
        postings = self._postings
        sizes = [sum(len(postings[t]) for t in exp) for exp in expansions]
        order = sorted(range(len(words)), key=lambda i: (not complete[i], sizes[i]))
        driver = order[0]
        # per candidate: [worst kind, worst tier, its field, sum of kinds, sum of -scores]
        state: dict[int, list[Any]] = {}
        for eidx, (kind, tier, neg, code) in self._word_matches(expansions[driver]).items():
            state[eidx] = [kind, tier, code, kind, neg]
        for i in order[1:]:
            if not state:
                return
            if complete[i] and sizes[i] <= 8 * len(state):
                matches = self._word_matches(expansions[i], state)
            else:
                matches = self._verify(words[i], expansions[i], complete[i], state)
            new_state: dict[int, list[Any]] = {}
            for eidx, (kind, tier, neg, code) in matches.items():
                acc = state[eidx]
                if (kind, tier) > (acc[0], acc[1]):
                    acc[0], acc[1], acc[2] = kind, tier, code
                acc[3] += kind
                acc[4] += neg
                new_state[eidx] = acc
            state = new_state
        n = len(words)
        for eidx, (kind, tier, code, kinds, total) in state.items():
            key: _Key = (kind, kinds, tier, self._kind_of(eidx), total / n, eidx, code)
            old = found.get(eidx)
            if old is None or key < old:
                found[eidx] = key

    def _word_matches(
        self, expansion: dict[str, tuple[int, float]], among: dict[int, Any] | None = None
    ) -> dict[int, tuple[int, int, float, int]]:
        """Best match of one word per entity (optionally only among some): entity ->
        (match kind, tier, -score, field), from the postings of the word's tokens."""
        best: dict[int, tuple[int, int, float, int]] = {}
        for tok, (kind, wscore) in expansion.items():
            for p in self._postings[tok]:
                eidx = (p >> _FIELD_BITS) & _EIDX_MASK
                if among is not None and eidx not in among:
                    continue
                tier = p >> (_FIELD_BITS + _EIDX_BITS)
                cand = (kind, tier, -wscore * _TIER_FACTOR[tier], p & 7)
                old = best.get(eidx)
                if old is None or cand < old:
                    best[eidx] = cand
        return best

    def _verify(
        self,
        word: str,
        expansion: dict[str, tuple[int, float]],
        complete: bool,
        candidates: dict[int, Any],
    ) -> dict[int, tuple[int, int, float, int]]:
        """Best match of one word against each candidate's own words. A short word
        (under three letters) matches as a prefix of a candidate's word too."""
        best: dict[int, tuple[int, int, float, int]] = {}
        for eidx in candidates:
            hit: tuple[int, int, float, int] | None = None
            for tok, code in zip(self._entity_tokens[eidx], self._entity_fields[eidx], strict=True):
                m = expansion.get(tok)
                if m is None:
                    if complete or not tok.startswith(word):
                        continue
                    m = (_PREFIX, _prefix_score(word, tok))
                tier = _TIER[code]
                cand = (m[0], tier, -m[1] * _TIER_FACTOR[tier], code)
                if hit is None or cand < hit:
                    hit = cand
            if hit is not None:
                best[eidx] = hit
        return best

    # --- search ---------------------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """The best `limit` hits for a query, best first; [] for a blank query."""
        if limit <= 0 or not query or not query.strip():
            return []
        found = self._number_matches(query)
        words = list(dict.fromkeys(fold(query).split()))
        if words:
            complete = [len(w) >= 3 for w in words]
            if len(words) > 1 and not any(complete):
                # only short words ("Bo E"): the longest one may still be a prefix
                complete[max(range(len(words)), key=lambda i: len(words[i]))] = True
            if len(words) == 1:
                self._search_one(words[0], complete[0], limit, found)
            else:
                self._search_many(words, complete, limit, found)
        ranked = heapq.nsmallest(limit, found.values())
        return [self._hit(key) for key in ranked]

    def _search_one(self, word: str, complete: bool, limit: int, found: dict[int, _Key]) -> None:
        before = len(found)
        exp = self._expand(word, prefix=complete, fuzzy=False)
        self._one_word(exp, limit, found)
        if len(found) - before < limit and _max_typos(word):
            fuzzy = self._expand(word, prefix=False, fuzzy=True)
            extra = {t: m for t, m in fuzzy.items() if m[0] == _FUZZY and t not in exp}
            if extra:
                self._one_word(extra, limit, found)

    def _search_many(
        self, words: list[str], complete: list[bool], limit: int, found: dict[int, _Key]
    ) -> None:
        exps = [self._expand(w, prefix=c, fuzzy=False) for w, c in zip(words, complete, strict=True)]
        before = len(found)
        self._many_words(words, exps, complete, found)
        if len(found) - before < limit and any(_max_typos(w) for w in words):
            exps = [
                self._expand(w, prefix=c, fuzzy=True) for w, c in zip(words, complete, strict=True)
            ]
            self._many_words(words, exps, complete, found)

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
