"""The directory index (spec/advice.md, "Search ranking"): folding, matching, ranking.

Run as a script for build time and latency on a synthetic organisation of 2,000 units,
50,000 employees and 20,000 task keywords:

    python tests/test_search.py [employees]
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omstilling.domain.organisation import (
    Employee,
    Municipality,
    MunicipalityHours,
    Number,
    Organisation,
    Task,
    Unit,
)
from omstilling.domain.search import Hit, SearchIndex, fold
from omstilling.orgfile import parse_text

MINI = Path(__file__).resolve().parent.parent.parent / "shared" / "acceptance" / "randers-mini.yaml"
HOURS = MunicipalityHours("Mo-Fr 09:00-15:00", "Mo-Fr 09:00-15:00", "Mo-Fr 09:00-15:00")


# --- loading the acceptance fixture -------------------------------------------------------


def load_mini() -> Organisation:
    if not MINI.exists():
        pytest.skip(f"acceptance fixture absent: {MINI}")
    return parse_text(MINI.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mini() -> SearchIndex:
    return SearchIndex.build(load_mini())


def first(index: SearchIndex, query: str) -> tuple[str, str]:
    hits = index.search(query)
    assert hits, f"no hit for {query!r}"
    return hits[0].kind, hits[0].id


# --- acceptance: S21-S26 and the ranking of the spec ------------------------------------


@pytest.mark.parametrize(
    ("query", "kind", "id_"),
    [
        ("skattekort", "task", "skat"),  # S21
        ("kontanthjalp", "task", "kontanthjaelp"),  # S22: a missing æ
        ("Anne Andersen", "employee", "anne-familie"),  # S23
        ("andersen anne", "employee", "anne-familie"),  # words in any order
        ("jobcentret", "unit", "jobcenter"),  # S24: what citizens call a unit
        ("børnecheck", "task", "boerne-og-ungeydelse"),  # S26
        ("bornecheck", "task", "boerne-og-ungeydelse"),
        ("BØRNECHECK", "task", "boerne-og-ungeydelse"),
        ("boernecheck", "task", "boerne-og-ungeydelse"),
        ("89 15 22 11", "employee", "mette-jobcenter"),
        ("89152211", "employee", "mette-jobcenter"),
        ("+45 8915 2211", "employee", "mette-jobcenter"),
        ("0045 89 15 22 11", "employee", "mette-jobcenter"),
        ("89 15 22 00", "unit", "jobcenter"),
        ("kont", "task", "kontanthjaelp"),  # prefix while typing
        ("kon", "task", "kontanthjaelp"),  # three letters are enough
        ("kontanthjælpen", "task", "kontanthjaelp"),  # inflected
        ("kontanthjalpen", "task", "kontanthjaelp"),
        ("barselsorloven", None, None),  # nothing about barsel in the mini organisation
        ("skatten", "task", "skat"),
        ("jobcentrets", "unit", "jobcenter"),
        ("misbrugscenter", "unit", "misbrugscentret"),  # base form of an inflected name
        ("underretningen", "task", "underretning"),
        ("sygedagpenge", "task", "sygedagpenge"),
        ("sygedagpnge", "task", "sygedagpenge"),  # one typo
        ("sygdagpnge", "task", "sygedagpenge"),  # two typos in a long word
        ("byggetiladelse", "task", "byggesag"),
        ("Mette Dahl", "employee", "mette-jobcenter"),
        ("mete", "employee", "mette-jobcenter"),
        ("Jobcenterchef", "employee", "jens-jobcenter"),
        ("32.18", "task", "kontanthjaelp"),  # KLE
        ("Laksetorvet", "unit", "borgerservice"),  # address
        ("borgerservice", "unit", "borgerservice"),
        ("Kultur og Borgerservice", "unit", "kultur-og-borgerservice"),
        ("miljø og teknik", "unit", "miljoe-og-teknik"),
        ("miljo", "unit", "miljoe-og-teknik"),
        ("Bo E", "employee", "bo-familie"),
        ("Anne A", "employee", "anne-familie"),
    ],
)
def test_acceptance_search(
    mini: SearchIndex, query: str, kind: str | None, id_: str | None
) -> None:
    hits = mini.search(query)
    if kind is None:
        assert hits == []
    else:
        assert (hits[0].kind, hits[0].id) == (kind, id_), hits[:3]


def test_s22_task_before_unit_and_employee_mentioning_it(mini: SearchIndex) -> None:
    hits = mini.search("kontanthjalp")
    assert [(h.kind, h.id, h.field) for h in hits] == [
        ("task", "kontanthjaelp", "name"),
        ("unit", "jobcenter", "description"),
        ("employee", "mette-jobcenter", "main_tasks"),
        ("employee", "niels-jobcenter", "main_tasks"),
    ]
    assert all(h.match == "exact" for h in hits)


def test_s24_unit_before_employee_titled_jobcenterchef(mini: SearchIndex) -> None:
    hits = mini.search("jobcentret")
    assert hits[0] == Hit(
        "unit", "jobcenter", "Jobcenter", "jobcenter", hits[0].score, "exact", "name"
    )
    assert "jens-jobcenter" not in [h.id for h in hits[:1]]
    hits = mini.search("jobcenter")
    assert [(h.id, h.match) for h in hits] == [("jobcenter", "exact"), ("jens-jobcenter", "prefix")]


def test_exact_in_top_field_scores_one(mini: SearchIndex) -> None:
    [hit] = mini.search("Anne Andersen")
    assert hit == Hit("employee", "anne-familie", "Anne Andersen", "familie", 1.0, "exact", "name")
    assert mini.search("skattekort")[0].score == 1.0
    assert mini.search("89 15 22 11")[0] == Hit(
        "employee", "mette-jobcenter", "Mette Dahl", "jobcenter", 1.0, "exact", "number"
    )


def test_hit_unit_is_the_unit_of_tasks_and_employees(mini: SearchIndex) -> None:
    assert mini.search("skattekort")[0].unit == "borgerservice"
    assert mini.search("Mette Dahl")[0].unit == "jobcenter"
    assert mini.search("Familie")[0].unit == "familie"


@pytest.mark.parametrize("query", ["", " ", "\t\n", "---", "..."])
def test_blank_query_finds_nothing(mini: SearchIndex, query: str) -> None:
    assert mini.search(query) == []


def test_limit(mini: SearchIndex) -> None:
    assert len(mini.search("sagsbehandler", limit=1)) == 1
    assert mini.search("sagsbehandler", limit=0) == []


def test_no_match_for_unknown_word(mini: SearchIndex) -> None:
    assert mini.search("xylofon") == []
    assert mini.search("Anne Xylofon") == []  # every word must match


def test_short_words_need_an_exact_match(mini: SearchIndex) -> None:
    assert mini.search("ko") == []  # no prefix search under three letters


def test_ranking_exact_beats_prefix_beats_fuzzy(mini: SearchIndex) -> None:
    hits = mini.search("sag", limit=50)
    order = {"exact": 0, "prefix": 1, "fuzzy": 2}
    assert [order[h.match] for h in hits] == sorted(order[h.match] for h in hits)


def test_mobile_numbers_are_not_searchable() -> None:
    org = Organisation(
        Municipality("X", HOURS),
        [Unit("u", "Enhed", "department", employees=("e",))],
        [
            Employee(
                "e", "u", "Eva Mobil", phone="+4589150000", mobile="+4520304050", extension="3101"
            )
        ],
        [],
        [],
    )
    index = SearchIndex.build(org)
    assert index.search("20 30 40 50") == []
    assert [h.id for h in index.search("89 15 00 00")] == ["e"]
    assert [(h.id, h.field) for h in index.search("3101")] == [("e", "number")]


def test_number_prefix_while_typing(mini: SearchIndex) -> None:
    ids = [h.id for h in mini.search("89 15 22")]
    assert {"jobcenter", "jens-jobcenter", "mette-jobcenter"} <= set(ids)
    assert all(h.match == "prefix" for h in mini.search("89 15 22"))


def _small_org(task_names: list[str]) -> Organisation:
    tasks = [Task(f"t{i}", "u", name) for i, name in enumerate(task_names)]
    unit = Unit("u", "Jobcenter", "department", tasks=tuple(t.id for t in tasks))
    return Organisation(Municipality("X", HOURS), [unit], [], tasks, [])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("barselsorloven", "Barselsorlov"),
        ("barselsorlovens", "Barselsorlov"),
        ("ydelsen", "Ydelse"),
        ("ydelserne", "Ydelse"),
        ("cyklen", "Cykel"),
        ("cykler", "Cykel"),
        ("skatten", "Skat"),
        ("kommunens", "Kommune"),
        ("huset", "Hus"),
        ("jobcentret", "Jobcenter"),
        ("jobcenteret", "Jobcenter"),
        ("jobcentrets", "Jobcenter"),
        ("misbrugscenter", "Misbrugscentret"),  # the field inflected, the query not
    ],
)
def test_inflected_forms_count_as_the_base_word(query: str, expected: str) -> None:
    names = ["Barselsorlov", "Ydelse", "Cykel", "Skat", "Kommune", "Hus", "Misbrugscentret"]
    hits = SearchIndex.build(_small_org(names)).search(query)
    assert hits, query
    assert (hits[0].name, hits[0].match) == (expected, "exact")
    assert hits[0].score < 1.0  # an exact spelling of the word would rank before it


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ygedagpenge", "Sygedagpenge"),  # first letter missing
        ("xygedagpenge", "Sygedagpenge"),  # first letter wrong
        ("ysgedagpenge", "Sygedagpenge"),  # first two letters swapped
        ("ssygedagpenge", "Sygedagpenge"),  # a letter too many first
        ("sygedagpegne", "Sygedagpenge"),
        ("kontanthjlp", "Kontanthjælp"),
    ],
)
def test_typos_anywhere_in_the_word(query: str, expected: str) -> None:
    hits = SearchIndex.build(_small_org(["Sygedagpenge", "Kontanthjælp"])).search(query)
    assert [(h.name, h.match) for h in hits] == [(expected, "fuzzy")]


def test_short_words_have_no_typos() -> None:
    index = SearchIndex.build(_small_org(["Pas", "Skat"]))
    assert index.search("pus") == []
    assert [h.name for h in index.search("skta")] == ["Skat"]  # 4 letters: one typo


# --- fold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Børne- og ungeydelse", "boerne og ungeydelse"),
        ("Kontanthjælp", "kontanthjaelp"),
        ("Århus", "aarhus"),
        ("AARHUS", "aarhus"),
        ("Özdemir", "oezdemir"),
        ("Élise Müller", "elise muller"),
        ("Straße", "strasse"),
        ("  Skat,  og   forskudsopgørelse. ", "skat og forskudsopgoerelse"),
        ("32.18", "32 18"),
        ("Randers NØ", "randers noe"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_fold_has_no_upper_case_punctuation_or_danish_letters(text: str) -> None:
    folded = fold(text)
    assert folded == folded.strip()
    assert "  " not in folded
    assert not set(folded) & set("ÆØÅæøåöÖ.,-_!?")
    assert folded == folded.lower()


# --- properties on generated organisations ------------------------------------------------

FIRST = ["Anne", "Bo", "Carl", "Dorte", "Søren", "Åse", "Jens", "Mette", "Niels", "Pia", "Ida"]
LAST = ["Andersen", "Østergaard", "Aagaard", "Hansen", "Jensen", "Krog", "Dahl", "Bak", "Vang"]
WORDS = ["pas", "skat", "bolig", "ældre", "børn", "skole", "vej", "affald", "pension", "ydelse"]

names = st.builds(
    lambda first, last: f"{first} {last}", st.sampled_from(FIRST), st.sampled_from(LAST)
)


@st.composite
def organisations(draw: st.DrawFn) -> Organisation:
    n_units = draw(st.integers(1, 4))
    units: list[Unit] = []
    employees: list[Employee] = []
    tasks: list[Task] = []
    for u in range(n_units):
        emp_names = draw(st.lists(names, max_size=5))
        task_words = draw(st.lists(st.sampled_from(WORDS), max_size=3, unique=True))
        emps = [
            Employee(f"e{u}-{i}", f"u{u}", n, title="Sagsbehandler")
            for i, n in enumerate(emp_names)
        ]
        tsks = [
            Task(f"t{u}-{w}", f"u{u}", w.capitalize(), keywords=(w + "sag",)) for w in task_words
        ]
        employees += emps
        tasks += tsks
        units.append(
            Unit(
                f"u{u}",
                draw(st.sampled_from(["Jobcenter", "Borgerservice", "Familie", "Miljø og Teknik"])),
                "department",
                description=" ".join(draw(st.lists(st.sampled_from(WORDS + FIRST), max_size=6))),
                tasks=tuple(t.id for t in tsks),
                employees=tuple(e.id for e in emps),
            )
        )
    return Organisation(Municipality("X", HOURS), units, employees, tasks, [])


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(organisations(), st.data())
def test_a_name_finds_itself_first_among_exact_matches(
    org: Organisation, data: st.DataObject
) -> None:
    entities: list[tuple[str, str, str]] = (
        [("task", t.id, t.name) for t in org.tasks.values()]
        + [("unit", u.id, u.name) for u in org.units.values()]
        + [("employee", e.id, e.name) for e in org.employees.values()]
    )
    kind, id_, name = data.draw(st.sampled_from(entities))
    index = SearchIndex.build(org)
    hits = index.search(name, limit=1000)
    mine = [h for h in hits if (h.kind, h.id) == (kind, id_)]
    assert mine and mine[0].match == "exact" and mine[0].field == "name" and mine[0].score == 1.0
    pos = hits.index(mine[0])
    # only other entities with the same exact top-field score may stand before it
    assert all(h.score == 1.0 and h.match == "exact" for h in hits[:pos])
    assert all(fold(h.name) == fold(name) or h.field != "name" for h in hits[:pos])


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(organisations(), st.text(alphabet="abcdeijklmnoprstæøå ", max_size=12))
def test_ranking_follows_the_spec_order(org: Organisation, query: str) -> None:
    hits = SearchIndex.build(org).search(query, limit=1000)
    kinds = {"task": 0, "unit": 1, "employee": 2}
    matches = {"exact": 0, "prefix": 1, "fuzzy": 2}
    tiers = {"name": 1, "keywords": 1, "number": 1, "kle": 2, "title": 2}
    if len(fold(query).split()) == 1:
        keys = [(matches[h.match], tiers.get(h.field, 3), kinds[h.kind]) for h in hits]
        assert keys == sorted(keys)
    assert len({(h.kind, h.id) for h in hits}) == len(hits)
    assert all(0.0 < h.score <= 1.0 for h in hits)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(organisations(), st.data())
def test_search_is_case_and_danish_letter_insensitive(
    org: Organisation, data: st.DataObject
) -> None:
    employees = list(org.employees.values())
    if not employees:
        return
    e = data.draw(st.sampled_from(employees))
    index = SearchIndex.build(org)
    spelled = e.name.upper().replace("Ø", "OE").replace("Å", "AA")
    assert (e.id, "exact") in [(h.id, h.match) for h in index.search(spelled, limit=1000)]


# --- a synthetic municipality, for scale ---------------------------------------------------

_SYLLABLES = [
    "bo", "lig", "sko", "le", "bør", "ne", "hjælp", "pen", "sion", "ud", "dan", "nel", "se",
    "fri", "tid", "vej", "ha", "ve", "miljø", "tek", "nik", "byg", "ge", "til", "la", "del",
    "sag", "æl", "dre", "pleje", "syg", "dag", "penge", "kon", "tant", "stø", "t", "tilskud",
    "kort", "skat", "af", "fald", "vand", "park", "kul", "tur", "idræt", "sund", "hed", "ret",
]  # fmt: skip
_FIRST_NAMES = [
    *FIRST,
    "Lars", "Hanne", "Peter", "Susanne", "Michael", "Lene", "Thomas", "Birgitte", "Rasmus",
    "Camilla", "Mads", "Louise", "Henrik", "Maria", "Jakob", "Signe", "Ole", "Kirsten",
]  # fmt: skip
_TITLES = [
    "Sagsbehandler", "Socialrådgiver", "Teamleder", "Afdelingsleder", "Sekretær", "Konsulent",
    "Specialkonsulent", "Pædagog", "Sygeplejerske", "Ingeniør", "Jobkonsulent", "Chef",
]  # fmt: skip


def synthetic_org(
    units: int = 2000, employees: int = 50_000, keywords: int = 20_000, seed: int = 7
) -> Organisation:
    """A deterministic made-up municipality of the given size."""
    rnd = random.Random(seed)

    def word(lo: int = 2, hi: int = 4) -> str:
        return "".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(lo, hi)))

    surnames = [word(2, 3).capitalize() + rnd.choice(["sen", "gaard", "strup", "holm", ""])
                for _ in range(8000)]  # fmt: skip
    pool = [word() for _ in range(20_000)]
    unit_list: list[Unit] = []
    task_list: list[Task] = []
    emp_list: list[Employee] = []
    per_task = 5
    n_tasks = keywords // per_task
    task_units = [f"u{rnd.randrange(units)}" for _ in range(n_tasks)]
    emp_units = [f"u{rnd.randrange(units)}" for _ in range(employees)]
    for t in range(n_tasks):
        task_list.append(
            Task(
                f"t{t}",
                task_units[t],
                " ".join(rnd.choice(pool) for _ in range(rnd.randint(1, 3))).capitalize(),
                keywords=tuple(rnd.choice(pool) for _ in range(per_task)),
                kle=f"{rnd.randint(0, 32):02d}.{rnd.randint(0, 40):02d}",
            )
        )
    for e in range(employees):
        emp_list.append(
            Employee(
                f"e{e}",
                emp_units[e],
                f"{rnd.choice(_FIRST_NAMES)} {rnd.choice(surnames)}",
                title=rnd.choice(_TITLES),
                phone=f"+4589{e:06d}",
                extension=str(10000 + e),
                main_tasks=", ".join(rnd.choice(pool) for _ in range(rnd.randint(0, 4))),
            )
        )
    tasks_by_unit: dict[str, list[str]] = {}
    for t_ in task_list:
        tasks_by_unit.setdefault(t_.unit, []).append(t_.id)
    emps_by_unit: dict[str, list[str]] = {}
    for e_ in emp_list:
        emps_by_unit.setdefault(e_.unit, []).append(e_.id)
    for u in range(units):
        uid = f"u{u}"
        unit_list.append(
            Unit(
                uid,
                " ".join(word().capitalize() for _ in range(rnd.randint(1, 3))),
                "department",
                parent=None if u < 10 else f"u{rnd.randrange(10)}",
                description=" ".join(rnd.choice(pool) for _ in range(rnd.randint(5, 15))) + ".",
                address=f"{word().capitalize()}vej {rnd.randint(1, 99)}, "
                f"{rnd.randint(8900, 8990)} Randers",
                numbers=(Number(f"+4570{u:06d}"),),
                tasks=tuple(tasks_by_unit.get(uid, [])),
                employees=tuple(emps_by_unit.get(uid, [])),
            )
        )
    return Organisation(Municipality("Syntetisk", HOURS), unit_list, emp_list, task_list, [])


def _typo(rnd: random.Random, text: str) -> str:
    i = rnd.randrange(1, len(text))
    return text[:i] + text[i + 1 :] if rnd.random() < 0.5 else text[:i] + "x" + text[i:]


def synthetic_queries(org: Organisation, n: int = 3000, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    emps = list(org.employees.values())
    tasks = list(org.tasks.values())
    units = list(org.units.values())
    queries: list[str] = []
    for _ in range(n):
        r = rnd.random()
        e = rnd.choice(emps)
        t = rnd.choice(tasks)
        kw = fold(rnd.choice(t.keywords))
        if r < 0.2:
            queries.append(e.name)
        elif r < 0.3:
            queries.append(e.name.split()[-1])
        elif r < 0.45:
            queries.append(kw)
        elif r < 0.6:
            queries.append(kw[: rnd.randint(3, max(3, len(kw) - 1))])
        elif r < 0.7:
            queries.append(_typo(rnd, kw) if len(kw) > 4 else kw)
        elif r < 0.75:
            queries.append(kw + "en")
        elif r < 0.8:
            queries.append(f"{e.phone}")
        elif r < 0.85:
            queries.append(rnd.choice(units).name)
        elif r < 0.9:
            queries.append(f"{e.name.split()[0]} {e.title}")
        elif r < 0.95:
            queries.append(e.name[: rnd.randint(3, len(e.name))])
        else:
            queries.append(rnd.choice(_TITLES))
    return queries


def test_synthetic_org_finds_its_people() -> None:
    org = synthetic_org(units=100, employees=2000, keywords=1000)
    index = SearchIndex.build(org)
    for e in list(org.employees.values())[:200]:
        hits = index.search(e.name, limit=50)
        assert (e.id, "exact") in [(h.id, h.match) for h in hits] or all(
            h.score == 1.0 for h in hits
        )
        assert index.search(e.phone or "")[0].id == e.id
    for query in synthetic_queries(org, 300):
        index.search(query)


def benchmark(employees: int = 50_000) -> dict[str, Any]:
    """Build time and search latency on the synthetic municipality (not a test)."""
    import tracemalloc

    org = synthetic_org(employees=employees)
    t0 = time.perf_counter()
    index = SearchIndex.build(org)
    build = time.perf_counter() - t0
    del index
    tracemalloc.start()
    index = SearchIndex.build(org)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    queries = synthetic_queries(org)
    for q in queries[:200]:
        index.search(q)
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q)
        times.append(time.perf_counter() - t)
    times.sort()
    slowest = sorted(zip(times, queries, strict=True))[-5:]
    return {
        "vocabulary": len(index._vocab),
        "build_s": round(build, 2),
        "index_mb": round(current / 1e6, 1),
        "build_peak_mb": round(peak / 1e6, 1),
        "p50_ms": round(times[len(times) // 2] * 1000, 3),
        "p99_ms": round(times[int(len(times) * 0.99)] * 1000, 3),
        "max_ms": round(times[-1] * 1000, 3),
        "slowest": [(round(s * 1000, 2), q) for s, q in slowest],
    }


if __name__ == "__main__":
    print(benchmark(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000))
