"""The unit editor's forms: from posted fields to a new Organisation, validated like the file.

Pages post plain HTML forms; each function here turns one form into a whole new
`Organisation` (the domain objects are frozen). Values go in as the editor typed
them (phone numbers, hours expressions) and `validated` dumps the result to the
organisation file's document and parses it again, so a web edit obeys exactly the
rules of the file and is stored normalised (E.164, trimmed), or not at all.
No FastAPI here: the routes live in `omstilling.web.editor.routes`.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from starlette.datastructures import FormData

from omstilling import orgfile
from omstilling.domain.danish import format_phone
from omstilling.domain.organisation import (
    DISTRIBUTION_KINDS,
    ROLES,
    Distribution,
    DistributionRule,
    DistributionTarget,
    Employee,
    Hours,
    Mailing,
    Number,
    Organisation,
    ReferTo,
    SecretaryRule,
    Task,
    TransferOnlyTo,
    Unit,
)

# Blank rows offered for new numbers and distribution rules (forms work without JavaScript).
BLANK_ROWS = 2
MAX_ROWS = 60

FIELD_LABELS = {
    "description": "beskrivelse",
    "address": "adresse",
    "hours.opening": "åbningstid",
    "hours.phone": "telefontid",
    "numbers": "funktionsnumre",
    "number": "nummer",
    "label": "betegnelse",
    "transfer_only_to": "omstil kun til",
    "transfer_only_to.employee": "omstil kun til",
    "transfer_only_to.number": "omstil kun til",
    "secretary.employee": "sekretær",
    "secretary.roles": "sekretærens roller",
    "distribution.rules.employee": "sagsfordeling",
    "distribution.rules.unit": "sagsfordeling",
    "distribution.default.employee": "sagsfordeling, ellers",
    "distribution.default.unit": "sagsfordeling, ellers",
    "refer_to.number": "henvis til, nummer",
    "refer_to.name": "henvis til, navn",
    "secretary": "sekretær",
    "owner": "dataansvarlig",
    "name": "navn",
    "title": "titel",
    "role": "rolle",
    "phone": "direkte nummer",
    "mobile": "mobil",
    "extension": "lokalnummer",
    "email": "e-mail",
    "tasks": "opgaver",
    "keywords": "søgeord",
    "kle": "KLE-nummer",
    "answer": "svar",
    "refer_to": "henvis til",
    "distribution": "sagsfordeling",
    "rules": "regler",
    "match": "interval",
    "default": "ellers",
    "id": "id",
    "title_m": "titel",
    "sent": "sendt",
    "calls_expected_until": "opkald ventes til",
    "expected_calls": "forventede opkald",
}
# The file's messages are English (they are read by IT too); the common ones get Danish here.
MESSAGE_DA = [
    (re.compile(r"^invalid opening_hours expression: ?"), "ugyldigt tidsudtryk: "),
    (re.compile(r"^invalid phone number '(.*)'$"), r"ugyldigt telefonnummer '\1'"),
    (re.compile(r"^must not be empty$"), "skal udfyldes"),
    (re.compile(r"^is required$"), "skal udfyldes"),
    (re.compile(r"^unknown employee '(.*)'$"), r"ukendt medarbejder '\1'"),
    (re.compile(r"^unknown task '(.*)'$"), r"ukendt opgave '\1'"),
    (re.compile(r"^unknown unit '(.*)'$"), r"ukendt enhed '\1'"),
    (re.compile(r"^duplicate (\w+) id '(.*)' .*$"), r"id '\2' findes allerede"),
    (re.compile(r"^must be 2-8 digits, got '(.*)'$"), r"skal være 2-8 cifre, ikke '\1'"),
    (re.compile(r"^is before sent$"), "ligger før datoen for udsendelsen"),
    (re.compile(r"^'(.*)' is not a valid id .*$"), r"'\1' er ikke et gyldigt id (a-z, 0-9, -)"),
]


class EditError(ValueError):
    """The edit breaks a rule of the organisation file; nothing was saved."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


# --- small helpers -------------------------------------------------------------------------------


def text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, key: str) -> list[str]:
    return [v.strip() for v in form.getlist(key) if isinstance(v, str) and v.strip()]


def checked(form: FormData, key: str) -> bool:
    return text(form, key) in ("1", "on", "true", "ja")


