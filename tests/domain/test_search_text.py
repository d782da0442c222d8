"""The index's Danish text rules (domain/search/text.py), word by word, without an index.

The index tests (tests/test_search.py) see these through ranking; here each rule is
pinned on its own so a change to one shows which rule moved."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain.search.text import (
    NUMBER_QUERY,
    inflected_forms,
    inflection_bases,
    max_typos,
    number_key,
    skeleton,
)


@pytest.mark.parametrize(
    ("inflected", "base"),
    [
        ("jobcentret", "jobcenter"),  # -et after the dropped e of -er
        ("kontanthjaelpen", "kontanthjaelp"),  # definite -en
        ("barselsorloven", "barselsorlov"),
        ("ydelserne", "ydelse"),  # definite plural
        ("skatten", "skat"),  # doubled final consonant
        ("cyklen", "cykel"),  # dropped e of -el
        ("borgerservices", "borgerservice"),  # genitive -s
    ],
)
def test_an_inflected_word_leads_back_to_its_base(inflected: str, base: str) -> None:
    assert base in inflection_bases(inflected)


@pytest.mark.parametrize(
    ("base", "inflected"),
    [
        ("misbrugscenter", "misbrugscentret"),
        ("skat", "skatten"),
        ("ydelse", "ydelserne"),
        ("cykel", "cyklen"),
        ("bolig", "boligens"),
    ],
)
def test_a_base_word_reaches_the_inflected_form_a_field_is_written_in(
    base: str, inflected: str
) -> None:
    assert inflected in inflected_forms(base)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=14))
def test_a_word_is_never_its_own_inflection(word: str) -> None:
    assert word not in inflection_bases(word)
    assert word not in inflected_forms(word)


@pytest.mark.parametrize(
    ("typed", "skeleton_of"),
    [("kontanthjalp", "kontanthjaelp"), ("bornecheck", "boernecheck"), ("ars", "aars")],
)
def test_the_skeleton_is_the_word_typed_without_the_danish_letters(
    typed: str, skeleton_of: str
) -> None:
    assert skeleton(skeleton_of) == typed


@pytest.mark.parametrize(
    ("word", "typos"),
    [("bo", 0), ("ida", 0), ("skat", 1), ("familie", 1), ("jobcente", 2), ("kontanthjaelp", 2)],
)
def test_the_typo_budget_grows_with_the_word(word: str, typos: int) -> None:
    assert max_typos(word) == typos


@given(st.text(min_size=0, max_size=30), st.text(min_size=0, max_size=30))
def test_a_longer_word_never_gets_fewer_typos(a: str, b: str) -> None:
    short, long = sorted((a, b), key=len)
    assert 0 <= max_typos(short) <= max_typos(long) <= 2


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("+4589151500", "89151500"),
        ("004589151500", "89151500"),
        ("89 15 15 00", "89151500"),
        ("45 89 15 15 00", "89151500"),
        ("+46812345678", "46812345678"),  # a foreign number keeps its country code
        ("1234", "1234"),  # an extension as typed
    ],
)
def test_a_number_in_any_spelling_has_one_key(number: str, key: str) -> None:
    assert NUMBER_QUERY.match(number)
    assert number_key(number) == key


@given(st.from_regex(r"[2-9]\d{7}", fullmatch=True), st.sampled_from(["", "+45", "0045", "45"]))
def test_a_danish_number_keys_to_its_eight_digits_with_or_without_the_country_code(
    digits: str, prefix: str
) -> None:
    spaced = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    assert number_key(prefix + digits) == digits
    assert number_key(f"{prefix} {spaced}".strip()) == digits
