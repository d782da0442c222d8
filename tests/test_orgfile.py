"""The organisation file: every problem named with its path, nothing accepted half-way."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from omstilling import orgfile
from omstilling.domain.organisation import (
    ROLES,
    Employee,
    Municipality,
    MunicipalityHours,
    Organisation,
    Unit,
)
from tests.conftest import mini_text


def mini() -> dict[str, Any]:
    return yaml.safe_load(mini_text())


def errors_of(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(orgfile.OrgFileError) as exc:
        orgfile.parse_data(doc)
    return exc.value.errors


def unit(doc: dict[str, Any], unit_id: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["id"] == unit_id)


def test_the_acceptance_fixture_is_valid() -> None:
    org = orgfile.parse_text(mini_text())
    assert len(org.units) == 7
    assert org.employees["mette-jobcenter"].phone == "+4589152211"
    assert org.tasks["kontanthjaelp"].unit == "jobcenter"
    assert org.units["familie"].sensitive


def test_r2_1_r2_2_units_tasks_people_and_distribution_are_read() -> None:
    org = orgfile.parse_text(mini_text())
    jobcenter = org.units["jobcenter"]
    assert jobcenter.description.startswith("Jobsøgning")
    assert jobcenter.tasks == ("kontanthjaelp", "sygedagpenge")
    assert [e.id for e in org.employees_of("jobcenter")][:2] == ["jens-jobcenter", "sara-jobcenter"]
    dist = org.tasks["kontanthjaelp"].distribution
    assert dist is not None and dist.by == "birth_day"
    assert dist.rules[0].target.employee == "mette-jobcenter"


def test_r2_4_r2_5_secretary_and_transfer_only_to_are_read() -> None:
    org = orgfile.parse_text(mini_text())
    sec = org.units["jobcenter"].secretary
    assert sec is not None and sec.employee == "sara-jobcenter" and "leader" in sec.roles
    only = org.units["misbrugscentret"].transfer_only_to
    assert only is not None and only.number == "+4589154050" and only.employee is None


def test_r3_8_sensitive_is_inherited_downward() -> None:
    doc = mini()
    doc["units"].append(
        {"id": "familie-team", "name": "Team Nord", "kind": "team", "parent": "familie"}
    )
    org = orgfile.parse_data(doc).organisation
    assert org.is_sensitive("familie-team")
    assert not org.is_sensitive("jobcenter")


def test_hours_are_inherited_and_closed_rules_appended() -> None:
    doc = mini()
    doc["units"].append({"id": "team-job", "name": "Team", "kind": "team", "parent": "jobcenter"})
    org = orgfile.parse_data(doc).organisation
    assert org.phone_expression("team-job") == (
        "Mo-We,Fr 09:00-14:30; Th 09:00-17:00; PH off; Dec 24,Dec 31 off; Jun 05 12:00-24:00 off"
    )
    # A unit without hours anywhere above it uses the municipality's.
    assert org.opening_expression("miljoe-og-teknik").startswith("Mo-Th 08:00-15:00")
    assert org.official_expression().endswith("Jun 05 12:00-24:00 off")


def test_main_number_is_inherited() -> None:
    doc = mini()
    doc["units"].append({"id": "team-job", "name": "Team", "kind": "team", "parent": "jobcenter"})
    org = orgfile.parse_data(doc).organisation
    main = org.main_number("team-job")
    assert main is not None and main.e164 == "+4589152200"


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(orgfile.OrgFileError) as exc:
        orgfile.parse_text("format: omstilling/1\nunits: [\n  - id: a\n")
    assert exc.value.errors[0].startswith("line ")
    assert "invalid YAML" in exc.value.errors[0]


def test_duplicate_yaml_keys_are_refused() -> None:
    with pytest.raises(orgfile.OrgFileError) as exc:
        orgfile.parse_text("format: omstilling/1\nformat: omstilling/1\n")
    assert "duplicate key 'format'" in exc.value.errors[0]


def test_unknown_key_is_an_error_with_a_hint() -> None:
    doc = mini()
    unit(doc, "familie")["sensitiv"] = True
    errs = errors_of(doc)
    assert any(
        e.startswith("units[4].sensitiv: unknown key 'sensitiv'") and "sensitive" in e for e in errs
    )


def test_wrong_format_value() -> None:
    doc = mini()
    doc["format"] = "omstilling/2"
    assert any(e.startswith("format: must be 'omstilling/1'") for e in errors_of(doc))


def test_all_errors_are_listed_at_once_with_paths() -> None:
    doc = mini()
    jc = unit(doc, "jobcenter")
    jc["hours"]["phone"] = "Mo-Fx 09:00-15:00"
    jc["employees"][2]["phone"] = "12"
    jc["employees"][3]["tasks"] = ["kontanthjaelp", "pasx"]
    unit(doc, "familie")["parent"] = "nowhere"
    doc["mailings"][0]["tasks"] = ["skatx"]
    errs = errors_of(doc)
    joined = "\n".join(errs)
    assert "units[3].hours.phone: invalid opening_hours expression" in joined
    assert "units[3].employees[2].phone: invalid phone number '12'" in joined
    assert "units[3].employees[3].tasks[1]: unknown task 'pasx'" in joined
    assert "units[4].parent: unknown unit 'nowhere'" in joined
    assert "mailings[0].tasks[0]: unknown task 'skatx'" in joined
    assert len(errs) == 5


def test_duplicate_ids_are_named() -> None:
    doc = mini()
    unit(doc, "familie")["employees"][1]["id"] = "anne-familie"
    doc["units"].append(copy.deepcopy(unit(doc, "misbrugscentret")))
    doc["units"][-1]["employees"] = []
    joined = "\n".join(errors_of(doc))
    assert "duplicate employee id 'anne-familie' (first at units[4].employees[0])" in joined
    assert "units[7].id: duplicate unit id 'misbrugscentret' (first at units[5])" in joined


def test_parent_cycle_is_named() -> None:
    doc = mini()
    unit(doc, "social-og-arbejdsmarked")["parent"] = "jobcenter"
    joined = "\n".join(errors_of(doc))
    assert "parent cycle:" in joined
    assert "jobcenter" in joined and "social-og-arbejdsmarked" in joined


def test_r2_2_overlapping_distribution_rules_are_an_error() -> None:
    doc = mini()
    rules = unit(doc, "jobcenter")["tasks"][0]["distribution"]["rules"]
    rules[1]["match"] = "10-31"
    errs = errors_of(doc)
    assert any(e.startswith("units[3].tasks[0].distribution: ") and "overlap" in e for e in errs)


def test_r2_2_a_gap_is_a_warning_unless_default_is_set() -> None:
    doc = mini()
    dist = unit(doc, "jobcenter")["tasks"][0]["distribution"]
    dist["rules"][1]["match"] = "20-31"
    result = orgfile.parse_data(doc)
    assert any("units[3].tasks[0].distribution" in w and "16-19" in w for w in result.warnings)
    dist["default"] = {"employee": "mette-jobcenter"}
    result = orgfile.parse_data(copy.deepcopy(doc))
    assert not any("units[3].tasks[0]" in w for w in result.warnings)


def test_distribution_target_must_exist() -> None:
    doc = mini()
    unit(doc, "jobcenter")["tasks"][0]["distribution"]["rules"][0]["employee"] = "ghost"
    assert "units[3].tasks[0].distribution.rules[0].employee: unknown employee 'ghost'" in (
        errors_of(doc)
    )


def test_transfer_only_to_needs_exactly_one_target() -> None:
    doc = mini()
    unit(doc, "misbrugscentret")["transfer_only_to"] = {
        "number": "89154050",
        "employee": "pia-misbrug",
    }
    assert any(
        e.startswith("units[5].transfer_only_to: must name exactly one") for e in errors_of(doc)
    )


def test_kle_as_a_bare_number_is_refused() -> None:
    doc = mini()
    unit(doc, "jobcenter")["tasks"][0]["kle"] = 32.18
    assert any(e.startswith("units[3].tasks[0].kle: must be quoted") for e in errors_of(doc))


def test_too_large_a_file_is_refused_before_parsing() -> None:
    with pytest.raises(orgfile.OrgFileError) as exc:
        orgfile.parse_bytes(b"#" * (orgfile.MAX_BYTES + 1))
    assert "larger than 64 MB" in exc.value.errors[0]


def test_not_a_mapping() -> None:
    with pytest.raises(orgfile.OrgFileError) as exc:
        orgfile.parse_text("- just\n- a list\n")
    assert exc.value.errors == ["must be a mapping, got a list"] or "mapping" in exc.value.errors[0]


def test_dump_parses_back_to_the_same_text() -> None:
    org = orgfile.parse_text(mini_text())
    text = orgfile.dump(org, 3)
    again = orgfile.parse(text)
    assert again.revision == 3
    assert orgfile.dump(again.organisation, 3) == text


def test_phone_numbers_in_any_spelling_are_stored_in_e164() -> None:
    doc = mini()
    emps = unit(doc, "jobcenter")["employees"]
    emps[0]["phone"] = "+45 8915 2201"
    emps[1]["phone"] = 89152202
    org = orgfile.parse_data(doc).organisation
    assert org.employees["jens-jobcenter"].phone == "+4589152201"
    assert org.employees["sara-jobcenter"].phone == "+4589152202"


def test_r2_3_a_decentral_institution_has_its_own_address_numbers_and_hours() -> None:
    org = orgfile.parse_text(mini_text())
    misbrug = org.units["misbrugscentret"]
    assert misbrug.kind == "institution" and misbrug.parent == "social-og-arbejdsmarked"
    assert misbrug.address == "Klostervej 40, 8900 Randers C"
    main = org.main_number("misbrugscentret")
    assert main is not None and main.e164 == "+4589154000"
    # Its own hours, not its directorate's 9-13.
    assert org.phone_expression("misbrugscentret").startswith("Mo-We 08:00-15:00")


# --- the reader and the writer follow the same declarations ----------------------------------

_words = st.text(alphabet="abcæøå ABC-", min_size=1, max_size=12).map(str.strip).filter(bool)
_phones = st.sampled_from([None, "+4589151234", "+4540123456"])
_employees = st.builds(
    Employee,
    id=st.just("e"),
    unit=st.just("u"),
    name=_words,
    title=st.one_of(st.just(""), _words),
    role=st.sampled_from(ROLES),
    phone=_phones,
    public=st.booleans(),
    extension=st.sampled_from([None, "12", "4711", "*21#"]),
    mobile=_phones,
    email=st.one_of(st.none(), st.just("a@b.dk")),
    login=st.one_of(st.none(), _words),
    external_id=st.one_of(st.none(), _words),
    works=st.sampled_from([None, "Mo-Th 08:00-15:30"]),
    main_tasks=st.one_of(st.just(""), _words),
)


@given(_employees)
def test_every_declared_employee_field_survives_the_file(employee: Employee) -> None:
    org = Organisation(
        Municipality("X", MunicipalityHours("24/7", "24/7", "24/7")),
        [Unit("u", "Enhed", "department", employees=("e",))],
        [employee],
        [],
        [],
    )
    again = orgfile.parse_data(orgfile.to_document(org)).organisation
    assert again.employees["e"] == employee


def test_an_edit_goes_through_the_files_rules_and_comes_back_normalised() -> None:
    org = orgfile.parse_text(mini_text())
    eid = next(iter(org.employees))
    edited = Organisation(
        org.municipality,
        list(org.units.values()),
        [
            dataclasses.replace(e, phone="89 15 22 01", title=" Rådgiver ") if e.id == eid else e
            for e in org.employees.values()
        ],
        list(org.tasks.values()),
        list(org.mailings.values()),
    )
    normalised = orgfile.validate(edited).organisation.employees[eid]
    assert (normalised.phone, normalised.title) == ("+4589152201", "Rådgiver")
    broken = Organisation(
        org.municipality,
        list(org.units.values()),
        [dataclasses.replace(e, phone="12") if e.id == eid else e for e in org.employees.values()],
        list(org.tasks.values()),
        list(org.mailings.values()),
    )
    with pytest.raises(orgfile.OrgFileError) as exc:
        orgfile.validate(broken)
    assert any(e.endswith(".phone: invalid phone number '12'") for e in exc.value.errors)


def _referral(doc: dict[str, Any]) -> dict[str, Any]:
    for u in doc["units"]:
        for t in u.get("tasks", []):
            if "refer_to" in t:
                return t["refer_to"]  # type: ignore[no-any-return]
    raise AssertionError("the fixture has a referral")


def test_a_referral_keeps_its_phone_hours_and_address_through_export_and_import() -> None:
    """spec/organisation-file.md: refer_to.hours and refer_to.url (both optional)."""
    doc = mini()
    _referral(doc).update(hours="Mo-Fr 08:00-16:00; PH off", url="https://www.borger.dk/")
    org = orgfile.parse_data(doc).organisation
    ref = next(t.refer_to for t in org.tasks.values() if t.refer_to)
    assert ref.hours == "Mo-Fr 08:00-16:00; PH off" and ref.url == "https://www.borger.dk/"
    again = orgfile.parse_text(orgfile.dump(org))
    assert next(t.refer_to for t in again.tasks.values() if t.refer_to) == ref


def test_a_referrals_bad_hours_and_address_are_named() -> None:
    doc = mini()
    _referral(doc).update(hours="Mo-Fr 25:00-26:00", url="borger.dk")
    errors = errors_of(doc)
    assert any(".refer_to.hours:" in e for e in errors), errors
    assert any(".refer_to.url: must be a web address" in e for e in errors), errors
