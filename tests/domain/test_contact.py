"""The contact block on a letter (R3.7, R3.8, R3.2), as a pure rule on the mini municipality."""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omstilling import orgfile
from omstilling.domain.contact import employee_contact, task_contact
from omstilling.domain.errors import NotFound
from omstilling.domain.inquiry import Inquiry
from omstilling.domain.organisation import Organisation
from tests.conftest import mini_text

AT = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
OFFICIAL = "mandag 9.00-18.00, tirsdag-torsdag 9.00-16.00, fredag 9.00-14.00"


@functools.cache
def _mini() -> Organisation:
    return orgfile.parse_text(mini_text())


@pytest.fixture(scope="module")
def org() -> Organisation:
    return _mini()


def _task(
    task: str, birth_day: int | None = None, surname: str | None = None, postcode: str | None = None
) -> Inquiry:
    return Inquiry(task=task, birth_day=birth_day, surname=surname, postcode=postcode)


def test_r3_7_an_employee_gets_their_direct_number(org: Organisation) -> None:
    c = employee_contact(org, "mette-jobcenter", AT)
    assert (c.name, c.unit) == ("Mette Dahl", "Jobcenter")
    assert c.number is not None
    assert (c.number.e164, c.number.display) == ("+4589152211", "89 15 22 11")
    assert c.text == f"Mette Dahl\nJobcenter\nTelefon 89 15 22 11\nÅbningstid: {OFFICIAL}"
    assert "R3.7" in c.rules


def test_r3_2_only_the_official_hours_stand_on_the_letter(org: Organisation) -> None:
    # Jobcenter's own phone hours (to 14.30, Thursday to 17.00) are never the letter's.
    c = employee_contact(org, "niels-jobcenter", AT)
    assert c.hours == OFFICIAL and "14.30" not in c.text and "R3.2" in c.rules


def test_r3_8_sensitive_unit_gives_the_units_number_not_the_direct_one(org: Organisation) -> None:
    c = employee_contact(org, "anne-familie", AT)
    assert c.number is not None and c.number.e164 == "+4589153000"
    assert "31 01" not in c.text and "R3.8" in c.rules


def test_r3_8_a_person_who_is_not_public_gets_the_units_number(org: Organisation) -> None:
    people = [
        dataclasses.replace(e, public=False) if e.id == "kim-teknik" else e
        for e in org.employees.values()
    ]
    private = Organisation(
        org.municipality, list(org.units.values()), people, list(org.tasks.values()), []
    )
    c = employee_contact(private, "kim-teknik", AT)
    assert c.number is not None and c.number.display == "89 15 50 00" and "R3.8" in c.rules


def test_r3_7_a_task_applies_its_case_distribution(org: Organisation) -> None:
    assert task_contact(org, "kontanthjaelp", _task("kontanthjaelp", birth_day=20), AT).name == (
        "Niels Bak"
    )
    c = task_contact(org, "byggesag", _task("byggesag", postcode="8900"), AT)
    assert c.name == "Kim Juhl" and c.number is not None and c.number.display == "89 15 51 01"
    # In a sensitive unit the distribution names the caseworker, never their number (R3.8).
    c = task_contact(org, "underretning", _task("underretning", surname="Lund"), AT)
    assert c.name == "Bo Eriksen" and c.number is not None and c.number.display == "89 15 30 00"


def test_r3_7_a_task_without_the_fact_gives_the_unit_and_says_what_it_needs(
    org: Organisation,
) -> None:
    c = task_contact(org, "kontanthjaelp", _task("kontanthjaelp"), AT)
    assert (c.name, c.needs) == ("Jobcenter", ("birth_day",))
    assert c.number is not None and c.number.display == "89 15 22 00"
    assert c.text.startswith("Jobcenter\nTelefon 89 15 22 00\n")


def test_r3_7_someone_who_left_or_never_was_is_not_found(org: Organisation) -> None:
    with pytest.raises(NotFound):
        employee_contact(org, "ingen", AT)
    with pytest.raises(NotFound):
        task_contact(org, "ingen", _task("ingen"), AT)


@given(day=st.integers(1, 31))
def test_r3_8_no_birth_day_ever_gives_a_sensitive_direct_number(day: int) -> None:
    org = _mini()
    for task in org.tasks:
        c = task_contact(org, task, _task(task, birth_day=day, surname="Å", postcode="8950"), AT)
        for person in org.employees.values():
            if person.phone and (org.is_sensitive(person.unit) or not person.public):
                assert c.number is None or c.number.e164 != person.phone
