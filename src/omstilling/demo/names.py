"""Names, numbers and ranges for the demo municipality's made-up people: Danish folding
for ids and mail addresses, weighted surnames, mobile numbers, and even splits of birth
days and surnames for case distribution."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence

from omstilling.demo.org_data import (
    DANISH_ALPHABET,
    MOBILE_PREFIXES,
    SURNAME_WEIGHTS,
    SURNAMES,
)

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def ascii_fold(text: str) -> str:
    """Danish-aware ASCII folding: "Søren Ærø" -> "Soeren Aeroe", "René" -> "Rene"."""
    text = text.translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isascii())


def slugify(text: str) -> str:
    """An id slug (`[a-z0-9][a-z0-9-]*`) from a Danish text."""
    out: list[str] = []
    dash = False
    for c in ascii_fold(text).lower():
        if c.isalnum():
            out.append(c)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-") or "x"


def format_number(digits: str) -> str:
    """Eight digits the Danish way: "89151234" -> "89 15 12 34"."""
    return " ".join(digits[i : i + 2] for i in range(0, 8, 2))


def random_surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]


def random_full_surname(rng: random.Random) -> str:
    """A surname, now and then with a middle name in front ("Holm Jensen")."""
    last = random_surname(rng)
    if rng.random() < 0.15:
        middle = random_surname(rng)
        if middle != last and not middle.endswith("sen"):
            return f"{middle} {last}"
    return last


def random_mobile(rng: random.Random, used: set[str]) -> str:
    """A valid, unused Danish mobile number, spelled "20 31 45 67"."""
    while True:
        prefix = rng.choice(MOBILE_PREFIXES) + str(rng.randint(1, 9))
        digits = f"{prefix}{rng.randrange(10**5):05d}"
        if digits not in used:
            used.add(digits)
            return format_number(digits)


def email_local(first: str, surname: str, used: set[str]) -> str:
    """Initials-style mailbox: first letter of the first name and three of the surname."""
    last = slugify(surname.split()[-1]).replace("-", "")
    base = (slugify(first)[:1] + last[:3]) or "x"
    local = base
    n = 1
    while local in used:
        n += 1
        local = f"{base}{n}"
    used.add(local)
    return local


def match_ranges(bounds: Sequence[tuple[int, int]]) -> str:
    """[(1, 10), (31, 31)] -> "1-10,31"."""
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in bounds)


def split_evenly(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    """Split lo..hi (inclusive) into `parts` contiguous ranges, none empty."""
    total = hi - lo + 1
    parts = max(1, min(parts, total))
    out: list[tuple[int, int]] = []
    start = lo
    for i in range(parts):
        size = total // parts + (1 if i < total % parts else 0)
        out.append((start, start + size - 1))
        start += size
    return out


def letter_ranges(parts: int) -> list[str]:
    """The Danish alphabet in `parts` contiguous ranges: ["A-J", "K-S", "T-Å"]."""
    out = []
    for a, b in split_evenly(0, len(DANISH_ALPHABET) - 1, parts):
        first, last = DANISH_ALPHABET[a], DANISH_ALPHABET[b]
        out.append(first if a == b else f"{first}-{last}")
    return out


# --- task catalogue: what citizens say, with plausible KLE numbers ------------------
