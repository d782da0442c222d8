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

from omstilling.domain.search.index import SearchIndex
from omstilling.domain.search.ranking import FIELDS, Hit, HitKind, MatchKind
from omstilling.domain.search.text import fold

__all__ = ["FIELDS", "Hit", "HitKind", "MatchKind", "SearchIndex", "fold"]
