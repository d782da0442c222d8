"""The demo municipality's organisation: Randers Kommune with made-up people.

`demo_organisation()` builds the organisation file (format `omstilling/1`, see
spec/organisation-file.md) as a plain dict; `demo_yaml()` dumps it. Both are pure
and deterministic: all variation comes from `random.Random(seed)`, never from the
clock, so two calls give the same document and `examples/randers.yaml` is simply
`python -m omstilling.demo.org > examples/randers.yaml`.

The hours are the policy's ("Telefonbetjening i Randers Kommune", see
policy/REQUIREMENTS.md, "The hours in the policy"). The policy's transcript cuts
off the Friday closing times, so this module ASSUMES:

- Borgerservice and the rest of the administration close at 14.00 on Fridays;
- every unit the policy lists as open "Friday from X" closes at 14.00 on Fridays
  (Familie, Betalingskontor/Adressekontrol, Visitationen, Miljø og Teknik,
  Børn og Skole, Kultur og Borgerservice);
- Kontanthjælp og Sygedagpenge ("every day from 9.00", no closing time at all)
  keeps the administration's closing times: Monday-Thursday 15.00, Friday 14.00.

The people, numbers, e-mail addresses, institutions and addresses other than the
ones the policy names are made up. The tables (hours, names, tasks, units,
distributions, mailings) are in `org_data.py`; this module is the code that builds
the file from them. The name lists and helpers are reused by
`benchmarks/generate_org.py` for the Copenhagen-size organisation.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import yaml

from omstilling.demo.names import (
    email_local,
    format_number,
    random_full_surname,
    random_mobile,
    slugify,
)
from omstilling.demo.org_data import (
    ADMINISTRATION_HOURS,
    BORGERSERVICE_OPENING,
    CLOSED,
    DEFAULT_SEED,
    DISTRIBUTIONS,
    EMAIL_DOMAIN,
    FIRST_NAMES,
    FORMAT,
    HEADER,
    KIND_LEADER,
    MAILINGS,
    PART_TIME_HOURS,
    REVIEW_WINDOW,
    TASKS,
    UNIT_SPECS,
)


class _People:
    """Allocates names, ids, numbers and mailboxes, all unique, from one rng."""

    def __init__(self, rng: random.Random, domain: str = EMAIL_DOMAIN) -> None:
        self.rng = rng
        self.domain = domain
        self.ids: set[str] = set()
        self.mailboxes: set[str] = set()
        self.mobiles: set[str] = set()

    def person_id(self, first: str, surname: str, tag: str) -> str:
        base = f"{slugify(first)}-{tag}"
        pid = base if base not in self.ids else f"{slugify(first)}-{slugify(surname)}-{tag}"
        n = 1
        while pid in self.ids:
            n += 1
            pid = f"{base}-{n}"
        self.ids.add(pid)
        return pid

    def email(self, first: str, surname: str) -> str:
        return f"{email_local(first, surname, self.mailboxes)}@{self.domain}"


def _numbers_of_block(block: int, reserved: set[str]) -> Iterable[str]:
    for n in range(1, 100):
        digits = f"8915{block:02d}{n:02d}"
        if digits not in reserved:
            yield digits


def _employee_doc(
    people: _People,
    *,
    first: str,
    surname: str,
    tag: str,
    title: str,
    role: str,
    digits: str,
    tasks: list[str],
    main_tasks: str,
    public: bool = True,
    mobile: bool = False,
    works: str | None = None,
    pid: str | None = None,
) -> dict[str, Any]:
    if pid is None:
        pid = people.person_id(first, surname, tag)
    else:
        people.ids.add(pid)
    emp: dict[str, Any] = {
        "id": pid,
        "name": f"{first} {surname}",
        "title": title,
        "role": role,
        "phone": format_number(digits),
    }
    if not public:
        emp["public"] = False
    emp["extension"] = digits[-4:]
    if mobile:
        emp["mobile"] = random_mobile(people.rng, people.mobiles)
    emp["email"] = people.email(first, surname)
    if works:
        emp["works"] = works
    if tasks:
        emp["tasks"] = tasks
    if main_tasks:
        emp["main_tasks"] = main_tasks
    return emp


def _unit_head(spec: dict[str, Any]) -> dict[str, Any]:
    """The unit's own fields from its spec: name, kind, place, hours, main number."""
    unit: dict[str, Any] = {"id": spec["id"], "name": spec["name"], "kind": spec["kind"]}
    if spec["parent"]:
        unit["parent"] = spec["parent"]
    unit["description"] = spec["description"]
    if spec.get("address"):
        unit["address"] = spec["address"]
    opening = spec.get("opening", spec.get("hours"))
    phone = spec.get("phone", spec.get("hours"))
    if opening or phone:
        unit["hours"] = {k: v for k, v in (("opening", opening), ("phone", phone)) if v}
    main = spec.get("main_number", f"8915{spec['block']:02d}00")
    unit["numbers"] = [{"number": format_number(main), "label": spec["name"]}]
    if spec.get("sensitive"):
        unit["sensitive"] = True
    if spec.get("transfer_only_to_number"):
        unit["transfer_only_to"] = {"number": format_number(spec["transfer_only_to_number"])}
    return unit


