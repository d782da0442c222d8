"""Hvem skal jeg ringe til? The rule of what a citizen may see (issue 17; R3.2, R3.7, R3.8).

Without a database: the acceptance fixture's organisation, with a person marked
`public: false`, mobiles, and a team under the sensitive Familie (sensitive by
inheritance), searched through the console's own index."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from omstilling import orgfile
from omstilling.domain.organisation import Organisation
from omstilling.domain.public_search import (
    MAX_QUERY,
    PHONE_HOURS_LABEL,
    PublicAnswer,
    QueryRefused,
    answer_for,
    public_search,
    read_query,
    web_address,
)
from omstilling.domain.search import SearchIndex
from tests.conftest import mini_text

TZ = ZoneInfo("Europe/Copenhagen")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
MONDAY_19 = datetime(2026, 11, 30, 19, 0, tzinfo=TZ)

# Numbers a citizen never gets, as the store keeps them (E.164).
SENSITIVE = ("+4589153101", "+4589153102")  # anne-familie, bo-familie: Familie is sensitive
INHERITED = "+4589153301"  # tove-familie, in a team under Familie
NOT_PUBLIC = "+4589152212"  # niels-jobcenter: public: false
MOBILES = ("+4520304050", "+4521314151", "+4522324252")
WITHHELD = (*SENSITIVE, INHERITED, NOT_PUBLIC, *MOBILES)


def citizen_doc() -> dict[str, Any]:
    """The acceptance fixture with what must stay inside added (as tests/web/test_public)."""
    doc: dict[str, Any] = yaml.safe_load(mini_text())
    units = {u["id"]: u for u in doc["units"]}
    people = {e["id"]: e for u in doc["units"] for e in u.get("employees", [])}
    people["niels-jobcenter"]["public"] = False
    people["mette-jobcenter"]["mobile"] = "20 30 40 50"  # public employee, but mobiles never
    people["anne-familie"]["mobile"] = "21 31 41 51"
    doc["units"].insert(
        doc["units"].index(units["familie"]) + 1,
        {
            "id": "familie-modtagelse",
            "name": "Modtagelsen",
            "kind": "team",
            "parent": "familie",
            "numbers": [{"number": "89 15 33 00", "label": "Modtagelsen"}],
            "employees": [
                {
                    "id": "tove-familie",
                    "name": "Tove Holm",
                    "title": "Socialrådgiver",
                    "phone": "89 15 33 01",
                    "mobile": "22 32 42 52",
                }
            ],
        },
    )
    return doc


@pytest.fixture(scope="module")
def org() -> Organisation:
    return orgfile.parse_data(citizen_doc()).organisation


@pytest.fixture(scope="module")
def index(org: Organisation) -> SearchIndex:
    return SearchIndex.build(org)


def spellings(e164: str) -> list[str]:
    national = e164.removeprefix("+45")
    return [e164, national, " ".join(national[i : i + 2] for i in range(0, 8, 2))]


def said(answers: list[PublicAnswer]) -> str:
    return repr([asdict(a) for a in answers])


def test_r3_8_a_sensitive_units_people_are_never_hits_nor_their_direct_numbers(
    org: Organisation, index: SearchIndex
) -> None:
    """R3.8: in Familie and the team below it, no person is a hit and no direct number is
    given, whether asked by name, title, task or the number itself; the unit's function
    number is."""
    for q in ("Anne Andersen", "Bo Eriksen", "Tove", "socialrådgiver", "89153101", "89 15 33 01"):
        found = public_search(org, index, q, MONDAY_10)
        assert all(a.kind != "employee" for a in found), (q, said(found))
        for number in (*SENSITIVE, INHERITED):
            assert not any(s in said(found) for s in spellings(number)), (q, number)
    [familie] = [a for a in public_search(org, index, "familie", MONDAY_10) if a.id == "familie"]
    assert familie.number is not None and familie.number.e164 == "+4589153000"
    underretning = public_search(org, index, "underretning", MONDAY_10)[0]
    assert underretning.kind == "task" and underretning.number is not None
    assert underretning.number.e164 == "+4589153000"  # Familie's function number
    assert answer_for(org, "employee", "anne-familie", MONDAY_10) is None
    assert answer_for(org, "employee", "tove-familie", MONDAY_10) is None


def test_r3_8_a_person_marked_public_false_is_never_a_hit(
    org: Organisation, index: SearchIndex
) -> None:
    for q in ("Niels Bak", "niels", "89152212", "sygedagpenge"):
        found = public_search(org, index, q, MONDAY_10)
        assert "niels-jobcenter" not in [a.id for a in found], q
        assert not any(s in said(found) for s in spellings(NOT_PUBLIC)), q
    assert answer_for(org, "employee", "niels-jobcenter", MONDAY_10) is None


def test_r3_7_a_public_person_gives_their_direct_number(
    org: Organisation, index: SearchIndex
) -> None:
    [mette] = [a for a in public_search(org, index, "Mette Dahl", MONDAY_10) if a.id]
    assert mette.kind == "employee" and mette.unit == "Jobcenter"
    assert mette.number is not None and mette.number.e164 == "+4589152211"
    assert mette.number.display == "89 15 22 11"


def test_r3_8_a_mobile_number_is_never_given_even_when_searched(
    org: Organisation, index: SearchIndex
) -> None:
    for mobile in MOBILES:
        for q in spellings(mobile):
            assert public_search(org, index, q, MONDAY_10) == []
    found = public_search(org, index, "Mette", MONDAY_10)
    assert found and not any(s in said(found) for m in MOBILES for s in spellings(m))


WORDS = sorted(
    {
        w
        for text in yaml.safe_dump(yaml.safe_load(mini_text())).split()
        if (w := text.strip(":,.-\"'[]{}")) and len(w) >= 2
    }
)


@lru_cache(maxsize=1)
def searched() -> tuple[Organisation, SearchIndex]:
    built = orgfile.parse_data(citizen_doc()).organisation
    return built, SearchIndex.build(built)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
def test_r3_8_no_query_ever_brings_out_a_withheld_number(words: list[str]) -> None:
    """Any words of the organisation file, in any order: no answer carries a sensitive
    unit's direct number, a non-public person's or a mobile, in any spelling."""
    org, index = searched()
    try:
        found = public_search(org, index, " ".join(words), MONDAY_10)
    except QueryRefused:
        return
    text = said(found)
    for number in WITHHELD:
        assert not any(s in text for s in spellings(number)), (words, number)


def test_r3_2_a_units_hours_are_labelled_its_phone_hours_with_open_now(
    org: Organisation, index: SearchIndex
) -> None:
    """R3.2: the hours of an answer are the unit's phone hours, labelled Telefontid, never
    the municipality's opening hours; open now says until when, closed says when next."""
    [pas] = [a for a in public_search(org, index, "pas", MONDAY_10) if a.id == "pas"]
    assert pas.hours is not None and pas.hours.label == PHONE_HOURS_LABEL == "Telefontid"
    assert pas.hours.text == "mandag 8.00-18.00, tirsdag-torsdag 8.00-16.00, fredag 8.00-14.00"
    assert pas.hours.open_now and pas.hours.status == "Åben nu, til kl. 18.00"
    assert pas.hours.opens is None
    [pas] = [a for a in public_search(org, index, "pas", MONDAY_19) if a.id == "pas"]
    assert pas.hours is not None and not pas.hours.open_now
    assert pas.hours.opens == datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
    assert pas.hours.status == "Lukket nu, åbner i morgen kl. 8.00"
    jobcenter = answer_for(org, "unit", "jobcenter", MONDAY_19)
    assert jobcenter is not None and jobcenter.hours is not None
    assert jobcenter.hours.text.startswith("mandag-onsdag og fredag 9.00-14.30")
    assert "åbningstid" not in said([jobcenter]).lower()


