"""Danish text for the index: folding, the spelling without æ/ø/å, inflected forms,
the typo budget, and the digits of a phone number.

Pure functions of a word; the index (`index.py`) builds on them.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "NUMBER_QUERY",
    "fold",
    "inflected_forms",
    "inflection_bases",
    "max_typos",
    "number_key",
    "skeleton",
]

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


def skeleton(token: str) -> str:
    """The folded token as typed without æ/ø/å: kontanthjaelp -> kontanthjalp."""
    return _SKELETON.sub(lambda m: m.group(0)[0], token)


_VOWELS = frozenset("aeiouy")
_SUFFIXES = ("erne", "ene", "ne", "er", "en", "et", "e", "n", "t", "r")
_AFTER_VOWEL = frozenset(("ne", "n", "t", "r"))


def inflection_bases(word: str) -> set[str]:
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


def inflected_forms(word: str) -> set[str]:
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


def max_typos(word: str) -> int:
    n = len(word)
    if n < 4:
        return 0
    return 1 if n <= 7 else 2


# --- numbers ------------------------------------------------------------------------

NUMBER_QUERY = re.compile(r"^\s*(\+|00)?[\d\s().-]+$")


def number_key(e164_or_text: str) -> str:
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