def _staff(
    spec: dict[str, Any],
    pool: list[str],
    people: _People,
    tag: str,
    numbers: Iterator[str],
    used_first: set[str],
) -> list[dict[str, Any]]:
    """The unit's caseworkers and staff, after its leader, secretary and pinned people."""
    rng = people.rng
    employees: list[dict[str, Any]] = []
    titles: list[str] = spec.get("titles", ["Sagsbehandler"])
    staff_role: str = spec.get("staff_role", "caseworker" if pool else "staff")
    private_share: float = spec.get("private_share", 0.04)
    note: str = spec.get("main_tasks_note", "")
    for _ in range(spec.get("staff", 0)):
        first = rng.choice([f for f in FIRST_NAMES if f not in used_first])
        used_first.add(first)
        surname = random_full_surname(rng)
        title = rng.choice(titles)
        if pool:
            tasks = sorted(
                rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2)))), key=pool.index
            )
            main = ", ".join(TASKS[t]["name"] for t in tasks)
            if note:
                main = f"{main}, {note}"
        else:
            tasks, main = [], ""
        employees.append(
            _employee_doc(
                people,
                first=first,
                surname=surname,
                tag=tag,
                title=title,
                role="staff" if title.startswith("Chef") else staff_role,
                digits=next(numbers),
                tasks=tasks,
                main_tasks=main,
                public=rng.random() >= private_share,
                mobile=rng.random() < 0.25,
                works=rng.choice(PART_TIME_HOURS) if rng.random() < 0.06 else None,
            )
        )
    return employees


def _unit_tail(
    unit: dict[str, Any],
    spec: dict[str, Any],
    rng: random.Random,
    secretary: dict[str, Any] | None,
    leader: dict[str, Any],
    own_tasks: list[str],
) -> None:
    """The unit's secretary rule, owner, review date, queues and tasks."""
    kind = spec["kind"]
    if secretary is not None and spec.get("secretary_rule"):
        unit["secretary"] = {
            "employee": secretary["id"],
            "when": spec["secretary_rule"],
            "roles": ["leader", "director"],
        }
    unit["owner"] = (secretary or leader)["id"] if kind == "directorate" else leader["id"]
    if "reviewed" in spec:
        unit["reviewed"] = spec["reviewed"]
    else:
        lo, hi = REVIEW_WINDOW
        unit["reviewed"] = lo + timedelta(days=rng.randint(0, (hi - lo).days))
    if spec.get("queues"):
        unit["queues"] = list(spec["queues"])
    if own_tasks:
        unit["tasks"] = [_task_doc(tid) for tid in own_tasks]