def optional(value: str) -> str | None:
    return value or None


def split_list(value: str) -> tuple[str, ...]:
    """ "a, b,c" -> ("a", "b", "c"); keywords and the like are typed comma-separated."""
    return tuple(x.strip() for x in value.split(",") if x.strip())


def slugify(value: str) -> str:
    """A file id from a Danish name: "Søren Ærø" -> "soeren-aeroe"."""
    folded = value.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80]


def free_id(wanted: str, taken: Iterable[str]) -> str:
    used = set(taken)
    base = wanted or "ny"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def target_value(t: DistributionTarget | None) -> str:
    if t is None:
        return ""
    return f"employee:{t.employee}" if t.employee else f"unit:{t.unit}"


def parse_target(value: str) -> DistributionTarget | None:
    kind, _, ident = value.partition(":")
    if not ident:
        return None
    return (
        DistributionTarget(employee=ident) if kind == "employee" else DistributionTarget(unit=ident)
    )


def phone_text(e164: str | None) -> str:
    return format_phone(e164) if e164 else ""


# --- building a new Organisation -----------------------------------------------------------------


def rebuild(
    org: Organisation,
    *,
    units: dict[str, Unit] | None = None,
    tasks: dict[str, Task | None] | None = None,
    employees: dict[str, Employee | None] | None = None,
    mailings: dict[str, Mailing | None] | None = None,
) -> Organisation:
    """`org` with entities replaced (a None value removes one; an unknown id appends it)."""

    def merged(current: dict[str, Any], changes: dict[str, Any] | None) -> list[Any]:
        changes = changes or {}
        out = [changes.get(k, v) for k, v in current.items()]
        out += [v for k, v in changes.items() if k not in current]
        return [x for x in out if x is not None]

    return Organisation(
        org.municipality,
        merged(org.units, units),
        merged(org.employees, employees),
        merged(org.tasks, tasks),
        merged(org.mailings, mailings),
        revision=org.revision,
    )


def validated(org: Organisation) -> tuple[Organisation, list[str]]:
    """The edit through the file's own parser: (normalised org, warnings) or EditError."""
    try:
        result = orgfile.parse_data(orgfile.to_document(org))
    except orgfile.OrgFileError as exc:
        raise EditError([humanise(org, e) for e in exc.errors]) from None
    return result.organisation, [humanise(org, w) for w in result.warnings]


def danish(message: str) -> str:
    """The parser's message in Danish where we know it; otherwise as it is."""
    for pattern, replacement in MESSAGE_DA:
        if pattern.search(message):
            return pattern.sub(replacement, message)
    return message


def humanise(org: Organisation, problem: str) -> str:
    """`units[3].employees[1].phone: invalid ...` -> `Jobcenter › Mette Dahl › direkte nummer: ...`.

    The file's paths mean little to a unit editor; names and Danish labels do.
    """
    path, sep, message = problem.partition(": ")
    if not sep:
        return problem
    message = danish(message)
    units = list(org.units.values())
    parts: list[str] = []
    match = re.match(r"^units\[(\d+)\]\.?(.*)$", path)
    rest = path
    if match and int(match.group(1)) < len(units):
        unit = units[int(match.group(1))]
        parts.append(unit.name)
        rest = match.group(2)
        sub = re.match(r"^(employees|tasks)\[(\d+)\]\.?(.*)$", rest)
        if sub:
            ids = unit.employees if sub.group(1) == "employees" else unit.tasks
            index = int(sub.group(2))
            if index < len(ids):
                entity = (
                    org.employees.get(ids[index])
                    if sub.group(1) == "employees"
                    else org.tasks.get(ids[index])
                )
                parts.append(entity.name if entity and entity.name else ids[index])
            rest = sub.group(3)
    mailing = re.match(r"^mailings\[(\d+)\]\.?(.*)$", path)
    if mailing:
        items = list(org.mailings.values())
        index = int(mailing.group(1))
        parts.append(f"udsendelse '{items[index].title}'" if index < len(items) else "udsendelse")
        rest = mailing.group(2)
    if rest:
        key = re.sub(r"\[\d+\]", "", rest)
        label = FIELD_LABELS.get(key) or FIELD_LABELS.get(key.rsplit(".", 1)[-1], key)
        row = re.search(r"\[(\d+)\]", rest)
        parts.append(f"{label} (række {int(row.group(1)) + 1})" if row else label)
    return f"{' › '.join(parts) or path}: {message}"


