"""Case distribution (R2.2): which caseworker or team takes a citizen's case.

A task's `distribution` splits cases by one fact the citizen tells the operator:
the day of the month of their birth (`birth_day`, 1-31, the first two digits of
the CPR number and never more), the first letter of their surname in Danish
alphabetical order (`surname`), or their `postcode`. Each rule's `match` is a
list of values and inclusive ranges ("1-10,31", "A-G,Å", "8900-8930,8940").

Every value is mapped to an integer so that all three kinds share one interval
logic: days are 1..31, letters are 1..29 in the order A-Z, Æ, Ø, Å, postcodes
are 1000..9999.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from omstilling.domain.organisation import Distribution, DistributionBy, DistributionTarget

__all__ = [
    "DANISH_ALPHABET",
    "MatchError",
    "check",
    "needed_fact",
    "parse_match",
    "pick",
    "surname_letter",
]

DANISH_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ"
_LETTER_INDEX = {c: i + 1 for i, c in enumerate(DANISH_ALPHABET)}

# Letters that Danish sorting files under another letter rather than just losing an
# accent: Ö and Ő under Ø, Ä under Æ, Ü and Ű under Y (as Danish dictionaries do).
_SPECIAL_LETTERS = {
    "Ö": "Ø",
    "Ő": "Ø",
    "Œ": "Ø",
    "Ä": "Æ",
    "Ü": "Y",
    "Ű": "Y",
    "Ł": "L",
    "Đ": "D",
    "Ð": "D",
    "Þ": "T",
    "ẞ": "S",
}

Interval = tuple[int, int]

_BOUNDS: dict[DistributionBy, tuple[int, int]] = {
    "birth_day": (1, 31),
    "surname": (1, len(DANISH_ALPHABET)),
    "postcode": (1000, 9999),
}
_LABEL: dict[DistributionBy, str] = {
    "birth_day": "birth day",
    "surname": "surname",
    "postcode": "postcode",
}


class MatchError(ValueError):
    """A rule's `match` text cannot be read; the message says which part and why."""


def _letter_of(char: str) -> int | None:
    """Index 1..29 of one letter in Danish order, folding accents; None for a non-letter."""
    upper = char.upper()
    if len(upper) != 1:  # "ß".upper() == "SS"
        upper = upper[0]
    if upper in _LETTER_INDEX:
        return _LETTER_INDEX[upper]
    if upper in _SPECIAL_LETTERS:
        return _LETTER_INDEX[_SPECIAL_LETTERS[upper]]
    base = unicodedata.normalize("NFD", upper)[0]
    return _LETTER_INDEX.get(base)


def surname_letter(surname: str) -> int | None:
    """The index 1..29 of the surname's first letter in Danish alphabetical order.

    Case does not matter; "Aa" counts as "Å" as in Danish sorting; accents are folded
    (É under E, Ö under Ø, Ä under Æ, Ü under Y). Leading spaces and punctuation are
    skipped. None when the text holds no letter of the Latin alphabet.
    """
    text = surname.strip()
    for pos, char in enumerate(text):
        if not char.isalpha():
            continue
        if char in "Aa" and pos + 1 < len(text) and text[pos + 1] in "Aa":
            return _LETTER_INDEX["Å"]
        return _letter_of(char)
    return None


def _format_value(by: DistributionBy, value: int) -> str:
    return DANISH_ALPHABET[value - 1] if by == "surname" else str(value)


def format_intervals(by: DistributionBy, intervals: tuple[Interval, ...] | list[Interval]) -> str:
    """Write intervals back in match syntax: "5-10,12", "H-K"."""
    parts = []
    for lo, hi in intervals:
        if lo == hi:
            parts.append(_format_value(by, lo))
        else:
            parts.append(f"{_format_value(by, lo)}-{_format_value(by, hi)}")
    return ",".join(parts)


_NUMBER = re.compile(r"^\d+$")


def _parse_value(by: DistributionBy, text: str, item: str) -> int:
    label = _LABEL[by]
    lo, hi = _BOUNDS[by]
    if by == "surname":
        # one letter, or "Aa" for Å
        if len(text) == 1 and text.isalpha():
            value = _letter_of(text)
        elif len(text) == 2 and text.upper() == "AA":
            value = _LETTER_INDEX["Å"]
        else:
            value = None
        if value is None:
            raise MatchError(f"invalid {label} range '{item}': '{text}' is not a letter")
        return value
    if not _NUMBER.match(text):
        raise MatchError(f"invalid {label} range '{item}': '{text}' is not a number")
    if by == "postcode" and len(text) != 4:
        raise MatchError(f"invalid {label} range '{item}': a postcode has four digits")
    value = int(text)
    if not lo <= value <= hi:
        raise MatchError(f"invalid {label} range '{item}': must be between {lo} and {hi}")
    return value


