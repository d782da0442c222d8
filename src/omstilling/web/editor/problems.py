"""The file's problems, for the unit editor: in Danish, with names instead of file paths.

A web edit is checked by the organisation file's own rules (`orgfile.validate`);
their messages are English and name paths such as `units[3].employees[1].phone`,
which mean little to a unit editor. Here they become `Jobcenter › Mette Dahl ›
direkte nummer: ugyldigt telefonnummer '...'`.
"""

from __future__ import annotations

import re

from omstilling import orgfile
from omstilling.domain.editscope import Trespass
from omstilling.domain.organisation import Organisation

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
    "distribution.rules": "sagsfordeling",
    "distribution.default": "sagsfordeling, ellers",
    "parent": "overordnet enhed",
    "employees": "medarbejdere",
    "unit": "enhed",
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
    (re.compile(r"^looks like a CPR number.*$"), "ligner et CPR-nummer; skriv det aldrig her"),
    (re.compile(r"^\(not shown: .*CPR number\)$"), "ligner et CPR-nummer; skriv det aldrig her"),
]


# The form input a field's Danish label stands for (issue 17 item 5: an error is tied to
# its field); the last part of the file's key, where the form's own name differs.
INPUTS = {label: key.rsplit(".", 1)[-1] for key, label in reversed(FIELD_LABELS.items())}
INPUTS.update(
    {
        "henvis til, nummer": "refer_number",
        "henvis til, navn": "refer_name",
        "sekretær": "secretary_employee",
        "omstil kun til": "transfer_number",
        "sagsfordeling": "dist_by",
        "dataansvarlig": "owner",
    }
)


def error_fields(errors: list[str]) -> list[str]:
    """The names of the form inputs the problems are about (`Jobcenter › Mette Dahl ›
    direkte nummer: ...` is about `phone`; a numbered row about that row's input)."""
    names: list[str] = []
    for problem in errors:
        where = problem.split(": ", 1)[0]
        rows = re.findall(r" \(række (\d+)\)", where)
        label = re.sub(r" \(række \d+\)", "", where.rsplit(" › ", 1)[-1]).lower()
        name = INPUTS.get(label)
        if name in ("numbers", "number", "label") and rows:  # a row of the numbers table
            name = f"{'label' if name == 'label' else 'number'}_{int(rows[-1]) - 1}"
        if name and name not in names:
            names.append(name)
    return names


# What a trespass names, in the words of the page (issue 12 item 7).
KIND_DA = {
    "unit": "enheden",
    "task": "opgaven",
    "employee": "medarbejderen",
    "mailing": "udsendelsen",
}


class EditError(ValueError):
    """The edit breaks a rule of the organisation file; nothing was saved."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


# --- through the file's rules --------------------------------------------------------------------


def validated(before: Organisation, after: Organisation) -> orgfile.Checked:
    """The edit through the file's own rules, checked from what it changes
    (`orgfile.validate_edit`): the organisation normalised, its changes, and the warnings
    it brings, in Danish (the entities' older warnings are not the editor's doing).
    Raises EditError with the problems in Danish."""
    try:
        checked = orgfile.validate_edit(before, after)
    except orgfile.EditRejected as exc:
        raise EditError([humanise(exc.part, e) for e in exc.errors]) from None
    warnings = [humanise(checked.part, w) for w in checked.warnings]
    if warnings:
        earlier, part = checked.warnings_before(before)
        known = {humanise(part, w) for w in earlier}
        warnings = [w for w in warnings if w not in known]
    checked.warnings = warnings
    return checked


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


# --- outside the editor's units (issue 12 item 7) ------------------------------------------------


def outside(before: Organisation, after: Organisation, trespasses: list[Trespass]) -> list[str]:
    """Each trespass as a line of the form's error box: where, which field, what it names."""
    out: list[str] = []
    for t in trespasses:
        if t.field:
            where = _where(after, t.kind, t.entity_id)
            label = FIELD_LABELS.get(t.field, t.field)
            what = f"{KIND_DA[t.named or 'unit']} '{t.ident}' hører ikke til dine enheder"
            line = f"{where} › {label}: {what}" if where else f"{label}: {what}"
        elif t.entity_id in _all_ids(before, t.kind):
            line = f"id '{t.entity_id}' bruges allerede af en anden enhed"
        else:
            line = f"{KIND_DA[t.kind]} '{t.entity_id}' hører ikke til dine enheder"
        if line not in out:
            out.append(line)
    return out


def _all_ids(org: Organisation, kind: str) -> set[str]:
    if kind == "unit":
        return set(org.units)
    if kind == "task":
        return set(org.tasks)
    return set(org.employees if kind == "employee" else org.mailings)


def _where(org: Organisation, kind: str, ident: str) -> str:
    """`Jobcenter › Kontanthjælp`: the unit and the entity the field belongs to."""
    if kind == "unit":
        unit = org.units.get(ident)
        return unit.name if unit else ident
    if kind == "mailing":
        mailing = org.mailings.get(ident)
        return f"udsendelse '{mailing.title}'" if mailing else "udsendelse"
    entity = org.tasks.get(ident) if kind == "task" else org.employees.get(ident)
    if entity is None:
        return ident
    unit = org.units.get(entity.unit)
    return f"{unit.name} › {entity.name}" if unit else entity.name