# --- one function per form -----------------------------------------------------------------------


def edit_basics(org: Organisation, unit_id: str, form: FormData) -> Organisation:
    """R2.1: the description of the unit's field, its address and who answers for its data."""
    unit = org.units[unit_id]
    new = dataclasses.replace(
        unit,
        description=text(form, "description"),
        address=text(form, "address"),
        owner=optional(text(form, "owner")),
    )
    return rebuild(org, units={unit_id: new})


def edit_hours(org: Organisation, unit_id: str, form: FormData) -> Organisation:
    """Own opening and phone hours; an empty field means inherited from above."""
    unit = org.units[unit_id]
    hours = Hours(opening=optional(text(form, "opening")), phone=optional(text(form, "phone")))
    return rebuild(org, units={unit_id: dataclasses.replace(unit, hours=hours)})


def number_rows(unit: Unit) -> list[dict[str, str]]:
    rows = [{"number": phone_text(n.e164), "label": n.label} for n in unit.numbers]
    return rows + [{"number": "", "label": ""} for _ in range(BLANK_ROWS)]


def posted_number_rows(form: FormData) -> list[dict[str, str]]:
    rows = []
    for i in range(MAX_ROWS):
        if f"number_{i}" not in form and f"label_{i}" not in form:
            break
        rows.append({"number": text(form, f"number_{i}"), "label": text(form, f"label_{i}")})
    return rows


def edit_numbers(org: Organisation, unit_id: str, form: FormData) -> Organisation:
    """R3.7: the function numbers, the first being the unit's main number."""
    errors = []
    numbers = []
    for i, row in enumerate(posted_number_rows(form)):
        if row["number"]:
            numbers.append(Number(row["number"], row["label"]))
        elif row["label"]:
            errors.append(f"Funktionsnumre (række {i + 1}): betegnelsen mangler et nummer")
    if errors:
        raise EditError(errors)
    unit = org.units[unit_id]
    return rebuild(org, units={unit_id: dataclasses.replace(unit, numbers=tuple(numbers))})


def edit_rules(org: Organisation, unit_id: str, form: FormData) -> Organisation:
    """R2.4 secretary, R2.5 transfer only to, R3.8 sensitive."""
    unit = org.units[unit_id]
    secretary = None
    if text(form, "secretary_employee"):
        roles = tuple(r for r in texts(form, "secretary_roles") if r in ROLES)
        secretary = SecretaryRule(
            text(form, "secretary_employee"), text(form, "secretary_when"), cast(Any, roles)
        )
    only_to = None
    kind = text(form, "transfer_kind")
    if kind == "employee":
        if not text(form, "transfer_employee"):
            raise EditError(["Omstil kun til: vælg en medarbejder"])
        only_to = TransferOnlyTo(employee=text(form, "transfer_employee"))
    elif kind == "number":
        if not text(form, "transfer_number"):
            raise EditError(["Omstil kun til: skriv et nummer"])
        only_to = TransferOnlyTo(number=text(form, "transfer_number"))
    new = dataclasses.replace(
        unit, secretary=secretary, transfer_only_to=only_to, sensitive=checked(form, "sensitive")
    )
    return rebuild(org, units={unit_id: new})


def mark_reviewed(org: Organisation, unit_id: str, today: date) -> Organisation:
    """R2.6: the owner confirms the data is current."""
    return rebuild(org, units={unit_id: dataclasses.replace(org.units[unit_id], reviewed=today)})


# --- tasks ---------------------------------------------------------------------------------------


def task_form(task: Task | None) -> dict[str, Any]:
    """The fields of a task form, from the stored task (or empty for a new one)."""
    dist = task.distribution if task else None
    rules = [
        {"match": r.match, "target": target_value(r.target)} for r in (dist.rules if dist else ())
    ]
    return {
        "id": task.id if task else "",
        "name": task.name if task else "",
        "keywords": ", ".join(task.keywords) if task else "",
        "kle": (task.kle or "") if task else "",
        "handled_by_switchboard": bool(task and task.handled_by_switchboard),
        "answer": task.answer if task else "",
        "refer_name": task.refer_to.name if task and task.refer_to else "",
        "refer_number": phone_text(task.refer_to.number) if task and task.refer_to else "",
        "dist_by": dist.by if dist else "",
        "rules": rules + [{"match": "", "target": ""} for _ in range(BLANK_ROWS)],
        "dist_default": target_value(dist.default) if dist else "",
    }


