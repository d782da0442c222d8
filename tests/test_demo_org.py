"""The demo municipality (Randers) and the Copenhagen-size benchmark generator.

Both must produce organisation files (format `omstilling/1`) that are valid in every
respect: deterministic, hours that parse, valid Danish numbers, unique slug ids and
references that resolve.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import opening_hours
import phonenumbers
import pytest
import yaml

from omstilling import orgfile
from omstilling.demo import names as demo_names
from omstilling.demo import org as demo_org
from omstilling.demo import org_data
from omstilling.demo.org import demo_organisation, demo_yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "randers.yaml"
GENERATOR = ROOT / "benchmarks" / "generate_org.py"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_org", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return demo_organisation()


@pytest.fixture(scope="module")
def small_generated_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("gen") / "small.yaml"
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--units",
            "20",
            "--employees",
            "300",
            "--keywords",
            "400",
            "-o",
            str(out),
            "--seed",
            "3",
        ],
        check=True,
        capture_output=True,
    )
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def small_generated(small_generated_text: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(small_generated_text)
    return doc


# --- helpers over a document ---------------------------------------------------------


def units_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in doc["units"]}


def employees_of(doc: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    return {e["id"]: (e, u["id"]) for u in doc["units"] for e in u.get("employees", [])}


def tasks_of(doc: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    return {t["id"]: (t, u["id"]) for u in doc["units"] for t in u.get("tasks", [])}


def hours_expressions(doc: dict[str, Any]) -> list[tuple[str, str]]:
    m = doc["municipality"]
    out = [(f"municipality.hours.{k}", v) for k, v in m["hours"].items()]
    out.append(("municipality.closed", m["closed"]))
    for u in doc["units"]:
        for k, v in u.get("hours", {}).items():
            out.append((f"{u['id']}.hours.{k}", v))
        for e in u.get("employees", []):
            if "works" in e:
                out.append((f"{e['id']}.works", e["works"]))
    return out


def numbers(doc: dict[str, Any]) -> list[tuple[str, str]]:
    out = [("municipality.main_number", doc["municipality"]["main_number"])]
    for u in doc["units"]:
        out += [(f"{u['id']}.numbers", n["number"]) for n in u.get("numbers", [])]
        if "number" in u.get("transfer_only_to", {}):
            out.append((f"{u['id']}.transfer_only_to", u["transfer_only_to"]["number"]))
        for t in u.get("tasks", []):
            if "refer_to" in t:
                out.append((f"{t['id']}.refer_to", t["refer_to"]["number"]))
        for e in u.get("employees", []):
            out += [(f"{e['id']}.{k}", e[k]) for k in ("phone", "mobile") if k in e]
    return out


def check_valid(doc: dict[str, Any]) -> None:
    """Everything the organisation-file spec requires, checked without the parser."""
    assert doc["format"] == "omstilling/1"
    for path, expr in hours_expressions(doc):
        try:
            opening_hours.OpeningHours(expr)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{path}: invalid opening_hours {expr!r}: {exc}")
    for path, number in numbers(doc):
        parsed = phonenumbers.parse(number, "DK")
        assert parsed.country_code == 45, path
        assert phonenumbers.is_valid_number(parsed), f"{path}: {number}"

    ids = {
        "unit": [u["id"] for u in doc["units"]],
        "employee": [e["id"] for u in doc["units"] for e in u.get("employees", [])],
        "task": [t["id"] for u in doc["units"] for t in u.get("tasks", [])],
        "mailing": [m["id"] for m in doc.get("mailings", [])],
    }
    for kind, values in ids.items():
        dupes = [v for v, n in Counter(values).items() if n > 1]
        assert not dupes, f"duplicate {kind} ids: {dupes[:5]}"
        bad = [v for v in values if not SLUG.match(v)]
        assert not bad, f"{kind} ids not slugs: {bad[:5]}"

    units, employees, tasks = units_of(doc), employees_of(doc), tasks_of(doc)
    assert doc["municipality"]["switchboard"] in units
    queues: list[str] = []
    for u in doc["units"]:
        uid = u["id"]
        assert u["kind"] in {"directorate", "department", "team", "staff", "institution"}
        if "parent" in u:
            assert u["parent"] in units, f"{uid}: parent {u['parent']}"
        for key in ("owner",):
            if key in u:
                assert u[key] in employees, f"{uid}.{key}"
        if "secretary" in u:
            assert u["secretary"]["employee"] in employees
            assert employees[u["secretary"]["employee"]][0]["role"] == "secretary"
        if "transfer_only_to" in u:
            tot = u["transfer_only_to"]
            assert len(tot) == 1
            if "employee" in tot:
                assert tot["employee"] in employees
        queues += u.get("queues", [])
        for e in u.get("employees", []):
            assert e["role"] in {"caseworker", "leader", "director", "secretary", "staff"}
            for t in e.get("tasks", []):
                assert t in tasks, f"{e['id']}: unknown task {t}"
        for t in u.get("tasks", []):
            assert t["keywords"], t["id"]
            dist = t.get("distribution")
            if dist:
                targets = list(dist["rules"]) + ([dist["default"]] if "default" in dist else [])
                for target in targets:
                    keys = {"employee", "unit"} & set(target)
                    assert len(keys) == 1, f"{t['id']}: {target}"
                    if "employee" in target:
                        assert target["employee"] in employees, f"{t['id']}: {target}"
                    else:
                        assert units[target["unit"]]["kind"] == "team", f"{t['id']}: {target}"
    assert len(queues) == len(set(queues)), "a queue belongs to one unit"
    for m in doc.get("mailings", []):
        assert m["unit"] in units
        assert all(t in tasks for t in m["tasks"])
        assert m["sent"] <= m["calls_expected_until"]

    # No cycles: every unit reaches the top.
    for uid in units:
        seen = set()
        cur: str | None = uid
        while cur is not None:
            assert cur not in seen, f"parent cycle at {uid}"
            seen.add(cur)
            cur = units[cur].get("parent")

    # Direct numbers are unique across the organisation.
    phones = [e["phone"] for u in doc["units"] for e in u.get("employees", [])]
    normalised = [
        phonenumbers.format_number(phonenumbers.parse(p, "DK"), phonenumbers.PhoneNumberFormat.E164)
        for p in phones
    ]
    assert len(normalised) == len(set(normalised)), "direct numbers are unique"


def expand_days(match: str) -> list[int]:
    out: list[int] = []
    for part in match.split(","):
        a, _, b = part.partition("-")
        out += range(int(a), int(b or a) + 1)
    return out


def expand_letters(match: str) -> list[str]:
    alphabet = org_data.DANISH_ALPHABET
    out: list[str] = []
    for part in match.split(","):
        a, _, b = part.partition("-")
        out += alphabet[alphabet.index(a) : alphabet.index(b or a) + 1]
    return out


def check_distributions(doc: dict[str, Any]) -> Counter[str]:
    """No overlaps; gaps only where a default is set. Returns the kinds seen."""
    kinds: Counter[str] = Counter()
    for t, _ in tasks_of(doc).values():
        dist = t.get("distribution")
        if not dist:
            continue
        kinds[dist["by"]] += 1
        expand: Callable[[str], list[Any]] = (
            expand_letters if dist["by"] == "surname" else expand_days
        )
        covered = [v for r in dist["rules"] for v in expand(r["match"])]
        assert len(covered) == len(set(covered)), f"{t['id']}: overlapping rules"
        universe: set[Any] = set()
        if dist["by"] == "birth_day":
            universe = set(range(1, 32))
        elif dist["by"] == "surname":
            universe = set(org_data.DANISH_ALPHABET)
        if dist["by"] == "postcode" or not universe <= set(covered):
            assert "default" in dist, f"{t['id']}: gap without default"
    return kinds


# --- the demo ------------------------------------------------------------------------


def test_demo_is_deterministic() -> None:
    assert demo_organisation() == demo_organisation()
    assert demo_yaml() == demo_yaml()


def test_example_file_is_the_demo() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == demo_yaml()


def test_demo_yaml_round_trips(demo: dict[str, Any]) -> None:
    assert yaml.safe_load(demo_yaml()) == demo


def test_demo_states_the_assumed_friday_close() -> None:
    head = demo_yaml().split("format:", 1)[0]
    assert head.startswith("#")
    assert "Friday 14.00" in head
    assert "Friday" in (demo_org.__doc__ or "") and "14.00" in (demo_org.__doc__ or "")


def test_demo_is_valid(demo: dict[str, Any]) -> None:
    check_valid(demo)


def test_demo_has_all_three_distribution_kinds(demo: dict[str, Any]) -> None:
    kinds = check_distributions(demo)
    assert set(kinds) == {"birth_day", "surname", "postcode"}


@pytest.mark.parametrize(
    ("unit", "opening", "phone"),
    [
        (
            "borgerservice",
            "Mo 09:00-18:00; Tu-Th 09:00-16:00; Fr 09:00-14:00; PH off",
            "Mo 08:00-18:00; Tu-Th 08:00-16:00; Fr 08:00-14:00; PH off",
        ),
        ("social-og-arbejdsmarked", "Mo-Fr 09:00-13:00; PH off", None),
        ("jobcenter", "Mo-We,Fr 09:00-14:30; Th 09:00-17:00; PH off", None),
        ("familie", "Mo 09:00-17:00; Tu-Th 09:00-15:00; Fr 09:00-14:00; PH off", None),
        (
            "betalingskontor-og-adressekontrol",
            "Mo 09:00-17:00; Tu-Th 09:00-15:00; Fr 09:00-14:00; PH off",
            None,
        ),
        ("daginstitution-og-foraeldrebetaling", "Mo-Th 09:00-15:00; Fr 09:00-13:00; PH off", None),
        ("kontanthjaelp-og-sygedagpenge", "Mo-Th 09:00-15:00; Fr 09:00-14:00; PH off", None),
        ("visitationen", "Mo-Th 08:00-15:00; Fr 08:00-14:00; PH off", None),
        ("miljoe-og-teknik", "Mo-Th 08:00-15:00; Fr 08:00-14:00; PH off", None),
        ("ppr", "Mo 09:00-17:00; Tu-Fr 09:00-15:00; PH off", None),
        ("misbrugscentret", "Mo-We 08:00-15:00; Th 08:00-17:00; Fr 08:00-12:00; PH off", None),
        ("boern-og-skole", "Mo-Th 08:00-15:00; Fr 08:00-14:00; PH off", None),
        ("kultur-og-borgerservice", "Mo-Th 08:00-15:00; Fr 08:00-14:00; PH off", None),
        ("kirkegaardskontoret", "Mo-Th 08:00-15:00; Fr 08:00-13:30; PH off", None),
    ],
)
def test_r3_3_demo_has_the_policys_deviating_hours(
    demo: dict[str, Any], unit: str, opening: str, phone: str | None
) -> None:
    hours = units_of(demo)[unit]["hours"]
    assert hours["opening"] == opening
    assert hours["phone"] == (phone or opening)


def test_demo_municipality_hours(demo: dict[str, Any]) -> None:
    m = demo["municipality"]
    assert m["switchboard"] == "borgerservice"
    assert m["hours"]["official"] == units_of(demo)["borgerservice"]["hours"]["opening"]
    assert m["hours"]["opening"] == "Mo-Th 09:00-15:00; Fr 09:00-14:00; PH off"
    assert m["hours"]["phone"] == m["hours"]["opening"]
    assert m["closed"] == "Dec 24,Dec 31 off; Jun 05 12:00-24:00 off"


def test_r3_3_policy_addresses(demo: dict[str, Any]) -> None:
    units = units_of(demo)
    assert units["jobcenter"]["address"].startswith("Regimentvej 10")
    assert units["visitationen"]["address"].startswith("Regimentvej 1,")
    assert units["ppr"]["address"].startswith("Vestergade 34")
    assert units["misbrugscentret"]["address"].startswith("Klostervej 40")
    assert "Nordre Kirkegård" in units["kirkegaardskontoret"]["address"]


def test_demo_keeps_the_ids_of_the_mini_file(demo: dict[str, Any]) -> None:
    units, tasks, employees = units_of(demo), tasks_of(demo), employees_of(demo)
    for uid in (
        "borgerservice",
        "jobcenter",
        "familie",
        "misbrugscentret",
        "kultur-og-borgerservice",
        "social-og-arbejdsmarked",
        "miljoe-og-teknik",
    ):
        assert uid in units
    for tid in (
        "kontanthjaelp",
        "sygedagpenge",
        "skat",
        "pas",
        "underretning",
        "byggesag",
        "boerne-og-ungeydelse",
    ):
        assert tid in tasks
    for eid in (
        "jens-jobcenter",
        "sara-jobcenter",
        "mette-jobcenter",
        "niels-jobcenter",
        "anne-familie",
        "bo-familie",
        "pia-misbrug",
        "kim-teknik",
        "lone-teknik",
        "ida-borgerservice",
    ):
        assert eid in employees
    assert demo["mailings"][0]["id"] == "skattekort-2027"


def test_demo_tree_shape(demo: dict[str, Any]) -> None:
    units = units_of(demo)
    kinds = Counter(u["kind"] for u in demo["units"])
    assert kinds["directorate"] >= 5
    assert kinds["department"] >= 15
    assert kinds["team"] >= 8
    assert kinds["staff"] >= 2
    assert kinds["institution"] >= 6
    for u in demo["units"]:
        assert u["employees"], f"{u['id']} has people"
        roles = [e["role"] for e in u["employees"]]
        if u["kind"] == "directorate":
            assert "director" in roles, u["id"]
        else:
            assert "leader" in roles or "director" in roles, u["id"]
        if u["kind"] == "team":
            assert units[u["parent"]]["kind"] in {"department", "team"}
        if u["kind"] == "institution":
            assert u["address"] and u["numbers"] and u["hours"], u["id"]
    names = [u["name"] for u in demo["units"]]
    assert any(n.endswith("skolen") for n in names)
    assert any("Bibliotek" in n for n in names)
    assert any(n.startswith(("Børnehuset", "Vuggestuen")) for n in names)
    assert {"sundhed-og-aeldre", "boern-og-skole"} <= set(units)


def test_demo_people(demo: dict[str, Any]) -> None:
    employees = [e for u in demo["units"] for e in u["employees"]]
    assert 250 <= len(employees) <= 350
    for e in employees:
        first, *_rest, last = e["name"].split()
        assert first in org_data.FIRST_NAMES
        assert last in org_data.SURNAMES
        assert e["phone"].startswith("89 15 ")
        assert e["email"].endswith("@randers.dk")
        assert e["extension"] == e["phone"].replace(" ", "")[-4:]
        assert e["title"]
    assert sum(1 for e in employees if "mobile" in e) >= 30
    assert sum(1 for e in employees if e.get("public") is False) >= 5
    assert len({e["email"] for e in employees}) == len(employees)
    titles = {e["title"] for e in employees}
    for t in (
        "Socialrådgiver",
        "Sagsbehandler",
        "Direktør",
        "Jobkonsulent",
        "Byggesagsbehandler",
        "Pædagogisk konsulent",
    ):
        assert t in titles


def test_demo_keywords_and_kle(demo: dict[str, Any]) -> None:
    tasks = tasks_of(demo)
    keywords = {k for t, _ in tasks.values() for k in t["keywords"]}
    for word in (
        "kontanthjælp",
        "sygedagpenge",
        "byggetilladelse",
        "carport",
        "pas",
        "kørekort",
        "sundhedskort",
        "flytning",
        "skattekort",
        "børnecheck",
        "pladsanvisning",
        "daginstitution",
        "hjemmehjælp",
        "visitation",
        "barselsorlov",
        "barselsdagpenge",
        "affald",
        "storskrald",
        "parkering",
        "skolestart",
        "PPR",
        "misbrug",
        "begravelse",
        "gravsted",
    ):
        assert word in keywords, word
    kle = {t.get("kle") for t, _ in tasks.values()}
    assert {"32.18", "02.34", "27.24", "29.09", "28.03", "17.02"} <= kle
    assert all(re.fullmatch(r"\d\d\.\d\d(\.\d\d)?", k) for k in kle if k)


def test_r2_2_demo_distributions(demo: dict[str, Any]) -> None:
    tasks, units, employees = tasks_of(demo), units_of(demo), employees_of(demo)
    kth = tasks["kontanthjaelp"][0]["distribution"]
    assert kth["by"] == "birth_day"
    assert [r["match"] for r in kth["rules"]] == ["1-15", "16-23", "24-31"]
    team_targets = [r["unit"] for r in kth["rules"] if "unit" in r]
    assert team_targets and units[team_targets[0]]["kind"] == "team"
    fam = tasks["underretning"][0]["distribution"]
    assert fam["by"] == "surname"
    assert all(employees[r["employee"]][1] == "familie" for r in fam["rules"])
    byg = tasks["byggesag"][0]["distribution"]
    assert byg["by"] == "postcode"
    assert "default" in byg
    assert all(
        int(p) in range(8870, 8991) for r in byg["rules"] for p in re.split("[-,]", r["match"])
    )
    # Every named caseworker actually carries the task.
    for tid in ("kontanthjaelp", "underretning", "byggesag"):
        dist = tasks[tid][0]["distribution"]
        for r in dist["rules"]:
            if "employee" in r:
                assert tid in employees[r["employee"]][0]["tasks"]


def test_r3_8_familie_is_sensitive_with_a_team(demo: dict[str, Any]) -> None:
    units = units_of(demo)
    assert units["familie"]["sensitive"] is True
    assert any(u.get("parent") == "familie" and u["kind"] == "team" for u in demo["units"])
    assert sum(1 for u in demo["units"] if u.get("sensitive")) == 1


def test_r2_4_jobcenter_secretary(demo: dict[str, Any]) -> None:
    sec = units_of(demo)["jobcenter"]["secretary"]
    assert sec["employee"] == "sara-jobcenter"
    assert set(sec["roles"]) == {"leader", "director"}
    assert sec["when"]


def test_r2_5_misbrugscentret_transfer_only_to(demo: dict[str, Any]) -> None:
    assert units_of(demo)["misbrugscentret"]["transfer_only_to"] == {"number": "89 15 40 50"}


def test_switchboard_tasks_and_referral(demo: dict[str, Any]) -> None:
    tasks = tasks_of(demo)
    for tid in ("pas", "koerekort", "sundhedskort"):
        assert tasks[tid][0]["handled_by_switchboard"] is True
        assert tasks[tid][0]["answer"]
    ref = tasks["boerne-og-ungeydelse"][0]["refer_to"]
    assert ref == {
        "name": "Udbetaling Danmark",
        "number": "70 12 80 81",
        "hours": "Mo-Fr 08:00-16:00; PH off",
        "url": "https://www.borger.dk/familie-og-boern/familieydelser-oversigt",
    }
    assert "børnecheck" in tasks["boerne-og-ungeydelse"][0]["keywords"]


@pytest.mark.parametrize(
    ("tid", "authority", "number", "words"),
    [
        ("boligstoette", "Udbetaling Danmark", "70 12 80 63", {"boligstøtte", "boligsikring"}),
        ("folkepension", "Udbetaling Danmark", "70 12 80 61", {"folkepension", "ældrecheck"}),
        ("barselsdagpenge", "Udbetaling Danmark", "70 12 80 62", {"barsel", "barselsorlov"}),
        ("boerne-og-ungeydelse", "Udbetaling Danmark", "70 12 80 81", {"børnetilskud"}),
        ("skat", "Skattestyrelsen", "72 22 18 18", {"årsopgørelse", "forskudsopgørelse"}),
    ],
)
def test_r1_2_national_errands_are_referred_with_number_hours_and_site(
    demo: dict[str, Any], tid: str, authority: str, number: str, words: set[str]
) -> None:
    """Errands of Udbetaling Danmark and Skattestyrelsen are tasks referred there, never
    answered or transferred inside the municipality (issue 16 item 9)."""
    task, unit = tasks_of(demo)[tid]
    ref = task["refer_to"]
    assert (ref["name"], ref["number"]) == (authority, number)
    assert opening_hours.validate(ref["hours"]) and ref["url"].startswith("https://")
    assert words <= set(task["keywords"])
    assert "handled_by_switchboard" not in task and "distribution" not in task
    assert unit == "borgerservice"
    employees = [e for u in demo["units"] for e in u["employees"]]
    assert not any(tid in e.get("tasks", ()) for e in employees)


def test_what_the_municipality_answers_itself_is_not_referred(demo: dict[str, Any]) -> None:
    tasks = tasks_of(demo)
    # Førtidspension is decided by the municipality; ejendomsskat is its own tax.
    assert "førtidspension" in tasks["fleksjob"][0]["keywords"]
    assert "ejendomsskat" in tasks["bbr"][0]["keywords"]
    assert "pension" not in tasks["fleksjob"][0]["keywords"]
    for tid in ("fleksjob", "bbr", "sygedagpenge", "bostoette", "kontanthjaelp"):
        assert "refer_to" not in tasks[tid][0], tid


def test_r2_6_owners_and_one_stale_review(demo: dict[str, Any]) -> None:
    employees = employees_of(demo)
    cutoff = date(2026, 11, 30) - timedelta(days=90)
    stale = []
    for u in demo["units"]:
        assert u["owner"] in employees
        assert isinstance(u["reviewed"], date) and u["reviewed"].year == 2026
        if u["reviewed"] < cutoff:
            stale.append(u["id"])
    assert stale == ["kirkegaardskontoret"]


def test_queues(demo: dict[str, Any]) -> None:
    units = units_of(demo)
    for uid, queue in (
        ("borgerservice", "borgerservice"),
        ("jobcenter", "jobcenter"),
        ("familie", "familie"),
    ):
        assert queue in units[uid]["queues"]


def test_r2_7_mailings(demo: dict[str, Any]) -> None:
    mailing = demo["mailings"][0]
    assert mailing == {
        "id": "skattekort-2027",
        "unit": "borgerservice",
        "title": "Forskudsopgørelse og skattekort 2027",
        "sent": date(2026, 11, 20),
        "calls_expected_until": date(2027, 1, 31),
        "expected_calls": 3000,
        "tasks": ["skat"],
        "answer": "Forskudsopgørelsen kan ses og rettes på skat.dk med MitID.",
        "staffed": True,
    }
    assert len(demo["mailings"]) >= 2


def test_demo_parses_without_errors_or_warnings() -> None:
    result = orgfile.parse(demo_yaml())
    assert not result.warnings
    org = result.organisation
    assert len(org.units) == len(demo_organisation()["units"])
    assert org.is_sensitive("familie-handicap")
    assert org.municipality.switchboard == "borgerservice"


def test_helpers() -> None:
    assert demo_names.slugify("Social- og arbejdsmarkedsforvaltningen") == (
        "social-og-arbejdsmarkedsforvaltningen"
    )
    assert demo_names.slugify("Åskolen, Ørsted") == "aaskolen-oersted"
    assert demo_names.format_number("89151234") == "89 15 12 34"
    assert demo_names.letter_ranges(3) == ["A-J", "K-T", "U-Å"]
    assert demo_names.match_ranges(demo_names.split_evenly(1, 31, 3)) == "1-11,12-21,22-31"


# --- the Copenhagen-size generator ----------------------------------------------------


def test_generated_org_is_valid(small_generated: dict[str, Any]) -> None:
    check_valid(small_generated)
    kinds = check_distributions(small_generated)
    assert kinds, "some distributions"
    assert len(small_generated["units"]) == 20
    assert len(employees_of(small_generated)) == 300
    assert sum(len(t["keywords"]) for t, _ in tasks_of(small_generated).values()) == 400


def test_generated_org_parses(small_generated_text: str) -> None:
    result = orgfile.parse(small_generated_text)
    assert len(result.organisation.units) == 20
    assert len(result.organisation.employees) == 300


def test_generator_is_deterministic_by_seed() -> None:
    gen = _load_generator()
    a = gen.generate_text(units=30, employees=200, keywords=150, seed=5)
    b = gen.generate_text(units=30, employees=200, keywords=150, seed=5)
    c = gen.generate_text(units=30, employees=200, keywords=150, seed=6)
    assert a == b
    assert a != c


@pytest.mark.parametrize(("units", "employees"), [(7, 7), (60, 1500)])
def test_generator_sizes(units: int, employees: int) -> None:
    gen = _load_generator()
    doc = yaml.safe_load(gen.generate_text(units=units, employees=employees, keywords=300, seed=1))
    check_valid(doc)
    check_distributions(doc)
    assert len(doc["units"]) == units
    assert len(employees_of(doc)) == employees


def test_r3_1_borgerservice_phones_open_at_8_and_official_hours_are_its_opening_hours(
    demo: dict[str, Any],
) -> None:
    from omstilling.domain.hours import compile_schedule

    bs = units_of(demo)["borgerservice"]["hours"]
    phone = compile_schedule(bs["phone"])
    opening = compile_schedule(bs["opening"])
    for day in range(30, 35):  # Monday 30 November to Friday 4 December 2026
        d = date(2026, 11, 30) + timedelta(days=day - 30)
        at_8 = datetime.combine(d, time(8, 0), tzinfo=ZoneInfo("Europe/Copenhagen"))
        assert phone.is_open(at_8), d
        assert not opening.is_open(at_8), d  # citizens are met from 9
    assert demo["municipality"]["hours"]["official"] == bs["opening"]