def _heads(
    spec: dict[str, Any],
    people: _People,
    tag: str,
    numbers: Iterator[str],
    used_first: set[str],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The unit's leader (a directorate's is its director) and, for directorates and units
    that name one, its secretary."""
    rng = people.rng
    kind: str = spec["kind"]

    def pick_first(taken: set[str]) -> str:
        return rng.choice([f for f in FIRST_NAMES if f not in taken])

    # The leader (each directorate's is its director).
    default_title, default_role = KIND_LEADER[kind]
    first, surname = spec.get("leader") or (pick_first(used_first), random_full_surname(rng))
    used_first.add(first)
    leader = _employee_doc(
        people,
        first=first,
        surname=surname,
        tag=tag,
        title=spec.get("leader_title", default_title),
        role=spec.get("leader_role", default_role),
        digits=next(numbers),
        tasks=[],
        main_tasks=f"Leder af {spec['name']}",
        public=kind != "directorate" and spec.get("leader_role") != "director",
        mobile=True,
    )

    # A secretary for directorates and for units that name one.
    secretary: dict[str, Any] | None = None
    if (
        kind == "directorate"
        or "secretary" in spec
        or "secretary_title" in spec
        or "secretary_rule" in spec
    ):
        first, surname = spec.get("secretary") or (pick_first(used_first), random_full_surname(rng))
        used_first.add(first)
        title = spec.get(
            "secretary_title", "Direktionssekretær" if kind == "directorate" else "Sekretær"
        )
        secretary = _employee_doc(
            people,
            first=first,
            surname=surname,
            tag=tag,
            title=title,
            role="secretary",
            digits=next(numbers),
            tasks=[],
            main_tasks=f"Sekretariat, kalender og post for {spec['name']}",
        )
    return leader, secretary


def _build_unit(
    spec: dict[str, Any],
    specs: dict[str, dict[str, Any]],
    people: _People,
    reserved: set[str],
    leaders: dict[str, str],
) -> dict[str, Any]:
    rng = people.rng
    uid: str = spec["id"]
    kind: str = spec["kind"]
    tag: str = spec.get("tag", uid)
    unit = _unit_head(spec)
    numbers = iter(_numbers_of_block(spec["block"], reserved))
    own_tasks: list[str] = list(spec.get("tasks", []))
    pool: list[str] = list(spec.get("task_pool", own_tasks))
    if not pool and kind == "team":
        pool = list(specs[spec["parent"]].get("tasks", []))
    employees: list[dict[str, Any]] = []
    # Pinned people keep their first names, so their ids ("mette-jobcenter") stay theirs.
    used_first: set[str] = {p["first"] for p in spec.get("pinned", [])}
    for fixed in ("leader", "secretary"):
        if spec.get(fixed):
            used_first.add(spec[fixed][0])

    leader, secretary = _heads(spec, people, tag, numbers, used_first)
    employees.append(leader)
    leaders[uid] = leader["id"]
    if secretary is not None:
        employees.append(secretary)

    for person in spec.get("pinned", []):
        used_first.add(person["first"])
        employees.append(
            _employee_doc(
                people,
                first=person["first"],
                surname=person["surname"],
                tag=tag,
                title=person["title"],
                role=person["role"],
                digits=next(numbers),
                tasks=list(person.get("tasks", [])),
                main_tasks=person.get("main_tasks", ""),
                mobile=rng.random() < 0.3,
                pid=person.get("id"),
            )
        )

    employees += _staff(spec, pool, people, tag, numbers, used_first)

    _unit_tail(unit, spec, rng, secretary, leader, own_tasks)
    unit["employees"] = employees
    return unit


def _task_doc(tid: str) -> dict[str, Any]:
    task = {
        k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
        for k, v in TASKS[tid].items()
    }
    return task


def _resolve_targets(distribution: dict[str, Any], leaders: dict[str, str]) -> dict[str, Any]:
    def target(t: dict[str, str]) -> dict[str, str]:
        emp = t.get("employee")
        if emp and emp.startswith("LEADER:"):
            return {"employee": leaders[emp.removeprefix("LEADER:")]}
        return dict(t)

    out: dict[str, Any] = {"by": distribution["by"]}
    out["rules"] = [
        {"match": r["match"], **target({k: v for k, v in r.items() if k != "match"})}
        for r in distribution["rules"]
    ]
    if "default" in distribution:
        out["default"] = target(distribution["default"])
    return out


def demo_organisation(seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The demo municipality as an organisation-file document (a plain dict)."""
    rng = random.Random(seed)
    people = _People(rng)
    specs = {s["id"]: s for s in UNIT_SPECS}
    reserved = {s.get("main_number", "") for s in UNIT_SPECS}
    reserved |= {s.get("transfer_only_to_number", "") for s in UNIT_SPECS}
    reserved.discard("")
    leaders: dict[str, str] = {}
    units = [_build_unit(spec, specs, people, reserved, leaders) for spec in UNIT_SPECS]
    for unit in units:
        for task in unit.get("tasks", []):
            if task["id"] in DISTRIBUTIONS:
                task["distribution"] = _resolve_targets(DISTRIBUTIONS[task["id"]], leaders)
    return {
        "format": FORMAT,
        "municipality": {
            "name": "Randers Kommune",
            "timezone": "Europe/Copenhagen",
            "country": "DK",
            "main_number": "89 15 15 15",
            "website": "https://www.randers.dk",
            "switchboard": "borgerservice",
            "hours": {
                "official": BORGERSERVICE_OPENING,
                "opening": ADMINISTRATION_HOURS,
                "phone": ADMINISTRATION_HOURS,
            },
            "closed": CLOSED,
        },
        "units": units,
        "mailings": [dict(m, tasks=list(m["tasks"])) for m in MAILINGS],
    }


class _Dumper(yaml.SafeDumper):
    """Safe dumping, with lists of plain values (keywords, tasks) on one line."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(x, str | int | float | bool) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def demo_yaml(seed: int = DEFAULT_SEED) -> str:
    """The demo organisation as YAML text, with the assumptions in a comment on top."""
    return HEADER + dump_yaml(demo_organisation(seed))


if __name__ == "__main__":
    print(demo_yaml(), end="")