@lru_cache(maxsize=4096)
def parse_match(by: DistributionBy, text: str) -> tuple[Interval, ...]:
    """Parse a rule's `match` into inclusive intervals, sorted and merged.

    >>> parse_match("birth_day", "1-10,31")
    ((1, 10), (31, 31))
    >>> parse_match("surname", "A-G, Å")
    ((1, 7), (29, 29))
    """
    if by not in _BOUNDS:
        raise MatchError(f"unknown distribution kind '{by}'")
    label = _LABEL[by]
    if not text or not text.strip():
        raise MatchError(f"empty {label} match")
    intervals: list[Interval] = []
    for raw_item in text.split(","):
        item = raw_item.strip()
        if not item:
            raise MatchError(f"invalid {label} range '{text.strip()}': empty item")
        parts = [p.strip() for p in item.split("-")]
        if len(parts) == 1:
            value = _parse_value(by, parts[0], item)
            intervals.append((value, value))
        elif len(parts) == 2:
            if not parts[0] or not parts[1]:
                raise MatchError(f"invalid {label} range '{item}'")
            start = _parse_value(by, parts[0], item)
            end = _parse_value(by, parts[1], item)
            if start > end:
                raise MatchError(f"invalid {label} range '{item}': start is after end")
            intervals.append((start, end))
        else:
            raise MatchError(f"invalid {label} range '{item}'")
    return _merge(intervals)


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _intersect(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _gaps(covered: tuple[Interval, ...], lo: int, hi: int) -> list[Interval]:
    out: list[Interval] = []
    nxt = lo
    for a, b in covered:
        if a > nxt:
            out.append((nxt, min(a - 1, hi)))
        nxt = max(nxt, b + 1)
    if nxt <= hi:
        out.append((nxt, hi))
    return out


def check(distribution: Distribution) -> tuple[list[str], list[str]]:
    """Problems of a distribution as (errors, warnings), messages without a path prefix.

    Errors: a match text that cannot be read ("rules[1]: invalid birth day range
    '32': ..."), two rules that overlap ("rules[0] and rules[2] overlap on 5-10").
    Warnings: values no rule covers ("no rule covers 16-20"), unless a `default` is
    set. Birth days and surnames must cover the whole range (1-31, A-Å); postcodes
    only between the lowest and the highest postcode named, because a municipality
    covers a handful of postcodes and citizens from elsewhere are not a gap.
    """
    by = distribution.by
    errors: list[str] = []
    warnings: list[str] = []
    parsed: list[tuple[int, tuple[Interval, ...]]] = []
    for index, rule in enumerate(distribution.rules):
        try:
            parsed.append((index, parse_match(by, rule.match)))
        except MatchError as exc:
            errors.append(f"rules[{index}]: {exc}")
    for n, (i, a) in enumerate(parsed):
        for j, b in parsed[n + 1 :]:
            common = _intersect(a, b)
            if common:
                errors.append(
                    f"rules[{i}] and rules[{j}] overlap on {format_intervals(by, common)}"
                )
    if distribution.default is None and by in _BOUNDS:
        covered = _merge([iv for _, ivs in parsed for iv in ivs])
        if by == "postcode":
            gaps = _gaps(covered, covered[0][0], covered[-1][1]) if covered else []
        else:
            gaps = _gaps(covered, *_BOUNDS[by])
        if gaps:
            warnings.append(f"no rule covers {format_intervals(by, gaps)}")
    return errors, warnings


def needed_fact(distribution: Distribution) -> str:
    """The citizen fact this distribution needs: "birth_day", "surname" or "postcode"."""
    return distribution.by


def _postcode_value(postcode: str) -> int | None:
    text = postcode.strip()
    if text[:3].upper() == "DK-":
        text = text[3:].strip()
    if len(text) != 4 or not text.isdigit() or not text.isascii():
        return None
    value = int(text)
    return value if 1000 <= value <= 9999 else None


def _fact_value(
    by: DistributionBy, birth_day: int | None, surname: str | None, postcode: str | None
) -> int | None:
    if by == "birth_day":
        if birth_day is None or isinstance(birth_day, bool) or not 1 <= birth_day <= 31:
            return None
        return birth_day
    if by == "surname":
        return surname_letter(surname) if surname else None
    return _postcode_value(postcode) if postcode else None


def pick(
    distribution: Distribution,
    *,
    birth_day: int | None = None,
    surname: str | None = None,
    postcode: str | None = None,
) -> DistributionTarget | None:
    """The target of the rule matching the citizen's fact, else the default, else None.

    None also when the needed fact is missing or unusable (a birth day outside 1-31, a
    surname without a letter, a postcode that is not four digits): the caller asks
    `needed_fact` and the target stays the unit. Rules whose match text cannot be read
    are skipped (the organisation file validator rejects them before they get here).
    """
    value = _fact_value(distribution.by, birth_day, surname, postcode)
    if value is None:
        return None
    for rule in distribution.rules:
        try:
            intervals = parse_match(distribution.by, rule.match)
        except MatchError:
            continue
        if any(lo <= value <= hi for lo, hi in intervals):
            return rule.target
    return distribution.default