def posted_task_form(form: FormData) -> dict[str, Any]:
    """The same fields as they were posted, to show them again next to the errors."""
    rules = []
    for i in range(MAX_ROWS):
        if f"rule_match_{i}" not in form:
            break
        rules.append(
            {"match": text(form, f"rule_match_{i}"), "target": text(form, f"rule_target_{i}")}
        )
    return {
        "id": text(form, "id"),
        "name": text(form, "name"),
        "keywords": text(form, "keywords"),
        "kle": text(form, "kle"),
        "handled_by_switchboard": checked(form, "handled_by_switchboard"),
        "answer": text(form, "answer"),
        "refer_name": text(form, "refer_name"),
        "refer_number": text(form, "refer_number"),
        "dist_by": text(form, "dist_by"),
        "rules": rules,
        "dist_default": text(form, "dist_default"),
    }


def edit_task(
    org: Organisation, unit_id: str, task_id: str | None, form: FormData
) -> tuple[Organisation, str]:
    """R2.2: a task with its keywords and how its cases are split; `task_id` None adds one."""
    f = posted_task_form(form)
    errors: list[str] = []
    distribution = None
    if f["dist_by"]:
        if f["dist_by"] not in DISTRIBUTION_KINDS:
            errors.append("Sagsfordeling: ukendt fordeling")
        rules = []
        for i, row in enumerate(f["rules"]):
            if not row["match"] and not row["target"]:
                continue
            target = parse_target(row["target"])
            if not row["match"] or target is None:
                errors.append(f"Sagsfordeling (række {i + 1}): udfyld både interval og modtager")
                continue
            rules.append(DistributionRule(row["match"], target))
        distribution = Distribution(
            cast(Any, f["dist_by"]), tuple(rules), parse_target(f["dist_default"])
        )
    refer = None
    if f["refer_name"] or f["refer_number"]:
        if not (f["refer_name"] and f["refer_number"]):
            errors.append("Henvis til: udfyld både navn og nummer")
        refer = ReferTo(f["refer_name"], f["refer_number"])
    if errors:
        raise EditError(errors)
    unit = org.units[unit_id]
    if task_id is None:
        task_id = f["id"] or free_id(slugify(f["name"]), org.tasks)
        unit = dataclasses.replace(unit, tasks=(*unit.tasks, task_id))
    task = Task(
        id=task_id,
        unit=unit_id,
        name=f["name"],
        keywords=split_list(f["keywords"]),
        kle=optional(f["kle"]),
        handled_by_switchboard=f["handled_by_switchboard"],
        answer=f["answer"],
        refer_to=refer,
        distribution=distribution,
    )
    return rebuild(org, units={unit_id: unit}, tasks={task_id: task}), task_id


def remove_task(org: Organisation, unit_id: str, task_id: str) -> Organisation:
    """Remove a task; the employees' task lists forget it (other references must be fixed first)."""
    unit = org.units[unit_id]
    employees: dict[str, Employee | None] = {
        e.id: dataclasses.replace(e, tasks=tuple(t for t in e.tasks if t != task_id))
        for e in org.employees.values()
        if task_id in e.tasks
    }
    return rebuild(
        org,
        units={
            unit_id: dataclasses.replace(unit, tasks=tuple(t for t in unit.tasks if t != task_id))
        },
        tasks={task_id: None},
        employees=employees,
    )


# --- employees -----------------------------------------------------------------------------------


def employee_form(e: Employee | None) -> dict[str, Any]:
    return {
        "id": e.id if e else "",
        "name": e.name if e else "",
        "title": e.title if e else "",
        "role": e.role if e else "caseworker",
        "phone": phone_text(e.phone) if e else "",
        "public": e.public if e else True,
        "extension": (e.extension or "") if e else "",
        "mobile": phone_text(e.mobile) if e else "",
        "email": (e.email or "") if e else "",
        "tasks": list(e.tasks) if e else [],
        "main_tasks": e.main_tasks if e else "",
    }


