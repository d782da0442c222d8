"""How the index ranks: the fields and their tiers, the kinds of match, the packed
postings and the sort key of a hit (see the package's docstring for the order)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HitKind = Literal["task", "unit", "employee"]
MatchKind = Literal["exact", "prefix", "fuzzy"]

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
F = {name: code for code, name in enumerate(FIELDS)}
TIER: tuple[int, ...] = (1, 1, 1, 2, 2, 3, 3, 3)
TIER_FACTOR = (0.0, 1.0, 0.85, 0.7)  # by tier
KINDS: tuple[HitKind, ...] = ("task", "unit", "employee")
MATCHES: tuple[MatchKind, ...] = ("exact", "prefix", "fuzzy")
EXACT, PREFIX, FUZZY = 0, 1, 2

# A posting packs (tier, entity rank, field) into one int whose order is the ranking
# order within one token: tier first, then the entity's rank (kind, folded name, id).
EIDX_BITS = 26
EIDX_MASK = (1 << EIDX_BITS) - 1
FIELD_BITS = 3
TIER_SHIFT = FIELD_BITS + EIDX_BITS

# (match kind of the weakest word, sum of the words' match kinds, tier, entity kind,
# -score, entity rank, field): smaller is better. The sum only orders a query of several
# words: "Bo E" puts Bo Eriksen (exact + prefix) before two prefixes.
Key = tuple[int, int, int, int, float, int, int]


@dataclass(frozen=True, slots=True)
class Hit:
    kind: HitKind
    id: str
    name: str
    unit: str  # the unit id (for a unit: itself; for a task or employee: theirs)
    score: float  # 0..1; 1.0 = exact match in a top field
    match: MatchKind
    field: str  # the field that decided the rank: "name", "keywords", "number", ...


def prefix_score(word: str, token: str) -> float:
    return 0.6 + 0.3 * len(word) / max(len(token), 1)
