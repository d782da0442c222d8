"""Case distribution (R2.2): match parsing, Danish letter order, checks, picking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain.distribution import (
    DANISH_ALPHABET,
    MatchError,
    check,
    needed_fact,
    parse_match,
    pick,
    surname_letter,
)
from omstilling.domain.organisation import (
    Distribution,
    DistributionBy,
    DistributionRule,
    DistributionTarget,
)

ANNE = DistributionTarget(employee="anne")
BO = DistributionTarget(employee="bo")
CARL = DistributionTarget(employee="carl")
TEAM = DistributionTarget(unit="team-a")


def dist(
    by: DistributionBy,
    *rules: tuple[str, DistributionTarget],
    default: DistributionTarget | None = None,
) -> Distribution:
    return Distribution(by, tuple(DistributionRule(m, t) for m, t in rules), default)


# --- parse_match ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "text", "expected"),
    [
        ("birth_day", "1-10", ((1, 10),)),
        ("birth_day", "1-10,31", ((1, 10), (31, 31))),
        ("birth_day", " 11 - 20 , 31 ", ((11, 20), (31, 31))),
        ("birth_day", "31,1-10", ((1, 10), (31, 31))),
        ("birth_day", "1-5,6-10", ((1, 10),)),
        ("birth_day", "7", ((7, 7),)),
        ("surname", "A-G", ((1, 7),)),
        ("surname", "H-Ø", ((8, 28),)),
        ("surname", "Å", ((29, 29),)),
        ("surname", "a-k", ((1, 11),)),
        ("surname", "L-Å", ((12, 29),)),
        ("surname", "Æ,Ø", ((27, 28),)),
        ("surname", "Aa", ((29, 29),)),
        ("postcode", "8900-8930,8940", ((8900, 8930), (8940, 8940))),
        ("postcode", "1000-9999", ((1000, 9999),)),
    ],
)
def test_r2_2_parse_match(
    by: DistributionBy, text: str, expected: tuple[tuple[int, int], ...]
) -> None:
    assert parse_match(by, text) == expected


@pytest.mark.parametrize(
    ("by", "text", "fragment"),
    [
        ("birth_day", "32", "invalid birth day range '32'"),
        ("birth_day", "0-10", "invalid birth day range '0-10'"),
        ("birth_day", "10-1", "start is after end"),
        ("birth_day", "1-", "invalid birth day range '1-'"),
        ("birth_day", "1-2-3", "invalid birth day range '1-2-3'"),
        ("birth_day", "1,,5", "empty item"),
        ("birth_day", "", "empty birth day match"),
        ("birth_day", "a-b", "not a number"),
        ("birth_day", "0101801234", "invalid birth day range"),  # never a whole CPR number
        ("surname", "A-1", "invalid surname range 'A-1'"),
        ("surname", "AB", "not a letter"),
        ("surname", "Ø-A", "start is after end"),
        ("postcode", "890", "four digits"),
        ("postcode", "0999", "between 1000 and 9999"),
        ("postcode", "8900-89300", "four digits"),
    ],
)
def test_r2_2_parse_match_rejects_with_clear_message(
    by: DistributionBy, text: str, fragment: str
) -> None:
    with pytest.raises(MatchError) as exc:
        parse_match(by, text)
    assert fragment in str(exc.value)


def test_match_error_is_a_value_error() -> None:
    assert issubclass(MatchError, ValueError)


# --- surname_letter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surname", "letter"),
    [
        ("Andersen", "A"),
        ("andersen", "A"),
        ("Aagaard", "Å"),
        ("aagaard", "Å"),
        ("AAGAARD", "Å"),
        ("Åberg", "Å"),
        ("Ærø", "Æ"),
        ("Østergaard", "Ø"),
        ("Zacho", "Z"),
        ("Éclair", "E"),
        ("Özdemir", "Ø"),
        ("Ärlig", "Æ"),
        ("Üzgün", "Y"),
        ("Çelik", "C"),
        ("Ñúñez", "N"),
        ("  Hansen", "H"),
        ("'t Hooft", "T"),
        ("A", "A"),
    ],
)
def test_r2_2_surname_letter_in_danish_order(surname: str, letter: str) -> None:
    assert surname_letter(surname) == DANISH_ALPHABET.index(letter) + 1


@pytest.mark.parametrize("surname", ["", "   ", "123", "-", "Ωmega"])
def test_surname_letter_none_without_a_latin_letter(surname: str) -> None:
    assert surname_letter(surname) is None


def test_r2_2_danish_alphabet_order() -> None:
    order = [surname_letter(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ"]
    assert order == list(range(1, 30))


@given(st.sampled_from(DANISH_ALPHABET), st.sampled_from(DANISH_ALPHABET), st.text(max_size=8))
def test_r2_2_property_surname_order_follows_danish_alphabet(a: str, b: str, rest: str) -> None:
    la, lb = surname_letter(a + rest), surname_letter(b + rest)
    assert la is not None and lb is not None
    if a == "A" and rest[:1] in ("a", "A"):
        return  # "Aa..." is Å, checked below
    if b == "A" and rest[:1] in ("a", "A"):
        return
    assert (la < lb) == (DANISH_ALPHABET.index(a) < DANISH_ALPHABET.index(b))


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå", max_size=10))
def test_r2_2_property_aa_is_aa_ring(rest: str) -> None:
    assert surname_letter("Aa" + rest) == surname_letter("Å" + rest) == 29
    assert surname_letter("aA" + rest) == 29


@given(st.text(max_size=12))
def test_surname_letter_total_and_case_insensitive(text: str) -> None:
    letter = surname_letter(text)
    assert letter is None or 1 <= letter <= 29
    assert surname_letter(text.upper()) == letter or len(text.upper()) != len(text)


# --- check ------------------------------------------------------------------------------


def test_r2_2_check_clean_distribution() -> None:
    d = dist("birth_day", ("1-10", ANNE), ("11-20,31", BO), ("21-30", CARL))
    assert check(d) == ([], [])


def test_r2_2_check_overlap_is_an_error() -> None:
    d = dist("birth_day", ("1-10", ANNE), ("11-31", BO), ("5-10", CARL))
    errors, _ = check(d)
    assert errors == ["rules[0] and rules[2] overlap on 5-10"]


def test_r2_2_check_overlap_names_letters() -> None:
    d = dist("surname", ("A-K", ANNE), ("H-Å", BO))
    errors, warnings = check(d)
    assert errors == ["rules[0] and rules[1] overlap on H-K"]
    assert warnings == []


def test_r2_2_check_gap_is_a_warning() -> None:
    d = dist("birth_day", ("1-15", ANNE), ("21-31", BO))
    assert check(d) == ([], ["no rule covers 16-20"])


def test_r2_2_check_gap_allowed_with_default() -> None:
    d = dist("birth_day", ("1-15", ANNE), ("21-31", BO), default=CARL)
    assert check(d) == ([], [])


def test_r2_2_check_surname_gap_in_letters() -> None:
    d = dist("surname", ("A-G", ANNE), ("L-Ø", BO))
    assert check(d) == ([], ["no rule covers H-K,Å"])


def test_r2_2_check_postcode_gap_only_between_named_postcodes() -> None:
    d = dist("postcode", ("8900-8920", ANNE), ("8930-8990", BO))
    assert check(d) == ([], ["no rule covers 8921-8929"])
    assert check(dist("postcode", ("8900-8990", ANNE))) == ([], [])


def test_r2_2_check_invalid_match_is_an_error() -> None:
    d = dist("birth_day", ("1-15", ANNE), ("16-32", BO))
    errors, _ = check(d)
    assert errors == ["rules[1]: invalid birth day range '16-32': must be between 1 and 31"]


@given(st.lists(st.tuples(st.integers(1, 31), st.integers(1, 31)), min_size=1, max_size=6))
def test_r2_2_property_check_errors_iff_some_day_in_two_rules(
    ranges: list[tuple[int, int]],
) -> None:
    rules = [(f"{min(a, b)}-{max(a, b)}", ANNE) for a, b in ranges]
    errors, warnings = check(dist("birth_day", *rules))
    count = {day: sum(min(a, b) <= day <= max(a, b) for a, b in ranges) for day in range(1, 32)}
    assert bool(errors) == any(c > 1 for c in count.values())
    assert bool(warnings) == any(c == 0 for c in count.values())


# --- needed_fact and pick ---------------------------------------------------------------


@pytest.mark.parametrize("by", ["birth_day", "surname", "postcode"])
def test_r2_2_needed_fact(by: DistributionBy) -> None:
    assert needed_fact(dist(by, ("1000-9999" if by == "postcode" else "1", ANNE))) == by


BIRTH = dist("birth_day", ("1-10", ANNE), ("11-20,31", BO), ("21-30", CARL))
SURNAME = dist("surname", ("A-K", ANNE), ("L-Ø", BO), ("Å", TEAM))
POSTCODE = dist("postcode", ("8900-8920", ANNE), ("8930-8990", BO))


@pytest.mark.parametrize(
    ("distribution", "facts", "expected"),
    [
        (BIRTH, {"birth_day": 1}, ANNE),
        (BIRTH, {"birth_day": 10}, ANNE),
        (BIRTH, {"birth_day": 11}, BO),
        (BIRTH, {"birth_day": 31}, BO),
        (BIRTH, {"birth_day": 25}, CARL),
        (BIRTH, {}, None),
        (BIRTH, {"birth_day": 0}, None),
        (BIRTH, {"birth_day": 32}, None),
        (BIRTH, {"surname": "Hansen"}, None),
        (SURNAME, {"surname": "Hansen"}, ANNE),
        (SURNAME, {"surname": "hansen"}, ANNE),
        (SURNAME, {"surname": "Larsen"}, BO),
        (SURNAME, {"surname": "Østergaard"}, BO),
        (SURNAME, {"surname": "Aagaard"}, TEAM),
        (SURNAME, {"surname": "Åberg"}, TEAM),
        (SURNAME, {"surname": "Andersen"}, ANNE),
        (SURNAME, {"surname": "Özdemir"}, BO),
        (SURNAME, {"surname": ""}, None),
        (SURNAME, {"surname": "123"}, None),
        (POSTCODE, {"postcode": "8900"}, ANNE),
        (POSTCODE, {"postcode": " 8930 "}, BO),
        (POSTCODE, {"postcode": "8925"}, None),
        (POSTCODE, {"postcode": "89"}, None),
        (POSTCODE, {"postcode": "DK-8920"}, ANNE),
    ],
)
def test_r2_2_pick(
    distribution: Distribution, facts: dict[str, object], expected: DistributionTarget | None
) -> None:
    assert pick(distribution, **facts) == expected  # type: ignore[arg-type]


def test_r2_2_pick_falls_back_to_default() -> None:
    d = dist("postcode", ("8900-8920", ANNE), default=CARL)
    assert pick(d, postcode="8960") == CARL
    assert pick(d, postcode=None) is None  # no fact: the caller asks for it


def test_r2_2_pick_skips_unreadable_rules() -> None:
    d = dist("birth_day", ("1-40", ANNE), ("1-31", BO))
    assert pick(d, birth_day=5) == BO


@given(st.integers(1, 31))
def test_r2_2_property_complete_distribution_always_picks(day: int) -> None:
    target = pick(BIRTH, birth_day=day)
    assert target is not None
    matching = [
        r for r in BIRTH.rules if any(a <= day <= b for a, b in parse_match("birth_day", r.match))
    ]
    assert [r.target for r in matching] == [target]


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ", min_size=1))
def test_r2_2_property_every_surname_finds_someone(surname: str) -> None:
    assert pick(SURNAME, surname=surname) in (ANNE, BO, TEAM)