def posted_employee_form(form: FormData) -> dict[str, Any]:
    return {
        "id": text(form, "id"),
        "name": text(form, "name"),
        "title": text(form, "title"),
        "role": text(form, "role") or "caseworker",
        "phone": text(form, "phone"),
        "public": checked(form, "public"),
        "extension": text(form, "extension"),
        "mobile": text(form, "mobile"),
        "email": text(form, "email"),
        "tasks": texts(form, "tasks"),
        "main_tasks": text(form, "main_tasks"),
    }


def edit_employee(
    org: Organisation, unit_id: str, employee_id: str | None, form: FormData
) -> tuple[Organisation, str]:
    """R2.2: an employee and their main tasks; `employee_id` None adds one."""
    f = posted_employee_form(form)
    if f["role"] not in ROLES:
        raise EditError(["Rolle: ukendt rolle"])
    unit = org.units[unit_id]
    if employee_id is None:
        employee_id = f["id"] or free_id(slugify(f"{f['name']} {unit_id}"), org.employees)
        unit = dataclasses.replace(unit, employees=(*unit.employees, employee_id))
        base = Employee(id=employee_id, unit=unit_id, name="")
    else:
        base = org.employees[employee_id]
    # Fields the form does not show (login, external id, working hours) are kept as they are.
    employee = dataclasses.replace(
        base,
        name=f["name"],
        title=f["title"],
        role=cast(Any, f["role"]),
        phone=optional(f["phone"]),
        public=f["public"],
        extension=optional(f["extension"]),
        mobile=optional(f["mobile"]),
        email=optional(f["email"]),
        tasks=tuple(dict.fromkeys(f["tasks"])),
        main_tasks=f["main_tasks"],
    )
    return rebuild(org, units={unit_id: unit}, employees={employee_id: employee}), employee_id


def remove_employee(org: Organisation, unit_id: str, employee_id: str) -> Organisation:
    unit = org.units[unit_id]
    return rebuild(
        org,
        units={
            unit_id: dataclasses.replace(
                unit, employees=tuple(e for e in unit.employees if e != employee_id)
            )
        },
        employees={employee_id: None},
    )


# --- mailings (R2.7) -----------------------------------------------------------------------------


def mailing_form(today: date) -> dict[str, Any]:
    return {
        "title": "",
        "sent": today.isoformat(),
        "calls_expected_until": "",
        "expected_calls": "",
        "tasks": [],
        "answer": "",
        "staffed": False,
    }


def posted_mailing_form(form: FormData) -> dict[str, Any]:
    return {
        "title": text(form, "title"),
        "sent": text(form, "sent"),
        "calls_expected_until": text(form, "calls_expected_until"),
        "expected_calls": text(form, "expected_calls"),
        "tasks": texts(form, "tasks"),
        "answer": text(form, "answer"),
        "staffed": checked(form, "staffed"),
    }


def add_mailing(org: Organisation, unit_id: str, form: FormData) -> tuple[Organisation, str]:
    """R2.7: many letters go out and the unit expects calls (and says whether it is staffed)."""
    f = posted_mailing_form(form)
    errors = []
    days: dict[str, date] = {}
    for key, label in (("sent", "Sendt"), ("calls_expected_until", "Opkald ventes til")):
        try:
            days[key] = date.fromisoformat(f[key])
        except ValueError:
            errors.append(f"{label}: vælg en dato")
    expected = None
    if f["expected_calls"]:
        try:
            expected = int(f["expected_calls"])
            if expected < 0:
                raise ValueError
        except ValueError:
            errors.append("Forventede opkald: skriv et helt tal")
    if errors:
        raise EditError(errors)
    mailing_id = free_id(slugify(f"{f['title']} {days['sent'].year}"), org.mailings)
    mailing = Mailing(
        id=mailing_id,
        unit=unit_id,
        title=f["title"],
        sent=days["sent"],
        calls_expected_until=days["calls_expected_until"],
        expected_calls=expected,
        tasks=tuple(dict.fromkeys(f["tasks"])),
        answer=f["answer"],
        staffed=f["staffed"],
    )
    return rebuild(org, mailings={mailing_id: mailing}), mailing_id


def remove_mailing(org: Organisation, mailing_id: str) -> Organisation:
    return rebuild(org, mailings={mailing_id: None})
