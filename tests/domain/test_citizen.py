"""The citizen's facts and the one CPR guard (domain/citizen.py), without a database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling.domain.citizen import (
    CitizenFactError,
    checked_inquiry,
    inquiry_from,
    looks_like_cpr,
    read_birth_day,
    read_postcode,
    read_surname,
)
from omstilling.domain.inquiry import Inquiry, InvalidInquiry

# Every common spelling of a CPR number (issue 12 item 4: the old detector missed 8).
CPR_SPELLINGS = [
    "0311851506",
    "031185-1506",
    "031185\u20131506",  # en dash
    "031185\u20141506",  # em dash
    "031185 - 1505",
    "031185 1505",
    "03 11 85 1502",
    "03.11.85-1501",
    "031185.1501",
    "03-11-85-1506",
    "03/11/85-1506",
    "03 11 85-1506",
    "03-11-85 1506",
    "03.11.85.1501",
    "031185\u22121506",  # minus sign
    "031185\u20111506",  # non-breaking hyphen
    "03\u00a011\u00a085\u00a01506",  # non-breaking spaces
    "03 11 85 15 06",
    "290280-1234",  # 29 February in a leap year
    "651185-1506",  # a replacement number: the day plus 60
]


@pytest.mark.parametrize("spelling", CPR_SPELLINGS)
def test_every_common_spelling_of_a_cpr_number_is_caught(spelling: str) -> None:
    assert looks_like_cpr(spelling)
    assert looks_like_cpr(f"Borgerens cpr er {spelling}, ring tilbage")
    assert looks_like_cpr(f"({spelling})")


@pytest.mark.parametrize(
    ("text", "cpr"),
    [
        ("0311851234", True),
        ("cpr 031185-1234 tak", True),
        ("031185 1234", True),
        ("sag 99 03 11 85 1506", True),  # found after a candidate that is not a date
        ("Ring på 89 15 22 11", False),
        ("+4589152211", False),
        ("+45 86 15 15 15", False),
        ("86151515", False),
        ("Ring på 86 15 15 15 eller 86 15 15 16", False),
        ("sag 12345", False),
        ("031185123456", False),  # twelve digits: part of a longer number
        ("3311851234", False),  # day 33
        ("0313851234", False),  # month 13
        ("3011851234", True),  # 30 November is a date ...
        ("3102851234", False),  # ... 31 February is not
        ("2902811234", False),  # 29 February 1981 was no day
        ("sagsnr. 2026-0001234", False),
        ("+46 8 123 456 78", False),
        ("08-123 456 78", False),
        ("kl. 10.15-11.30", False),
        ("", False),
    ],
)
def test_cpr_guard_against_numbers_that_are_not_cpr(text: str, cpr: bool) -> None:
    assert looks_like_cpr(text) is cpr


_SEPARATORS = ["", "-", " ", " - ", "\u2013", "\u2014", ".", "/", "  "]


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    serial=st.integers(0, 9999),
    seps=st.lists(st.sampled_from(_SEPARATORS), min_size=3, max_size=3),
    before=st.text(alphabet="abc ,:(æøå", max_size=12),
    after=st.text(alphabet="abc ,:)æøå.", max_size=12),
)
def test_any_valid_date_and_four_digits_in_any_spelling_anywhere_is_caught(
    day: date, serial: int, seps: list[str], before: str, after: str
) -> None:
    dd, mm, yy = f"{day.day:02d}", f"{day.month:02d}", f"{day.year % 100:02d}"
    number = f"{dd}{seps[0]}{mm}{seps[1]}{yy}{seps[2]}{serial:04d}"
    assert looks_like_cpr(f"{before}{number}{after}")


@given(number=st.integers(10_000_000, 99_999_999), spaced=st.booleans())
def test_a_danish_phone_number_is_not_a_cpr_number(number: int, spaced: bool) -> None:
    digits = str(number)
    text = " ".join(digits[i : i + 2] for i in range(0, 8, 2)) if spaced else digits
    assert not looks_like_cpr(text)
    assert not looks_like_cpr(f"+45 {text}")


@pytest.mark.parametrize(
    ("value", "day"),
    [(None, None), ("", None), ("12", 12), (" 7 ", 7), (31, 31), (1, 1), ("01", 1)],
)
def test_birth_day_reads_the_day_of_the_month(value: object, day: int | None) -> None:
    assert read_birth_day(value) == day


@pytest.mark.parametrize(
    ("value", "cpr_text"),
    [
        ("031185-1234", True),
        ("03.11.85-1234", True),
        ("03 11 85 1234", True),
        ("0311851234", True),
        (311851234, True),
        ("123", True),
        ("0", False),
        ("32", False),
        (0, False),
        (32, False),
        (True, False),
        (12.0, False),
        ("tolv", False),
        ("-5", False),
    ],
)
def test_birth_day_refuses_without_echoing(value: object, cpr_text: bool) -> None:
    with pytest.raises(CitizenFactError) as caught:
        read_birth_day(value)
    assert caught.value.field == "birth_day"
    assert ("never a whole CPR number" in str(caught.value)) is cpr_text
    assert str(value) not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "postcode"),
    [(None, None), ("  ", None), ("8900", "8900"), (" 8900 ", "8900"), ("DK-8920", "8920")],
)
def test_postcode_reads_four_digits(value: str | None, postcode: str | None) -> None:
    assert read_postcode(value) == postcode


@pytest.mark.parametrize("value", ["890", "89001", "89x1", "123456", "DK-", "８９００"])
def test_postcode_refuses_without_echoing(value: str) -> None:
    with pytest.raises(CitizenFactError) as caught:
        read_postcode(value)
    assert caught.value.field == "postcode" and value not in str(caught.value)


@pytest.mark.parametrize(("value", "surname"), [(None, None), (" ", None), (" Ås ", "Ås")])
def test_surname_reads_a_name(value: str | None, surname: str | None) -> None:
    assert read_surname(value) == surname


@pytest.mark.parametrize("value", ["1234", "031185-1234", "x" * 101, "--"])
def test_surname_refuses_without_echoing(value: str) -> None:
    with pytest.raises(CitizenFactError) as caught:
        read_surname(value)
    assert caught.value.field == "surname" and value not in str(caught.value)


def test_inquiry_from_raw_inputs_reads_every_fact_and_blanks_as_absent() -> None:
    inquiry = inquiry_from(
        query=" ", task=" ydelse ", birth_day="12", surname=" Hansen", postcode="DK-8900"
    )
    assert inquiry == Inquiry(
        task="ydelse", birth_day=12, surname="Hansen", postcode="8900", query=None
    )


def test_an_empty_query_alone_asks_for_something_to_search_for() -> None:
    with pytest.raises(InvalidInquiry, match="search for"):
        inquiry_from(query="   ")


@pytest.mark.parametrize(
    "kw",
    [{"birth_day": "031185-1234"}, {"postcode": "8x00"}, {"surname": "42"}],
)
def test_a_wrong_fact_is_one_error_type_which_is_an_invalid_inquiry(kw: dict[str, Any]) -> None:
    with pytest.raises(CitizenFactError) as caught:
        inquiry_from(task="ydelse", **kw)
    assert isinstance(caught.value, InvalidInquiry)
    assert caught.value.field == next(iter(kw))


@given(
    birth_day=st.one_of(st.none(), st.integers(1, 31)),
    postcode=st.one_of(st.none(), st.integers(1000, 9999).map(str)),
    surname=st.one_of(st.none(), st.sampled_from(["Hansen", "Ølgaard", "de la Cour"])),
)
def test_a_checked_inquiry_checks_again_to_the_same(
    birth_day: int | None, postcode: str | None, surname: str | None
) -> None:
    once = inquiry_from(unit="u", birth_day=birth_day, postcode=postcode, surname=surname)
    assert checked_inquiry(once) == once


def test_date_boundaries_of_the_guard_follow_the_calendar() -> None:
    # Every day of a leap year is caught; the day after the last of each month is not.
    day = date(2024, 1, 1)
    while day.year == 2024:
        assert looks_like_cpr(f"{day:%d%m%y}-1234")
        following = day + timedelta(days=1)
        if following.month != day.month and day.day < 31:
            assert not looks_like_cpr(f"{day.day + 1:02d}{day:%m%y}-1234")
        day = following
