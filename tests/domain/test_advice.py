"""The routing advice (spec/advice.md): the acceptance scenarios, then every step and edge."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from omstilling.domain import hours
from omstilling.domain.advice import (
    Advice,
    Inquiry,
    InvalidInquiry,
    NothingFound,
    UnknownId,
    advise,
)
from omstilling.domain.advice_text import NOT_STAFFED
from omstilling.domain.organisation import (
    Distribution,
    DistributionRule,
    DistributionTarget,
    Employee,
    Hours,
    Mailing,
    Municipality,
    MunicipalityHours,
    Number,
    Organisation,
    ReferTo,
    SecretaryRule,
    Task,
    TransferOnlyTo,
    Unit,
)
from omstilling.domain.presence import CODES, Absence, Presence, UnitAway

TZ = ZoneInfo("Europe/Copenhagen")
ACCEPTANCE = Path(
    os.environ.get(
        "OMSTILLING_ACCEPTANCE", Path(__file__).resolve().parents[3] / "shared" / "acceptance"
    )
)
SCENARIOS_FILE = ACCEPTANCE / "advice-scenarios.yaml"


def local(text: str) -> datetime:
    return hours.parse_moment(text, TZ)


# --- acceptance: every scenario of advice-scenarios.yaml, in process ------------------------


def _scenarios() -> list[Any]:
    if not SCENARIOS_FILE.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason="no shared/acceptance"))]
    doc = yaml.safe_load(SCENARIOS_FILE.read_text(encoding="utf-8"))
    return [pytest.param(s, id=s["id"]) for s in doc["scenarios"]]


def _moment(value: object) -> datetime:
    if isinstance(value, datetime):
        return hours.to_local(value, TZ)
    return local(str(value))


@pytest.fixture(scope="module")
def randers() -> tuple[Organisation, Any]:
    if not SCENARIOS_FILE.exists():
        pytest.skip("no shared/acceptance")
    from omstilling.domain.search import SearchIndex
    from omstilling.orgfile import parse_text

    doc = yaml.safe_load(SCENARIOS_FILE.read_text(encoding="utf-8"))
    org = parse_text((ACCEPTANCE / doc["fixture"]).read_text(encoding="utf-8"))
    return org, SearchIndex.build(org)


def _presence(given_: dict[str, Any] | None) -> Presence:
    given_ = given_ or {}
    absences = [
        Absence(
            employee=a["employee"],
            code=a["code"],
            start=_moment(a["from"]),
            until=_moment(a["until"]) if a.get("until") else None,
            note=a.get("note", ""),
        )
        for a in given_.get("absences", [])
    ]
    aways = [
        UnitAway(
            unit=u["unit"],
            start=_moment(u["from"]),
            until=_moment(u["until"]),
            note=u.get("note", ""),
        )
        for u in given_.get("unit_away", [])
    ]
    for back in given_.get("unit_back", []):
        back_at = _moment(back["at"])
        aways = [
            replace(a, back_at=back_at)
            if a.unit == back["unit"] and a.start <= back_at < a.until
            else a
            for a in aways
        ]
    return Presence(absences, aways)


def _inquiry(ask: dict[str, Any]) -> Inquiry:
    postcode = ask.get("postcode")
    return Inquiry(
        query=ask.get("query"),
        employee=ask.get("employee"),
        unit=ask.get("unit"),
        task=ask.get("task"),
        birth_day=ask.get("birth_day"),
        surname=ask.get("surname"),
        postcode=str(postcode) if postcode is not None else None,
    )


def check_expect(answer: dict[str, Any], expect: dict[str, Any]) -> None:
    """The partial match described at the top of advice-scenarios.yaml."""
    for key, want in expect.items():
        if key in ("action", "unit", "employee", "number_withheld", "open", "next_open"):
            assert answer[key] == want, f"{key}: {answer[key]!r} != {want!r}"
        elif key == "to":
            assert answer["to"] is not None, "to is null"
            for k, v in want.items():
                assert answer["to"].get(k) == v, f"to.{k}: {answer['to'].get(k)!r} != {v!r}"
        elif key == "needs":
            assert set(answer["needs"]) == set(want)
        elif key == "rules":
            missing = [r for r in want if r not in answer["rules"]]
            assert not missing, f"rules {answer['rules']} lack {missing}"
        elif key == "say_contains":
            for text in want:
                assert text in answer["say"], f"{text!r} not in say {answer['say']!r}"
        elif key == "say_excludes":
            for text in want:
                assert text not in answer["say"], f"{text!r} in say {answer['say']!r}"
        elif key == "absence_shown_as":
            assert answer["absence"] is not None and answer["absence"]["shown_as"] == want
        elif key == "alternatives_include":
            actions = {a["action"] for a in answer["alternatives"]}
            assert set(want) <= actions, f"{actions} lack {want}"
        elif key == "notices_include":
            ids = {n["id"] for n in answer["notices"]}
            assert set(want) <= ids, f"{ids} lack {want}"
        else:  # pragma: no cover - a new expectation kind must be taught here
            raise AssertionError(f"unknown expectation {key!r}")


@pytest.mark.parametrize("scenario", _scenarios())
def test_acceptance_scenario(scenario: dict[str, Any], randers: tuple[Organisation, Any]) -> None:
    org, index = randers
    advice = advise(
        org,
        _inquiry(scenario["ask"]),
        _moment(scenario["at"]),
        _presence(scenario.get("given")),
        index,
    )
    check_expect(advice.to_json(), scenario["expect"])


# --- a small organisation for the edges --------------------------------------------------------

ANNE_PHONE = "+4589153101"
OLE_PHONE = "+4589153201"
VAGT_PHONE = "+4589157001"
BENTE_PHONE = "+4589152215"


def _unit(uid: str, name: str, kind: Any = "department", **kw: Any) -> Unit:
    return Unit(id=uid, name=name, kind=kind, **kw)


def build_org(**municipality: Any) -> Organisation:
    m = Municipality(
        name="Testby Kommune",
        hours=MunicipalityHours(
            official="Mo-Fr 09:00-16:00; PH off",
            opening="Mo-Fr 09:00-15:00; PH off",
            phone="Mo-Fr 09:00-15:00; PH off",
        ),
        switchboard="bs",
        closed="Dec 24,Dec 31 off",
        **municipality,
    )
    employees = [
        Employee("bs-ida", "bs", "Ida Holm", phone="+4589151501"),
        Employee("job-jens", "job", "Jens Krog", role="leader", phone="+4589152201"),
        Employee(
            "job-sara", "job", "Sara Lind", role="secretary", phone="+4589152202", extension="2202"
        ),
        Employee("job-mette", "job", "Mette Dahl", phone="+4589152211", extension="2211"),
        Employee("job-niels", "job", "Niels Bak", phone="+4589152212"),
        Employee("job-anders", "job", "Anders Ulv"),
        Employee("job-bente", "job", "Bente Ravn", phone=BENTE_PHONE, public=False),
        Employee("job-carl", "job", "Carl Mørk", phone="+4589152216", works="Mo-We 09:00-15:00"),
        Employee("fam-anne", "fam", "Anne Andersen", phone=ANNE_PHONE),
        Employee("fam-team-ole", "fam-team", "Ole Sand", phone=OLE_PHONE),
        Employee("misb-pia", "misb", "Pia Vang", phone="+4589154011"),
        Employee("stab-dir", "stab", "Dorte Dam", role="director", phone="+4589156001"),
        Employee("stab-sec", "stab", "Sofie Skov", role="secretary", phone="+4589156002"),
        Employee("stab-front", "stab", "Frida Fos", role="staff", phone="+4589156003"),
        Employee("krise-vagt", "krise", "Vagn Vagt", phone=VAGT_PHONE),
    ]
    tasks = [
        Task(
            "ydelse",
            "job",
            "Ydelse",
            keywords=("ydelse",),
            distribution=Distribution(
                by="birth_day",
                rules=(
                    DistributionRule("1-15", DistributionTarget(employee="job-mette")),
                    DistributionRule("16-31", DistributionTarget(employee="job-niels")),
                ),
            ),
        ),
        Task(
            "underretning",
            "fam",
            "Underretning",
            distribution=Distribution(
                by="postcode",
                rules=(DistributionRule("8900-8920", DistributionTarget(unit="fam-team")),),
            ),
        ),
        Task("pas", "bs", "Pas", handled_by_switchboard=True, answer="Book tid på testby.dk."),
        Task(
            "boernecheck", "bs", "Børnecheck", refer_to=ReferTo("Udbetaling Danmark", "+4570128081")
        ),
    ]
    by_unit: dict[str, list[str]] = {}
    for e in employees:
        by_unit.setdefault(e.unit, []).append(e.id)
    task_ids: dict[str, list[str]] = {}
    for t in tasks:
        task_ids.setdefault(t.unit, []).append(t.id)
    units = [
        _unit(
            "bs",
            "Borgerservice",
            hours=Hours(phone="Mo-Fr 08:00-16:00; PH off"),
            numbers=(Number("+4589151515"),),
        ),
        _unit("dir", "Social", "directorate", numbers=(Number("+4589152000"),)),
        _unit("fam", "Familie", parent="dir", sensitive=True),
        _unit("fam-team", "Familieteam Nord", "team", parent="fam"),
        _unit(
            "krise",
            "Krisecentret",
            "institution",
            parent="fam",
            numbers=(Number("+4589157000"),),
            transfer_only_to=TransferOnlyTo(employee="krise-vagt"),
        ),
        _unit(
            "job",
            "Jobcenter",
            parent="dir",
            numbers=(Number("+4589152200"),),
            secretary=SecretaryRule("job-sara", roles=("leader", "director")),
        ),
        _unit(
            "misb",
            "Rusmiddelcentret",
            "institution",
            parent="dir",
            numbers=(Number("+4589154000"),),
            transfer_only_to=TransferOnlyTo(number="+4589154050"),
        ),
        _unit(
            "stab",
            "Direktionen",
            "staff",
            numbers=(Number("+4589156000"),),
            secretary=SecretaryRule("stab-sec", roles=("director",)),
            transfer_only_to=TransferOnlyTo(employee="stab-front"),
        ),
    ]
    units = [
        replace(u, employees=tuple(by_unit.get(u.id, ())), tasks=tuple(task_ids.get(u.id, ())))
        for u in units
    ]
    mailings = [
        Mailing(
            "breve-job",
            "job",
            "Breve om ydelse",
            date(2026, 11, 25),
            date(2026, 12, 10),
            answer="Brevene handler om ny sats.",
        ),
        Mailing(
            "breve-pas",
            "bs",
            "Pasfornyelse",
            date(2026, 11, 1),
            date(2026, 11, 30),
            tasks=("ydelse",),
        ),
    ]
    return Organisation(m, units, employees, tasks, mailings)


ORG = build_org()
# 2026-12-01 is a Tuesday: units 9-15, the switchboard (bs) 8-16.
OPEN = local("2026-12-01T10:00")
UNITS_CLOSED = local("2026-12-01T15:30")
ALL_CLOSED = local("2026-12-01T17:00")


def ask(
    at: datetime = OPEN, presence: Presence | None = None, org: Organisation = ORG, **kw: Any
) -> Advice:
    return advise(org, Inquiry(**kw), at, presence or Presence())


def away(code: str, employee: str, start: str, until: str | None = None) -> Absence:
    return Absence(employee, code, local(start), local(until) if until else None)


# --- phase 1 -----------------------------------------------------------------------------


def test_r1_2_present_employee_is_transferred_dialling_the_extension() -> None:
    a = ask(employee="job-mette")
    assert a.action == "transfer"
    assert a.rules == ("R1.2",)
    assert a.to is not None
    assert a.to.to_json() == {
        "kind": "employee",
        "id": "job-mette",
        "number": "+4589152211",
        "display": "89 15 22 11",
        "extension": "2211",
    }
    assert a.open is True and a.next_open is None
    assert a.say == "Jeg stiller dig om til Mette Dahl."
    assert a.candidates[0].score == 1.0 and a.candidates[0].unit == "job"


def test_r1_6_task_handled_by_switchboard_ends_the_decision() -> None:
    a = ask(task="pas")
    assert (a.action, a.unit, a.employee, a.to) == ("handle_here", "bs", None, None)
    assert a.say == "Book tid på testby.dk."
    assert a.rules == ("R1.6",)


def test_r1_6_task_of_another_authority_is_referred_with_its_number() -> None:
    a = ask(task="boernecheck", at=ALL_CLOSED)
    assert a.action == "refer"
    assert a.to is not None and a.to.to_json() == {
        "kind": "number",
        "id": None,
        "number": "+4570128081",
        "display": "70 12 80 81",
    }
    assert "Udbetaling Danmark" in a.say and "70 12 80 81" in a.say


def test_r2_2_task_without_the_fact_goes_to_the_unit_and_names_the_fact() -> None:
    a = ask(task="ydelse")
    assert (a.action, a.unit, a.employee, a.needs) == ("transfer", "job", None, ("birth_day",))
    assert a.to is not None and (a.to.kind, a.to.id) == ("unit", "job")
    assert "R2.2" in a.rules


@pytest.mark.parametrize(
    ("day", "employee"), [(1, "job-mette"), (15, "job-mette"), (16, "job-niels"), (31, "job-niels")]
)
def test_r2_2_birth_day_picks_the_caseworker(day: int, employee: str) -> None:
    a = ask(task="ydelse", birth_day=day)
    assert a.employee == employee and a.needs == ()
    assert a.to is not None and a.to.id == employee
    assert a.rules == ("R2.2", "R1.2")


def test_r2_2_distribution_naming_a_team_targets_the_team() -> None:
    a = ask(task="underretning", postcode="8900")
    assert (a.action, a.unit, a.employee) == ("transfer", "fam-team", None)
    # The team has no number of its own: the nearest ancestor's, but `to` names the team.
    assert a.to is not None and a.to.to_json() == {
        "kind": "unit",
        "id": "fam-team",
        "number": "+4589152000",
        "display": "89 15 20 00",
    }


def test_r2_2_fact_matching_no_rule_leaves_the_unit_without_needs() -> None:
    a = ask(task="underretning", postcode="8950")
    assert (a.unit, a.employee, a.needs) == ("fam", None, ())
    assert ask(task="underretning").needs == ("postcode",)


def test_r2_4_calls_for_the_leader_go_to_the_secretary() -> None:
    a = ask(employee="job-jens")
    assert (a.action, a.employee, a.unit) == ("transfer_secretary", "job-jens", "job")
    assert a.to is not None and (a.to.id, a.to.extension) == ("job-sara", "2202")
    assert a.rules == ("R2.4", "R1.2")
    assert "Sara Lind" in a.say and "Jens Krog" in a.say


def test_r2_4_secretary_number_is_given_when_closed() -> None:
    a = ask(employee="job-jens", at=UNITS_CLOSED)
    assert a.action == "give_number"
    assert a.to is not None and a.to.id == "job-sara" and a.to.extension is None
    assert "89 15 22 02" in a.say and "89 15 22 01" not in a.say
    assert a.alternatives[0].to_json() == {"action": "take_message", "employee": "job-jens"}


def test_r2_4_absent_leader_is_mentioned_before_the_secretary_takes_over() -> None:
    p = Presence([away("vacation", "job-jens", "2026-11-30T08:00", "2026-12-07T08:00")])
    a = ask(employee="job-jens", presence=p)
    assert a.action == "transfer_secretary"
    assert a.absence is not None and a.absence.shown_as == "Ferie"
    assert "forventes tilbage mandag den 7. december kl. 9.00" in a.say
    assert "Ferie" not in a.say and "ferie" not in a.say


def test_r2_5_only_to_employee_overrides_the_secretary() -> None:
    a = ask(employee="stab-dir")
    assert (a.action, a.employee) == ("transfer", "stab-dir")
    assert a.to is not None and a.to.id == "stab-front"
    assert a.rules.index("R2.4") < a.rules.index("R2.5")


def test_r2_5_only_to_number_is_transferred_to_and_given_when_closed() -> None:
    a = ask(employee="misb-pia")
    assert a.action == "transfer" and a.employee == "misb-pia"
    assert a.to is not None and a.to.to_json() == {
        "kind": "number",
        "id": None,
        "number": "+4589154050",
        "display": "89 15 40 50",
    }
    closed = ask(unit="misb", at=UNITS_CLOSED)
    assert closed.action == "give_number" and closed.rules == ("R2.5", "R3.10")
    assert closed.to is not None and closed.to.display == "89 15 40 50"
    assert "89 15 40 50" in closed.say and "89 15 40 00" not in closed.say


def test_r2_5_absent_employee_behind_only_to_number_is_still_told() -> None:
    p = Presence([away("sick", "misb-pia", "2026-12-01T08:00")])
    a = ask(employee="misb-pia", presence=p)
    assert a.to is not None and a.to.kind == "number"
    assert a.say.startswith("Pia Vang er ikke til rådighed lige nu.")
    assert a.absence is not None and a.absence.shown_as == "Fraværende"


# --- phase 2: present or not ---------------------------------------------------------------


def test_r3_5_absent_employee_goes_to_the_unit_with_a_message_as_alternative() -> None:
    p = Presence([away("meeting", "job-mette", "2026-12-01T09:00", "2026-12-01T13:00")])
    a = ask(employee="job-mette", presence=p)
    assert a.action == "transfer"
    assert a.to is not None and (a.to.kind, a.to.id, a.to.display) == ("unit", "job", "89 15 22 00")
    assert a.rules == ("R3.5", "R3.6", "R1.1", "R1.5")
    assert "i dag kl. 13.00" in a.say
    assert a.absence is not None and a.absence.to_json() == {
        "shown_as": "Møde",
        "until": "2026-12-01T13:00:00+01:00",
    }
    assert [x.action for x in a.alternatives] == ["take_message"]


def test_r1_1_absence_with_unknown_return_tells_no_time() -> None:
    p = Presence([away("vacation", "job-mette", "2026-11-20T08:00")])
    a = ask(employee="job-mette", presence=p)
    assert (
        a.say
        == "Mette Dahl er ikke til rådighed lige nu. Jeg stiller dig om til en kollega i Jobcenter."
    )
    assert a.absence is not None and a.absence.until is None
    assert a.to_json()["absence"] == {"shown_as": "Ferie", "until": None}


def test_r1_1_absence_ending_while_the_unit_is_closed_names_the_next_opening() -> None:
    p = Presence([away("course", "job-mette", "2026-12-01T08:00", "2026-12-01T17:00")])
    assert "forventes tilbage i morgen kl. 9.00" in ask(employee="job-mette", presence=p).say
    p = Presence([away("off", "job-mette", "2026-12-01T08:00", "2026-12-05T00:00")])
    assert (
        "forventes tilbage mandag den 7. december kl. 9.00"
        in ask(employee="job-mette", presence=p).say
    )


@pytest.mark.parametrize("code", ["available", "home"])
def test_r1_1_reachable_codes_count_as_present(code: str) -> None:
    p = Presence([away(code, "job-mette", "2026-12-01T08:00")])
    a = ask(employee="job-mette", presence=p)
    assert a.action == "transfer" and a.to is not None and a.to.id == "job-mette"


def test_latest_started_absence_wins_when_codes_overlap() -> None:
    p = Presence(
        [
            away("vacation", "job-mette", "2026-11-30T08:00", "2026-12-04T16:00"),
            away("home", "job-mette", "2026-12-01T08:00", "2026-12-01T12:00"),
        ]
    )
    assert ask(employee="job-mette", presence=p).to.id == "job-mette"  # type: ignore[union-attr]
    assert ask(employee="job-mette", presence=p, at=local("2026-12-01T12:30")).to.kind == "unit"  # type: ignore[union-attr]


def test_employee_outside_own_working_hours_is_not_present() -> None:
    thursday = local("2026-12-03T10:00")
    a = ask(employee="job-carl", at=thursday)
    assert a.action == "transfer" and a.to is not None and a.to.kind == "unit"
    assert a.absence is None
    assert (
        "Carl Mørk er ikke til rådighed lige nu og forventes tilbage mandag den 7. december"
        in a.say
    )
    assert "R1.1" not in a.rules
    assert ask(employee="job-carl").to.id == "job-carl"  # type: ignore[union-attr]


# --- R3.4 --------------------------------------------------------------------------------------


def test_r3_4_several_available_the_first_by_name_takes_the_call() -> None:
    p = Presence(
        [
            away("available", "job-niels", "2026-12-01T14:00", "2026-12-01T16:00"),
            away("available", "job-mette", "2026-12-01T14:00", "2026-12-01T16:00"),
        ]
    )
    a = ask(unit="job", at=UNITS_CLOSED, presence=p)
    assert (a.action, a.open, a.next_open) == ("transfer", True, None)
    assert a.to is not None and a.to.id == "job-mette"
    assert "R3.4" in a.rules


def test_r3_4_employee_not_the_available_one_goes_to_the_available_colleague() -> None:
    p = Presence([away("available", "job-niels", "2026-12-01T14:00", "2026-12-01T16:00")])
    a = ask(employee="job-anders", at=UNITS_CLOSED, presence=p)
    assert a.action == "transfer" and a.to is not None and a.to.id == "job-niels"
    assert a.employee == "job-anders"
    assert [x.to_json() for x in a.alternatives] == [
        {"action": "take_message", "employee": "job-anders"}
    ]
    direct = ask(employee="job-niels", at=UNITS_CLOSED, presence=p)
    assert direct.to is not None and direct.to.id == "job-niels" and not direct.alternatives


def test_r3_4_needs_the_switchboard_open() -> None:
    p = Presence([away("available", "job-niels", "2026-12-01T14:00", "2026-12-01T18:00")])
    a = ask(unit="job", at=ALL_CLOSED, presence=p)
    assert a.action == "give_number" and a.open is False and "R3.4" not in a.rules


# --- R3.10 and R3.8 ------------------------------------------------------------------------------


def test_r3_10_closed_unit_gives_the_direct_number_and_the_hours() -> None:
    a = ask(employee="job-mette", at=UNITS_CLOSED)
    assert a.action == "give_number" and a.number_withheld is False
    assert a.to is not None and a.to.to_json() == {
        "kind": "employee",
        "id": "job-mette",
        "number": "+4589152211",
        "display": "89 15 22 11",
    }
    assert "mandag-fredag 9.00-15.00" in a.say and "i morgen kl. 9.00" in a.say
    assert a.to_json()["next_open"] == "2026-12-02T09:00:00+01:00"


def test_r3_10_closed_unit_asks_to_call_within_official_hours() -> None:
    a = ask(unit="job", at=UNITS_CLOSED)
    assert a.to is not None and a.to.display == "89 15 22 00"
    assert "kommunens åbningstid: mandag-fredag 9.00-16.00" in a.say


def test_r3_8_sensitive_unit_never_gives_direct_number() -> None:
    a = ask(employee="fam-anne", at=UNITS_CLOSED)
    assert a.action == "give_number" and a.number_withheld is True
    assert a.to is not None and (a.to.kind, a.to.id, a.to.display) == ("unit", "fam", "89 15 20 00")
    assert a.rules == ("R3.10", "R3.8")
    assert "89 15 31 01" not in a.say


def test_r3_8_team_under_a_sensitive_department_inherits_sensitivity() -> None:
    a = ask(employee="fam-team-ole", at=UNITS_CLOSED)
    assert a.number_withheld is True and "R3.8" in a.rules
    assert a.to is not None and (a.to.kind, a.to.id) == ("unit", "fam-team")
    assert "89 15 32 01" not in a.say


def test_r3_8_overrides_r2_5_only_to_employee_in_sensitive_unit_is_never_given() -> None:
    a = ask(unit="krise", at=UNITS_CLOSED)
    assert a.action == "give_number" and a.number_withheld is True
    assert a.rules == ("R2.5", "R3.10", "R3.8")
    assert a.to is not None and (a.to.kind, a.to.id, a.to.display) == (
        "unit",
        "krise",
        "89 15 70 00",
    )
    assert "89 15 70 01" not in a.say


def test_r3_10_public_false_employee_number_is_withheld_without_r3_8() -> None:
    a = ask(employee="job-bente", at=UNITS_CLOSED)
    assert a.number_withheld is True and "R3.8" not in a.rules
    assert a.to is not None and a.to.kind == "unit" and "89 15 22 15" not in a.say


def test_r3_10_employee_without_direct_number_gets_the_unit_number_not_withheld() -> None:
    a = ask(employee="job-anders", at=UNITS_CLOSED)
    assert a.action == "give_number" and a.number_withheld is False
    assert a.to is not None and (a.to.kind, a.to.display) == ("unit", "89 15 22 00")
    assert "89 15 22 00" in a.say


def test_r3_6_nothing_to_give_leaves_a_message() -> None:
    a = ask(employee="job-anders", at=UNITS_CLOSED, org=build_org_without_numbers())
    assert a.action == "take_message" and a.to is not None and a.to.number is None
    assert "R3.6" in a.rules


def test_r3_6_unit_without_any_number_takes_a_message_even_when_open() -> None:
    a = ask(unit="job", org=build_org_without_numbers())
    assert a.action == "take_message" and "R3.6" in a.rules
    assert a.say == "Jeg kan tage en besked."


def build_org_without_numbers() -> Organisation:
    org = build_org()
    units = [replace(u, numbers=()) for u in org.units.values()]
    return Organisation(
        org.municipality,
        units,
        list(org.employees.values()),
        list(org.tasks.values()),
        list(org.mailings.values()),
    )


# --- R3.9 and notices --------------------------------------------------------------------------


def test_r3_9_unit_away_takes_a_message_and_notices_it() -> None:
    p = Presence(
        unit_aways=[
            UnitAway(
                "job", local("2026-12-01T09:00"), local("2026-12-01T12:00"), note="Personalemøde"
            )
        ]
    )
    a = ask(employee="job-mette", presence=p)
    assert a.action == "take_message" and a.rules == ("R3.9",)
    assert a.to is not None and a.to.to_json() == {
        "kind": "employee",
        "id": "job-mette",
        "number": None,
        "display": None,
    }
    assert "i dag kl. 12.00" in a.say and "Personalemøde" not in a.say
    unit_notices = [n for n in a.notices if n.kind == "unit_away"]
    assert [n.id for n in unit_notices] == ["job"]
    assert "Personalemøde" in unit_notices[0].text
    assert ask(unit="job", presence=p).to.to_json()["kind"] == "unit"  # type: ignore[union-attr]


def test_r3_9_unit_back_early_ends_the_unit_away() -> None:
    p = Presence(
        unit_aways=[
            UnitAway(
                "job",
                local("2026-12-01T09:00"),
                local("2026-12-01T12:00"),
                back_at=local("2026-12-01T09:30"),
            )
        ]
    )
    a = ask(employee="job-mette", presence=p)
    assert a.action == "transfer" and not any(n.kind == "unit_away" for n in a.notices)


def test_r3_9_away_past_closing_is_back_at_the_next_opening() -> None:
    p = Presence(unit_aways=[UnitAway("job", local("2026-12-01T09:00"), local("2026-12-01T16:00"))])
    assert "forventes tilbage i morgen kl. 9.00" in ask(unit="job", presence=p).say


def test_r3_9_department_away_takes_its_team_with_it() -> None:
    p = Presence(unit_aways=[UnitAway("fam", local("2026-12-01T09:00"), local("2026-12-01T12:00"))])
    a = ask(employee="fam-team-ole", presence=p)
    assert a.action == "take_message" and [n.id for n in a.notices] == ["fam"]


def test_r2_7_active_mailing_of_the_unit_is_a_notice() -> None:
    a = ask(unit="job")
    assert [(n.kind, n.id) for n in a.notices] == [("mailing", "breve-job")]
    # R2.7: the mailing does not say the unit is staffed to answer, and the notice says so.
    assert a.notices[0].text == "Brevene handler om ny sats." + NOT_STAFFED
    assert ask(unit="job", at=local("2026-12-11T10:00")).notices == ()
    assert ask(unit="job", at=local("2026-11-24T10:00")).notices == ()


def test_r2_7_mailing_about_the_task_asked_is_a_notice_through_its_last_day() -> None:
    ids = [n.id for n in ask(task="ydelse", at=local("2026-11-30T14:00")).notices]
    assert ids == ["breve-job", "breve-pas"]
    assert [n.id for n in ask(task="ydelse").notices] == ["breve-job"]
    assert [n.id for n in ask(employee="fam-anne").notices] == []


# --- calendar ---------------------------------------------------------------------------------


def test_r3_10_weekend_is_closed_until_monday() -> None:
    a = ask(employee="job-mette", at=local("2026-12-05T10:00"))
    assert a.action == "give_number" and a.open is False
    assert a.to_json()["next_open"] == "2026-12-07T09:00:00+01:00"
    assert "mandag den 7. december kl. 9.00" in a.say


@pytest.mark.parametrize(
    ("at", "next_open"),
    [
        ("2026-12-24T10:00", "2026-12-28T09:00:00+01:00"),  # closed rule, then Christmas Days
        ("2026-12-25T10:00", "2026-12-28T09:00:00+01:00"),
        ("2026-12-31T10:00", "2027-01-04T09:00:00+01:00"),  # closed rule, New Year's Day, weekend
        ("2027-01-01T10:00", "2027-01-04T09:00:00+01:00"),
    ],
)
def test_r3_10_christmas_and_new_year_are_closed(at: str, next_open: str) -> None:
    a = ask(unit="job", at=local(at))
    assert a.action == "give_number" and a.open is False
    assert a.to_json()["next_open"] == next_open


def test_dst_missing_local_time_means_an_hour_later() -> None:
    a = advise(ORG, Inquiry(unit="job"), datetime(2026, 3, 29, 2, 30), Presence())
    assert a.to_json()["next_open"] == "2026-03-30T09:00:00+02:00"
    assert a.open is False


def test_dst_repeated_local_time_means_the_first() -> None:
    p = Presence(
        [
            Absence(
                "job-mette",
                "off",
                datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                datetime(2026, 10, 25, 1, 15, tzinfo=UTC),
            )
        ]
    )
    # 02:30 local occurs twice; the first is 00:30 UTC, inside the absence.
    a = advise(ORG, Inquiry(employee="job-mette"), datetime(2026, 10, 25, 2, 30), p)
    assert a.absence is not None
    assert a.to_json()["absence"]["until"] == "2026-10-25T02:15:00+01:00"  # type: ignore[index]
    assert a.to_json()["next_open"] == "2026-10-26T09:00:00+01:00"


def test_aware_moment_in_utc_is_read_in_local_time() -> None:
    a = advise(
        ORG, Inquiry(employee="job-mette"), datetime(2026, 12, 1, 14, 30, tzinfo=UTC), Presence()
    )
    assert a.action == "give_number"  # 15:30 local


# --- errors and shape ---------------------------------------------------------------------------


def test_unknown_ids_are_lookup_errors_naming_kind_and_id() -> None:
    with pytest.raises(UnknownId) as err:
        ask(employee="nobody")
    assert (err.value.entity, err.value.id, str(err.value)) == (
        "employee",
        "nobody",
        "unknown employee 'nobody'",
    )
    for kind in ("unit", "task"):
        with pytest.raises(UnknownId, match=f"unknown {kind} 'x'"):
            ask(**{kind: "x"})


@pytest.mark.parametrize("kw", [{}, {"query": "  "}, {"employee": "job-mette", "unit": "job"}])
def test_inquiry_needs_exactly_one_subject(kw: dict[str, Any]) -> None:
    with pytest.raises(InvalidInquiry):
        ask(**kw)


@pytest.mark.parametrize(
    "kw",
    [
        {"birth_day": 0},
        {"birth_day": 32},
        {"birth_day": True},
        {"postcode": "89x1"},
        {"postcode": "123456"},
    ],
)
def test_invalid_citizen_facts_are_refused_without_echoing_them(kw: dict[str, Any]) -> None:
    with pytest.raises(InvalidInquiry) as err:
        ask(task="ydelse", **kw)
    value = str(next(iter(kw.values())))
    assert value not in str(err.value)


def test_query_matching_nothing_raises_nothing_found() -> None:
    pytest.importorskip("omstilling.domain.search")
    with pytest.raises(NothingFound, match="nothing matches the query"):
        ask(query="qqqqxxxxzzzz")


def test_query_candidates_come_from_the_search_chosen_first() -> None:
    pytest.importorskip("omstilling.domain.search")
    a = ask(query="Mette Dahl")
    assert a.employee == "job-mette"
    assert a.candidates[0].id == "job-mette"
    scores = [c.score for c in a.candidates]
    assert scores == sorted(scores, reverse=True)


def test_to_json_has_exactly_the_spec_keys_in_order() -> None:
    keys = [
        "action",
        "unit",
        "employee",
        "to",
        "number_withheld",
        "open",
        "next_open",
        "hours",
        "absence",
        "needs",
        "say",
        "rules",
        "notices",
        "alternatives",
        "candidates",
    ]
    for a in (ask(employee="fam-anne", at=UNITS_CLOSED), ask(task="pas")):
        assert list(a.to_json()) == keys
    to = ask(employee="fam-anne", at=UNITS_CLOSED).to_json()["to"]
    assert list(to) == ["kind", "id", "number", "display"]  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------------

HIDDEN = sorted(
    {
        w
        for info in CODES.values()
        if not info.reachable
        for w in (info.label, info.label.lower(), info.shown_as, info.shown_as.lower())
    }
)
DIRECT = re.compile(r"89 15 (31 01|32 01|70 01|22 15)")


@settings(max_examples=150, deadline=None)
@given(
    code=st.sampled_from(sorted(CODES)),
    minutes=st.integers(min_value=0, max_value=14 * 24 * 60),
    length=st.one_of(st.none(), st.integers(min_value=1, max_value=5 * 24 * 60)),
    who=st.sampled_from(["fam-anne", "fam-team-ole", "job-bente", "job-mette", "krise-vagt"]),
)
def test_r1_5_r3_8_say_never_holds_a_reason_or_a_withheld_number(
    code: str, minutes: int, length: int | None, who: str
) -> None:
    at = local("2026-12-19T00:00") + timedelta(minutes=minutes)
    start = at - timedelta(hours=1)
    until = start + timedelta(minutes=length) if length else None
    a = advise(ORG, Inquiry(employee=who), at, Presence([Absence(who, code, start, until)]))
    for word in HIDDEN:
        assert word not in a.say
    assert not DIRECT.search(a.say)
    assert "overmorgen" not in a.say