def test_r1_6_a_task_the_switchboard_answers_gives_its_answer_and_link(
    org: Organisation, index: SearchIndex
) -> None:
    pas = public_search(org, index, "pas", MONDAY_10)[0]
    assert pas.kind == "task" and pas.name == "Pas" and pas.unit == "Borgerservice"
    assert pas.answer.startswith("Pas bestilles ved personligt fremmøde")
    assert pas.url == "https://randers.dk"
    assert pas.number is not None and pas.number.e164 == "+4589151515"


def test_a_task_referred_elsewhere_gives_the_other_authoritys_number_and_no_hours(
    org: Organisation, index: SearchIndex
) -> None:
    ydelse = public_search(org, index, "børnecheck", MONDAY_10)[0]
    assert ydelse.id == "boerne-og-ungeydelse" and ydelse.unit == "Udbetaling Danmark"
    assert ydelse.number is not None and ydelse.number.display == "70 12 80 81"
    assert ydelse.hours is None  # not ours to tell (R3.2)
    assert ydelse.answer == "Det er Udbetaling Danmark, der tager sig af det."


def test_a_task_the_unit_handles_gives_the_units_function_number_and_no_answer(
    org: Organisation, index: SearchIndex
) -> None:
    task = public_search(org, index, "kontanthjalp", MONDAY_10)[0]  # without æ
    assert task.id == "kontanthjaelp" and task.unit == "Jobcenter"
    assert task.number is not None and task.number.e164 == "+4589152200"
    assert task.answer == "" and task.url is None


