"""The unit editor's forms: from posted fields to a new Organisation, validated like the file.

Pages post plain HTML forms; each function here reads one form and hands the
values to the edit rules in `domain.orgedit`, which return a whole new
`Organisation`. Values go in as the editor typed them (phone numbers, hours
expressions) and `validated` puts the result through the organisation file's own
rules (`orgfile.validate`), so a web edit is stored normalised (E.164, trimmed),
or not at all; the file's messages are shown in Danish, with names for paths.
No FastAPI here: the routes live in `omstilling.web.editor.routes`.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, cast

from starlette.datastructures import FormData

from omstilling.calendars.feeds import FeedRefused, check_address
from omstilling.domain import orgedit
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
from omstilling.domain.ownership import owned_values
from omstilling.settings import get_settings
from omstilling.web.editor.problems import FIELD_LABELS as FIELD_LABELS  # the page reads it here
from omstilling.web.editor.problems import EditError
from omstilling.web.editor.problems import danish as danish  # the page reads it here

# Blank rows offered for new numbers and distribution rules (forms work without JavaScript).
BLANK_ROWS = 2
MAX_ROWS = 60

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


# --- one function per form -----------------------------------------------------------------------


def edit_basics(org: Organisation, unit_id: str, form: FormData) -> Organisation:
    """R2.1: the description of the unit's field, its address and who answers for its data."""
    return orgedit.change_unit(
        org,
        unit_id,
        description=text(form, "description"),
        address=text(form, "address"),
        owner=optional(text(form, "owner")),
    )


def edit_hours(org: Organisation, unit_id: str, form: FormData) -> Organisation:
    """Own opening and phone hours; an empty field means inherited from above."""
    hours = Hours(opening=optional(text(form, "opening")), phone=optional(text(form, "phone")))
    return orgedit.change_unit(org, unit_id, hours=hours)


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
    return orgedit.change_unit(org, unit_id, numbers=tuple(numbers))


def edit_rules(org: Organisation, unit_id: str, form: FormData) -> Organisation:
    """R2.4 secretary, R2.5 transfer only to, R3.8 sensitive."""
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
    return orgedit.change_unit(
        org,
        unit_id,
        secretary=secretary,
        transfer_only_to=only_to,
        sensitive=checked(form, "sensitive"),
    )


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
    new = task_id is None
    if task_id is None:
        task_id = f["id"] or orgedit.free_id(orgedit.slugify(f["name"]), org.tasks)
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
    return orgedit.put_task(org, task, new=new), task_id


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
        "source": (e.source or "") if e else "",  # her fields from it are read-only ("fra ad")
        "calendar_set": bool(e and e.calendar),  # never the address: it is a secret
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
        # Shown again after an error: whether she had one, never the address typed.
        "calendar_set": checked(form, "calendar_was_set"),
    }


def posted_calendar(form: FormData, before: str | None) -> str | None:
    """The employee's calendar after the form (issue 15 item 1): a new address typed
    (checked as on her own page: http(s), no loopback or link-local host), removed, or
    as it was. The address is never repeated in an error (it is a secret)."""
    if checked(form, "calendar_remove"):
        return None
    url = text(form, "calendar")
    if not url:
        return before
    try:
        return check_address(url, allow_loopback=get_settings().calendar_allow_loopback)
    except FeedRefused as exc:
        raise EditError(
            [f"Kalender: adressen kan ikke bruges: {exc.args[0].removeprefix('calendar: ')}"]
        ) from None


def edit_employee(
    org: Organisation, unit_id: str, employee_id: str | None, form: FormData
) -> tuple[Organisation, str]:
    """R2.2: an employee and their main tasks; `employee_id` None adds one."""
    f = posted_employee_form(form)
    if f["role"] not in ROLES:
        raise EditError(["Rolle: ukendt rolle"])
    new = employee_id is None
    if employee_id is None:
        wanted = orgedit.slugify(f"{f['name']} {unit_id}")
        employee_id = f["id"] or orgedit.free_id(wanted, org.employees)
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
        calendar=posted_calendar(form, base.calendar),
    )
    if base.source:  # what her source owns is not the editor's: the next sync would undo it
        employee = dataclasses.replace(employee, **owned_values(base))
    return orgedit.put_employee(org, employee, new=new), employee_id


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
    mailing_id = orgedit.free_id(orgedit.slugify(f"{f['title']} {days['sent'].year}"), org.mailings)
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
    return orgedit.put_mailing(org, mailing), mailing_id
