"""Generate a Copenhagen-size organisation file (format `omstilling/1`) for benchmarks.

    python benchmarks/generate_org.py --units 2000 --employees 50000 --keywords 20000 \\
        -o /tmp/cph.yaml [--seed 1]

The file is valid in every respect, like the demo (`omstilling.demo.org`): unique
slug ids, valid Danish numbers (direct numbers from 33 50 00 00 upwards, function
numbers from 33 40 00 00), hours that parse, references that resolve and case
distributions of all three kinds without overlaps. It is deterministic by seed.
The names are made up from the demo's name lists and need not be unique.

The YAML is written directly, one unit at a time, with every string quoted as a
JSON string (a JSON string is a valid YAML double-quoted scalar): yaml.safe_dump of
the whole document takes minutes at this size, this takes seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import phonenumbers

from omstilling.demo.names import (
    format_number,
    letter_ranges,
    match_ranges,
    random_full_surname,
    random_mobile,
    slugify,
    split_evenly,
)
from omstilling.demo.org_data import FIRST_NAMES, TASKS

EMAIL_DOMAIN = "kk.dk"
# Both ranges lie inside 33[1-9]x xxxx, which phonenumbers accepts as DK fixed lines.
UNIT_NUMBER_BASE = 33_40_00_00  # function numbers 33 40 00 00 - 33 49 99 99
EMPLOYEE_NUMBER_BASE = 33_50_00_00  # direct numbers 33 50 00 00 - 33 99 99 99
MAX_UNIT_NUMBERS = 100_000
MAX_EMPLOYEES = 500_000

OFFICIAL = "Mo-We 10:00-15:00; Th 10:00-17:30; Fr 10:00-14:00; PH off"
DEFAULT_HOURS = "Mo-Th 09:00-15:00; Fr 09:00-14:00; PH off"
CLOSED = "Dec 24,Dec 31 off; Jun 05 12:00-24:00 off"
DEVIATING_HOURS = (
    "Mo-Fr 09:00-13:00; PH off",
    "Mo-We,Fr 09:00-14:30; Th 09:00-17:00; PH off",
    "Mo 09:00-17:00; Tu-Th 09:00-15:00; Fr 09:00-14:00; PH off",
    "Mo-Th 08:00-15:00; Fr 08:00-13:30; PH off",
    "Mo-We 08:00-15:00; Th 08:00-17:00; Fr 08:00-12:00; PH off",
    "Mo-Th 08:00-15:00; Fr 08:00-14:00; PH off",
)
INSTITUTION_HOURS = (
    ("Mo-Th 07:30-15:30; Fr 07:30-13:00; PH off", None),
    ("Mo-Th 06:30-17:00; Fr 06:30-16:00; PH off", "Mo-Fr 07:00-15:00; PH off"),
    ("Mo-Fr 10:00-19:00; Sa 10:00-14:00; PH off", "Mo-Fr 10:00-16:00; PH off"),
    ("Mo-Su 00:00-24:00", "Mo-Fr 08:00-15:00; PH off"),
)
WORKS = ("Mo-Th 08:00-15:30", "Mo-We 08:00-15:00", "Mo,We,Th 09:00-15:00; Fr 09:00-12:00")

# fmt: off
DIRECTORATES = (
    ("Økonomiforvaltningen", "Budget, Borgerservice, ejendomme og digitalisering."),
    ("Kultur- og Fritidsforvaltningen", "Biblioteker, idræt, kultur og borgerservice."),
    ("Børne- og Ungdomsforvaltningen", "Skoler, dagtilbud, sundhedspleje og PPR."),
    ("Sundheds- og Omsorgsforvaltningen", "Hjemmepleje, plejehjem, genoptræning og sundhed."),
    ("Socialforvaltningen", "Børnefamilier, handicap, socialpsykiatri og hjemløshed."),
    ("Teknik- og Miljøforvaltningen", "Byggeri, veje, parkering, affald og miljø."),
    ("Beskæftigelses- og Integrationsforvaltningen", "Jobcentre, ydelser og integration."),
)
# Department themes per directorate, with the demo tasks they own.
THEMES: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...] = (
    (("Borgerservice", ("pas", "koerekort", "sundhedskort", "skat", "flytning")),
     ("Opkrævning", ("opkraevning", "adressekontrol")), ("Løn og Personale", ("job-i-kommunen",)),
     ("Indkøb", ("faktura",))),
    (("Biblioteker", ("bibliotek",)), ("Idræt og Foreninger", ("foreningstilskud",)),
     ("Borgerservice Lokal", ("mitid", "vielse"))),
    (("Skole og Uddannelse", ("skolestart", "skolebus", "sfo")), ("PPR", ("ppr",)),
     ("Pladsanvisning", ("pladsanvisning", "foraeldrebetaling")),
     ("Tandpleje", ("tandpleje",)), ("Sundhedspleje", ("sundhedspleje",))),
    (("Visitation", ("hjemmehjaelp", "plejebolig", "madservice")),
     ("Hjælpemidler", ("hjaelpemidler",)), ("Genoptræning", ("genoptraening",))),
    (("Børnefamilier", ("underretning", "anbringelse", "handicap-boern")),
     ("Socialpsykiatri", ("bostoette",)), ("Misbrug", ("misbrug",))),
    (("Byggeri", ("byggesag", "bbr")), ("Parkering", ("parkering",)), ("Veje", ("vej",)),
     ("Affald", ("affald",)), ("Miljø", ("miljoe",)), ("Kirkegårde", ("begravelse", "gravsted"))),
    (("Jobcenter", ("jobsoegning", "virksomhedsservice", "fleksjob", "ungeindsats")),
     ("Ydelsesservice", ("kontanthjaelp", "sygedagpenge", "barselsdagpenge"))),
)
AREAS = (
    "Amager Øst", "Amager Vest", "Bispebjerg", "Brønshøj-Husum", "Indre By", "Nørrebro",
    "Valby", "Vanløse", "Vesterbro", "Kongens Enghave", "Østerbro", "Nordvest", "Sydhavn",
    "Ørestad", "Christianshavn", "Nordhavn",
)
INSTITUTION_KINDS = (
    ("Skole", "Folkeskole, 0.-9. klasse.", ("Lærer", "Pædagog")),
    ("Børnehuset", "Integreret daginstitution, 0-6 år.", ("Pædagog", "Pædagogmedhjælper")),
    ("Bibliotek", "Lokalbibliotek.", ("Bibliotekar", "Biblioteksassistent")),
    ("Plejehjemmet", "Plejehjem med daghjem.", ("Social- og sundhedsassistent", "Sygeplejerske")),
)
FLOWERS = ("Mælkebøtten", "Solsikken", "Kløveren", "Valmuen", "Anemonen", "Bellis", "Rosen",
           "Lærken", "Egern", "Skovly", "Spiren", "Regnbuen")
STREETS = ("Nørrebrogade", "Amagerbrogade", "Valby Langgade", "Frederikssundsvej",
           "Østerbrogade", "Istedgade", "Jagtvej", "Tomsgårdsvej", "Sjælør Boulevard",
           "Ørestads Boulevard", "Torvegade", "Strandvænget")
POSTCODES = (("1000-1499", "Indre By"), ("1500-1799", "Vesterbro"),
             ("2100,2150", "Østerbro"), ("2200,2400", "Nørrebro og Nordvest"),
             ("2300", "Amager"), ("2450,2500", "Valby og Sydhavn"),
             ("2700,2720", "Brønshøj og Vanløse"))
CASEWORKER_TITLES = ("Sagsbehandler", "Socialrådgiver", "Konsulent", "Specialkonsulent",
                     "Administrativ medarbejder", "Fuldmægtig")

# fmt: on


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | date):
        return str(value)
    return _q(str(value))


def _lines(doc: dict[str, Any], indent: int, out: list[str]) -> None:
    """Block-style YAML for a mapping of scalars, scalar lists, mappings, mapping lists."""
    pad = " " * indent
    for key, value in doc.items():
        if isinstance(value, dict):
            out.append(f"{pad}{key}:")
            _lines(value, indent + 2, out)
        elif isinstance(value, list):
            if value and isinstance(value[0], dict):
                out.append(f"{pad}{key}:")
                for item in value:
                    start = len(out)
                    _lines(item, indent + 4, out)
                    out[start] = f"{pad}  - {out[start][indent + 4 :]}"
            else:
                out.append(f"{pad}{key}: {_flow(value)}")
        else:
            out.append(f"{pad}{key}: {_scalar(value)}")


def _number(n: int) -> str:
    return format_number(f"{n:08d}")


class _Unit:
    __slots__ = (
        "children",
        "doc",
        "employees",
        "id",
        "kind",
        "leader",
        "name",
        "parent",
        "tasks",
        "theme_tasks",
        "weight",
    )

    def __init__(
        self,
        uid: str,
        name: str,
        kind: str,
        parent: _Unit | None,
        theme_tasks: tuple[str, ...] = (),
    ) -> None:
        self.id = uid
        self.name = name
        self.kind = kind
        self.parent = parent
        self.theme_tasks = theme_tasks
        self.children: list[_Unit] = []
        self.tasks: list[dict[str, Any]] = []
        self.employees: list[dict[str, Any]] = []
        self.leader = ""
        self.doc: dict[str, Any] = {}
        self.weight = {
            "directorate": 0.5,
            "department": 3.0,
            "team": 2.0,
            "institution": 2.0,
            "staff": 1.0,
        }[kind]
        if parent:
            parent.children.append(self)


class Generator:
    def __init__(self, units: int, employees: int, keywords: int, seed: int) -> None:
        if units < 3:
            raise ValueError("--units must be at least 3 (a directorate, Borgerservice, one more)")
        if employees < units:
            raise ValueError("--employees must be at least --units (every unit has a leader)")
        if employees > MAX_EMPLOYEES or units * 2 > MAX_UNIT_NUMBERS:
            raise ValueError("too large for the number ranges")
        self.n_units, self.n_employees, self.n_keywords = units, employees, keywords
        self.rng = random.Random(seed)
        self.slugs: set[str] = set()
        self.mailbox_counts: dict[str, int] = {}
        self.mobiles: set[str] = set()
        self.next_unit_number = UNIT_NUMBER_BASE
        self.next_employee_number = EMPLOYEE_NUMBER_BASE
        self.employee_seq = 0
        self.task_seq = 0
        self.queue_seq = 0
        for n in (
            UNIT_NUMBER_BASE,
            UNIT_NUMBER_BASE + MAX_UNIT_NUMBERS - 1,
            EMPLOYEE_NUMBER_BASE,
            EMPLOYEE_NUMBER_BASE + MAX_EMPLOYEES - 1,
        ):
            assert phonenumbers.is_valid_number(phonenumbers.parse(str(n), "DK")), n

    # --- allocation -------------------------------------------------------------------

    def unit_id(self, name: str) -> str:
        base = slugify(name)
        uid, n = base, 1
        while uid in self.slugs:
            n += 1
            uid = f"{base}-{n}"
        self.slugs.add(uid)
        return uid

    def unit_number(self) -> str:
        self.next_unit_number += 1
        return _number(self.next_unit_number - 1)

    def email(self, first: str, surname: str) -> str:
        initials = slugify(first)[:1] + slugify(surname.split()[-1])[:2]
        count = self.mailbox_counts.get(initials, 0) + 1
        self.mailbox_counts[initials] = count
        return f"{initials}{count}@{EMAIL_DOMAIN}"

    # --- the tree ---------------------------------------------------------------------

    def build_tree(self) -> list[_Unit]:
        rng = self.rng
        n_dir = max(1, min(len(DIRECTORATES), self.n_units // 40))
        directorates = [
            _Unit(self.unit_id(name), name, "directorate", None) for name, _ in DIRECTORATES[:n_dir]
        ]
        units: list[_Unit] = list(directorates)
        bs = _Unit(
            self.unit_id("Borgerservice"),
            "Borgerservice",
            "department",
            directorates[0],
            THEMES[0][0][1],
        )
        units.append(bs)
        remaining = self.n_units - len(units)
        n_staff = min(n_dir, remaining // 20)
        n_dept = max(1, round(remaining * 0.16)) if remaining else 0
        n_inst = round(remaining * 0.2)
        n_team = remaining - n_staff - n_dept - n_inst
        if n_team < 0:
            n_inst += n_team
            n_team = 0
        for i in range(n_staff):
            d = directorates[i % n_dir]
            units.append(_Unit(self.unit_id(f"Stab, {d.name}"), f"Stab, {d.name}", "staff", d))
        departments: list[_Unit] = [bs]
        for i in range(n_dept):
            d_index = i % n_dir
            theme, tasks = rng.choice(THEMES[d_index])
            name = f"{theme} {rng.choice(AREAS)}"
            dept = _Unit(self.unit_id(name), name, "department", directorates[d_index], tasks)
            units.append(dept)
            departments.append(dept)
        for _ in range(n_team):
            parent = rng.choice(departments)
            name = f"Team {len(parent.children) + 1}, {parent.name}"
            units.append(_Unit(self.unit_id(name), name, "team", parent))
        for _ in range(n_inst):
            word, _desc, _titles = rng.choice(INSTITUTION_KINDS)
            area = rng.choice(AREAS)
            name = (
                f"{area} {word}"
                if word in ("Skole", "Bibliotek")
                else f"{word} {rng.choice(FLOWERS)}"
            )
            parent = rng.choice(directorates)
            units.append(_Unit(self.unit_id(name), name, "institution", parent))
        return units

    # --- units -------------------------------------------------------------------------

    def unit_doc(self, u: _Unit, index: int) -> dict[str, Any]:
        rng = self.rng
        doc: dict[str, Any] = {"id": u.id, "name": u.name, "kind": u.kind}
        if u.parent:
            doc["parent"] = u.parent.id
        if u.kind == "directorate":
            doc["description"] = dict(DIRECTORATES)[u.name]
        elif u.kind == "institution":
            doc["description"] = next(d for w, d, _ in INSTITUTION_KINDS if w in u.name)
        else:
            doc["description"] = f"{u.name}: opgaver og sagsbehandling."
        if u.kind in ("department", "institution") or index == 1:
            doc["address"] = (
                f"{rng.choice(STREETS)} {rng.randint(1, 180)}, "
                f"{rng.choice((2100, 2200, 2300, 2400, 2450, 2500, 2700))} "
                "København"
            )
        if u.kind == "institution":
            opening, phone = rng.choice(INSTITUTION_HOURS)
            doc["hours"] = {"opening": opening, "phone": phone or opening}
        elif index == 1:
            doc["hours"] = {"opening": OFFICIAL, "phone": OFFICIAL.replace("10:00", "08:00")}
        elif u.kind in ("department", "directorate") and rng.random() < 0.25:
            expr = rng.choice(DEVIATING_HOURS)
            doc["hours"] = {"opening": expr, "phone": expr}
        if u.kind != "team" or rng.random() < 0.3:
            doc["numbers"] = [{"number": self.unit_number(), "label": u.name}]
        if u.kind == "department" and "Børnefamilier" in u.name:
            doc["sensitive"] = True
        if u.kind == "department" and u.name.startswith("Misbrug"):
            doc["transfer_only_to"] = {"number": self.unit_number()}
        return doc

    # --- people ------------------------------------------------------------------------

    def person(self, u: _Unit, title: str, role: str) -> dict[str, Any]:
        rng = self.rng
        first = rng.choice(FIRST_NAMES)
        surname = random_full_surname(rng)
        self.employee_seq += 1
        digits = f"{self.next_employee_number:08d}"
        self.next_employee_number += 1
        emp: dict[str, Any] = {
            "id": f"{slugify(first)}-{slugify(surname)}-{self.employee_seq}",
            "name": f"{first} {surname}",
            "title": title,
            "role": role,
            "phone": format_number(digits),
        }
        if rng.random() < 0.03 or role == "director":
            emp["public"] = False
        emp["extension"] = digits[-5:]
        if rng.random() < 0.2 or role in ("leader", "director"):
            emp["mobile"] = random_mobile(rng, self.mobiles)
        emp["email"] = self.email(first, surname)
        if rng.random() < 0.05:
            emp["works"] = rng.choice(WORKS)
        u.employees.append(emp)
        return emp

    def people(self, units: list[_Unit]) -> None:
        rng = self.rng
        budget = self.n_employees
        for u in units:
            title, role = {
                "directorate": ("Direktør", "director"),
                "department": ("Kontorchef", "leader"),
                "team": ("Teamleder", "leader"),
                "staff": ("Stabschef", "leader"),
                "institution": ("Leder", "leader"),
            }[u.kind]
            leader = self.person(u, title, role)
            leader["main_tasks"] = f"Leder af {u.name}"
            u.leader = leader["id"]
            budget -= 1
        for u in units:
            jobcenter = u.kind == "department" and u.name.startswith("Jobcenter")
            if (u.kind == "directorate" or jobcenter) and budget > 0:
                sec = self.person(u, "Sekretær" if jobcenter else "Direktionssekretær", "secretary")
                sec["main_tasks"] = f"Sekretariat for {u.name}"
                u.doc["secretary"] = {
                    "employee": sec["id"],
                    "when": (
                        "Opkald til jobcenterchefen går til sekretariatet."
                        if jobcenter
                        else "Opkald til direktøren går til sekretariatet."
                    ),
                    "roles": ["leader", "director"],
                }
                budget -= 1
        weights = [u.weight for u in units]
        for u in rng.choices(units, weights=weights, k=max(0, budget)):
            if u.kind == "institution":
                word = next(w for w, _, _ in INSTITUTION_KINDS if w in u.name)
                titles = next(t for w, _, t in INSTITUTION_KINDS if w == word)
                self.person(u, rng.choice(titles), "staff")
            else:
                self.person(u, rng.choice(CASEWORKER_TITLES), "caseworker")

    # --- tasks -------------------------------------------------------------------------

    def tasks(self, units: list[_Unit]) -> None:
        rng = self.rng
        owners = [u for u in units if u.kind in ("department", "team")] or units
        n_tasks = max(1, math.ceil(self.n_keywords / 5)) if self.n_keywords else 0
        left = self.n_keywords
        for i in range(n_tasks):
            u = owners[i] if i < len(owners) else rng.choice(owners)
            themed = u.theme_tasks or (u.parent.theme_tasks if u.parent else ())
            template = TASKS[rng.choice(themed) if themed else rng.choice(list(TASKS))]
            self.task_seq += 1
            count = left if i == n_tasks - 1 else 5  # the last task takes the rest (1-5)
            left -= count
            base: list[str] = template["keywords"]
            area = u.name.split(",")[0]
            words = [
                base[k] if k < len(base) else f"{base[k % len(base)]} {area.lower()}"
                for k in range(count)
            ]
            task: dict[str, Any] = {
                "id": f"{template['id']}-{self.task_seq}",
                "name": f"{template['name']}, {area}",
                "keywords": words,
            }
            if "kle" in template:
                task["kle"] = template["kle"]
            for key in ("handled_by_switchboard", "answer", "refer_to"):
                if key in template and u.kind != "team":
                    value = template[key]
                    task[key] = value.replace("randers.dk", "kk.dk") if key == "answer" else value
            u.tasks.append(task)
        # Caseworkers carry their unit's tasks (a team's: its department's too).
        for u in units:
            pool = [t["id"] for t in u.tasks]
            if u.kind == "team" and u.parent:
                pool += [t["id"] for t in u.parent.tasks]
            if not pool:
                continue
            for e in u.employees:
                if e["role"] == "caseworker":
                    e["tasks"] = rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2))))

    def distributions(self, units: list[_Unit]) -> None:
        rng = self.rng
        kinds = ("birth_day", "surname", "postcode")
        n = 0
        for u in units:
            workers = [e for e in u.employees if e["role"] == "caseworker"]
            if len(workers) < 2 or not u.tasks:
                continue
            for task in u.tasks:
                if rng.random() > 0.25 and n > 0:
                    continue
                by = kinds[n % 3]
                n += 1
                teams = [c for c in u.children if c.kind == "team"]
                parts = min(len(workers) + (1 if teams else 0), rng.randint(2, 4))
                targets: list[dict[str, str]] = []
                for e in rng.sample(workers, k=min(parts, len(workers))):
                    if task["id"] not in e.setdefault("tasks", []):
                        e["tasks"].append(task["id"])
                    targets.append({"employee": e["id"]})
                if teams and len(targets) < parts and by == "birth_day":
                    targets.append({"unit": rng.choice(teams).id})
                if by == "birth_day":
                    matches = [match_ranges([r]) for r in split_evenly(1, 31, len(targets))]
                elif by == "surname":
                    matches = letter_ranges(len(targets))
                else:
                    groups = split_evenly(0, len(POSTCODES) - 1, len(targets))
                    matches = [
                        ",".join(POSTCODES[k][0] for k in range(a, b + 1)) for a, b in groups
                    ]
                dist: dict[str, Any] = {
                    "by": by,
                    "rules": [{"match": m, **t} for m, t in zip(matches, targets, strict=True)],
                }
                if by == "postcode":
                    dist["default"] = {"employee": u.leader}
                task["distribution"] = dist

    # --- output ------------------------------------------------------------------------

    def chunks(self) -> Iterator[str]:
        rng = self.rng
        units = self.build_tree()
        docs = [self.unit_doc(u, i) for i, u in enumerate(units)]
        for u, d in zip(units, docs, strict=True):
            u.doc = d
        self.people(units)
        self.tasks(units)
        self.distributions(units)
        sb = units[1]
        main = sb.doc["numbers"][0]["number"]
        yield (
            f"# Generated by benchmarks/generate_org.py: {self.n_units} units, "
            f"{self.n_employees} employees, {self.n_keywords} keywords. Made-up data.\n"
            "format: omstilling/1\n"
        )
        head: list[str] = []
        _lines(
            {
                "municipality": {
                    "name": "Københavns Kommune",
                    "timezone": "Europe/Copenhagen",
                    "country": "DK",
                    "main_number": main,
                    "website": "https://www.kk.dk",
                    "switchboard": sb.id,
                    "hours": {
                        "official": OFFICIAL,
                        "opening": DEFAULT_HOURS,
                        "phone": DEFAULT_HOURS,
                    },
                    "closed": CLOSED,
                }
            },
            0,
            head,
        )
        head.append("units:")
        yield "\n".join(head) + "\n"
        review_lo = date(2026, 6, 1)
        for u in units:
            doc = u.doc
            secretary = doc.pop("secretary", None)  # re-added to keep the spec's key order
            if secretary:
                doc["secretary"] = secretary
            doc["owner"] = u.leader
            doc["reviewed"] = review_lo + timedelta(days=rng.randint(0, 180))
            if u.kind in ("department", "institution"):
                self.queue_seq += 1
                doc["queues"] = [f"q{self.queue_seq}-{u.id}"[:60]]
            if u.tasks:
                doc["tasks"] = u.tasks
            doc["employees"] = u.employees
            out: list[str] = []
            _lines(doc, 4, out)
            out[0] = "  - " + out[0][4:]
            yield "\n".join(out) + "\n"
        all_tasks = [t["id"] for u in units for t in u.tasks]
        mailings: list[dict[str, Any]] = []
        if all_tasks:
            mailings.append(
                {
                    "id": "skattekort-2027",
                    "unit": sb.id,
                    "title": "Forskudsopgørelse og skattekort 2027",
                    "sent": date(2026, 11, 20),
                    "calls_expected_until": date(2027, 1, 31),
                    "expected_calls": 25000,
                    "tasks": all_tasks[:1],
                    "answer": "Forskudsopgørelsen kan ses og rettes på skat.dk med MitID.",
                    "staffed": True,
                }
            )
        out = []
        _lines({"mailings": mailings} if mailings else {}, 0, out)
        if not mailings:
            out.append("mailings: []")
        yield "\n".join(out) + "\n"


def generate_text(units: int, employees: int, keywords: int, seed: int = 1) -> str:
    return "".join(Generator(units, employees, keywords, seed).chunks())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--employees", type=int, default=50000)
    parser.add_argument("--keywords", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        gen = Generator(args.units, args.employees, args.keywords, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    if args.output:
        with args.output.open("w", encoding="utf-8") as f:
            for chunk in gen.chunks():
                f.write(chunk)
        size = args.output.stat().st_size
        print(
            f"wrote {args.output}: {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    else:
        for chunk in gen.chunks():
            sys.stdout.write(chunk)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
