"""From calendar events to absence codes (issue 15): the mapping rules, pure and in order.

The calendar package reads a feed (iCalendar or CalDAV) and hands each occurrence in a
window around now to `classify`, with the words that name codes. The rules, in order:

1. free time (TRANSP:TRANSPARENT, BUSYSTATUS FREE), tentative and cancelled events:
   nothing. Google and Outlook make an all-day event free by default, so an all-day
   free event still gives the code its words name (a "Ferie" week), and nothing else;
2. CLASS:PRIVATE or CONFIDENTIAL: `private`, whatever the words say;
3. words in the summary or the categories, folded the Danish way as in search
   ("Sommerferie" holds "ferie"): the code the first matching rule names;
4. X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE: `home`;
5. out of office (OOF) or an all-day busy event: `out`;
6. any other busy event: `meeting`.

The summary, description, location and attendees are read here in memory to classify,
and never leave: a `CalendarCode` holds the code, from, until and the occurrence's key
(a digest of its UID and recurrence id, to know it again), nothing more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from omstilling.domain.labels import ABSENCE_CODE
from omstilling.domain.search.text import fold

__all__ = [
    "DEFAULT_WORDS",
    "CalendarCode",
    "Occurrence",
    "WordRule",
    "classify",
    "codes_of",
    "event_key",
    "local_moment",
    "parse_words",
]


@dataclass(frozen=True, slots=True)
class WordRule:
    """A word or phrase (folded) and the code it gives."""

    words: tuple[str, ...]
    code: str


# The built-in words; OMSTILLING_CALENDAR_WORDS replaces them ("ferie=vacation; ...").
DEFAULT_WORDS_TEXT = (
    "ferie=vacation; vacation=vacation; holiday=vacation; "
    "fri=off; fridag=off; afspadsering=off; omsorgsdag=off; day off=off; "
    "kursus=course; uddannelse=course; konference=course; seminar=course; course=course; "
    "hjemmearbejde=home; hjemmefra=home; hjemmekontor=home; working from home=home; "
    "syg=sick; sygdom=sick; sick=sick; "
    "frokost=lunch; lunch=lunch; "
    "ude af huset=out; tjenesterejse=out; out of office=out"
)

MIN_COMPOUND = 4  # a word this long also matches as the start or end of a compound


def parse_words(text: str) -> tuple[WordRule, ...]:
    """Rules from `word=code; other word=code` (empty: the built-in ones); ValueError
    names the rule that is wrong."""
    source = text.strip() or DEFAULT_WORDS_TEXT
    rules: list[WordRule] = []
    for i, part in enumerate(p.strip() for p in source.split(";")):
        if not part:
            continue
        word, sep, code = part.partition("=")
        folded = fold(word)
        if not sep or not folded:
            raise ValueError(f"calendar word rule {i + 1} must be word=code, got {part[:60]!r}")
        code = code.strip()
        if code not in ABSENCE_CODE:
            known = ", ".join(v for v, _ in ABSENCE_CODE.choices())
            raise ValueError(f"calendar word rule {i + 1}: unknown code {code!r}; known: {known}")
        rules.append(WordRule(tuple(folded.split()), code))
    return tuple(rules)


DEFAULT_WORDS = parse_words("")


def _matches(rule: WordRule, tokens: Sequence[str]) -> bool:
    words = rule.words
    if len(words) == 1:
        word = words[0]
        return any(
            t == word or (len(word) >= MIN_COMPOUND and (t.startswith(word) or t.endswith(word)))
            for t in tokens
        )
    n = len(words)
    return any(tuple(tokens[i : i + n]) == words for i in range(len(tokens) - n + 1))


def word_code(texts: Iterable[str], rules: Sequence[WordRule]) -> str | None:
    """The code of the first rule whose word is in any of the texts."""
    token_lists = [fold(t).split() for t in texts if t]
    for rule in rules:
        if any(_matches(rule, tokens) for tokens in token_lists):
            return rule.code
    return None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of an event as the feed has it, in memory only. `start` and `end`
    are aware datetimes, or dates for an all-day event (`end` exclusive); `end` None when
    the event has none."""

    uid: str
    recurrence: str  # the occurrence's recurrence id (its original start), "" for a single
    start: datetime | date
    end: datetime | date | None
    summary: str = ""
    categories: tuple[str, ...] = ()
    klass: str = ""  # CLASS
    transp: str = ""  # TRANSP
    status: str = ""  # STATUS
    busy: str = ""  # X-MICROSOFT-CDO-BUSYSTATUS (or -INTENDEDSTATUS)

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


def classify(o: Occurrence, words: Sequence[WordRule] = DEFAULT_WORDS) -> str | None:
    """The code an occurrence gives, by the rules above in order; None: nothing."""
    status, busy = o.status.upper(), o.busy.upper()
    if status in ("TENTATIVE", "CANCELLED") or busy == "TENTATIVE":
        return None
    free = busy == "FREE" or (not busy and o.transp.upper() == "TRANSPARENT")
    if free and not o.all_day:
        return None
    if o.klass.upper() in ("PRIVATE", "CONFIDENTIAL"):
        return "private"
    found = word_code([o.summary, *o.categories], words)
    if found is not None or free:
        return found
    if busy == "WORKINGELSEWHERE":
        return "home"
    if busy == "OOF" or o.all_day:
        return "out"
    return "meeting"


def event_key(uid: str, recurrence: str) -> str:
    """What knows an occurrence again at the next poll (a person who cleared its code is
    not made absent again by it): a digest, so not even the UID is kept."""
    return hashlib.sha256(f"{uid}\x00{recurrence}".encode()).hexdigest()[:40]


def local_moment(value: datetime | date, tz: ZoneInfo) -> datetime:
    """A start or end as an aware moment: an all-day date is local midnight that day (a
    local day, whatever the clock change does to its length)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return datetime.combine(value, time(0), tzinfo=tz)


@dataclass(frozen=True, slots=True)
class CalendarCode:
    """What presence keeps of an occurrence: the code, from, until, and its key."""

    key: str
    code: str
    start: datetime
    until: datetime


def codes_of(
    occurrences: Iterable[Occurrence],
    tz: ZoneInfo,
    words: Sequence[WordRule] = DEFAULT_WORDS,
) -> tuple[list[CalendarCode], int]:
    """The codes of the occurrences, and how many were skipped (no end, an end not after
    the start). Two occurrences with the same key (a feed that repeats one) count once."""
    out: dict[str, CalendarCode] = {}
    skipped = 0
    for o in occurrences:
        if o.end is None:
            skipped += 1
            continue
        start, until = local_moment(o.start, tz), local_moment(o.end, tz)
        if until <= start:
            skipped += 1
            continue
        code = classify(o, words)
        if code is None:
            continue
        key = event_key(o.uid, o.recurrence)
        out[key] = CalendarCode(key, code, start, until)
    return sorted(out.values(), key=lambda c: (c.start, c.key)), skipped


ONE_DAY = timedelta(days=1)