def test_internal_routing_is_never_given(org: Organisation, index: SearchIndex) -> None:
    """Misbrugscentret's transfer-only number and Jobcenter's secretary rule are the
    switchboard's, not the citizen's."""
    found = public_search(org, index, "misbrugscentret", MONDAY_10)
    assert found and not any(s in said(found) for s in spellings("+4589154050"))
    assert "sekretariatet" not in said(public_search(org, index, "jobcenter", MONDAY_10))


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * (MAX_QUERY + 1), "too_long"),
        ("0311851506", "cpr"),
        ("pas 031185-1506", "cpr"),
        ("mit cpr er 03.11.85 1506", "cpr"),
    ],
)
def test_a_query_that_is_empty_over_long_or_holds_a_cpr_number_is_refused(
    query: str, reason: str, org: Organisation, index: SearchIndex
) -> None:
    with pytest.raises(QueryRefused) as refused:
        read_query(query)
    assert refused.value.reason == reason and refused.value.field == "q"
    assert "1506" not in str(refused.value) and "1506" not in refused.value.danish
    assert refused.value.danish  # the page says it in Danish
    with pytest.raises(QueryRefused):
        public_search(org, index, query, MONDAY_10)


def test_a_query_of_exactly_the_limit_and_a_phone_number_are_searched() -> None:
    assert read_query(" " + "x" * MAX_QUERY + " ") == "x" * MAX_QUERY
    assert read_query("89 15 15 15") == "89 15 15 15"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Book tid på randers.dk.", "https://randers.dk"),
        ("Se www.borger.dk/flytning, og ring.", "https://www.borger.dk/flytning"),
        ("Skriv til https://skat.dk/a?b=1", "https://skat.dk/a?b=1"),
        ("Mail borgerservice@randers.dk", None),
        ("Ingen adresse her. Kl. 9.00.", None),
        ("", None),
    ],
)
def test_a_web_address_is_read_from_the_answer(text: str, address: str | None) -> None:
    assert web_address(text) == address


def test_r3_2_a_referral_with_its_own_phone_hours_and_address_gives_them() -> None:
    """spec/organisation-file.md: refer_to.hours (the authority's phone hours) and
    refer_to.url (where the citizen reads more); labelled Telefontid, never as ours."""
    doc = citizen_doc()
    for unit in doc["units"]:
        for task in unit.get("tasks", []):
            if task["id"] == "boerne-og-ungeydelse":
                task["refer_to"]["hours"] = "Mo-Fr 08:00-16:00; PH off"
                task["refer_to"]["url"] = "https://www.borger.dk/"
    org = orgfile.parse_data(doc).organisation
    ydelse = public_search(org, SearchIndex.build(org), "børnecheck", MONDAY_10)[0]
    assert ydelse.url == "https://www.borger.dk/"
    assert ydelse.hours is not None and ydelse.hours.label == "Telefontid"
    assert ydelse.hours.open_now and "mandag-fredag 8.00-16.00" in ydelse.hours.text
