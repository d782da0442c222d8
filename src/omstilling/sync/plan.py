"""What a sync changes: the source's entries matched to the organisation's people.

Pure: given the stored organisation, the people of this source who left before (to bring
a returner back under her id) and the entries read, it gives the new organisation and a
report per unit (added, changed field by field, moved, left, returned), or refuses. The
source owns the people it brings, their numbers, titles and unit membership; the units'
own fields (tasks, rules, roles, `public`, hours ...) are never touched, except that a
rule naming someone who left names her unit instead (`sync.leavers`).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from omstilling.domain.citizen import looks_like_cpr
from omstilling.domain.danish import parse_phone
from omstilling.domain.organisation import Employee, Organisation, Unit
from omstilling.domain.orgedit import slugify
from omstilling.domain.ownership import SOURCE_OWNED
from omstilling.sync.config import LdapSource, SyncConfig
from omstilling.sync.entries import Entry, SourceError
from omstilling.sync.leavers import Flag, rewrite_leavers

PHONES = ("phone", "mobile")
EXTENSION = re.compile(r"[0-9*#]{2,8}")
NOT_DIGITS = re.compile(r"[^0-9]")
WIDTHS = {"name": 300, "title": 300, "email": 300, "login": 300, "external_id": 200}


@dataclass
class UnitReport:
    added: list[str] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)  # {name, fields: {f: [old, new]}}
    moved: list[dict[str, str]] = field(default_factory=list)  # {name, from, to}
    left: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.added or self.changed or self.moved or self.left or self.returned)


@dataclass
class Plan:
    org: Organisation
    units: dict[str, UnitReport]
    warnings: list[str]
    unmapped: dict[str, int]  # unit value -> people (placed in the default, or skipped)
    left_ids: list[str]
    flags: list[Flag]
    source_people: int  # this source's people before the run
    entries: int

    def count(self, what: str) -> int:
        return sum(len(getattr(r, what)) for r in self.units.values())

    @property
    def left_share(self) -> float:
        return len(self.left_ids) / self.source_people if self.source_people else 0.0

    def changed_anything(self) -> bool:
        return any(not r.empty() for r in self.units.values())


def check_units(config: SyncConfig, org: Organisation) -> None:
    """Every unit the sync file names exists, or SourceError naming each that does not."""
    u = config.units
    named = [(f"units.map.{k}", v) for k, v in u.map.items()]
    named += [("units.default", u.default)] if u.default else []
    named += [(f"units.only[{i}]", x) for i, x in enumerate(u.only or ())]
    problems = [f"{p}: unknown unit '{x}'" for p, x in named if x not in org.units]
    if problems:
        raise SourceError("; ".join(problems))


def plan(
    config: SyncConfig,
    org: Organisation,
    entries: list[Entry],
    *,
    departed: dict[str, Employee],
    taken_ids: set[str],
) -> Plan:
    """The sync of `entries` into `org`. `departed`: this source's people who left earlier,
    by external id; `taken_ids`: every employee id ever stored (a new id never reuses one)."""
    check_units(config, org)
    run = _Run(config, org, departed, taken_ids)
    once = _match_once(
        entries,
        [e for e in org.employees.values() if not e.external_id and not e.source],
        run.warnings,
    )
    by_ext = {e.external_id: e for e in org.employees.values() if e.external_id}
    scope = set(config.units.only) if config.units.only else None
    before = {
        e.id
        for e in org.employees.values()
        if e.source == config.name and (scope is None or e.unit in scope)
    }
    moved = _MovedIds(org, entries) if isinstance(config.source, LdapSource) else None
    for entry in entries:
        unit_id = _unit_of(config, entry, run.unmapped)
        if unit_id is None:
            continue
        if scope is not None and unit_id not in scope:
            run.warnings.append(f"{entry.where}: unit '{unit_id}' is not in units.only; skipped")
            continue
        old = by_ext.get(entry.values.get("external_id", "").strip()) or once.get(entry.where)
        if moved is not None and old is not None:
            moved.check(entry, old)
        values = _values(entry, run.warnings, old)
        if values is not None:
            run.person(entry, values, old, unit_id)
    left = sorted(before - run.seen)
    for i in left:
        run.reports[org.employees[i].unit].left.append(org.employees[i].name)
    result, flags = rewrite_leavers(_with_people(org, run.people), left, config.name)
    reports = {u: r for u, r in run.reports.items() if not r.empty()}
    return Plan(
        result, reports, run.warnings, dict(run.unmapped), left, flags, len(before), len(entries)
    )


class _MovedIds:
    """In LDAP a stable id stays with one person: an entry whose id is Mette's but whose
    login is Niels's, while Niels's own id is gone, means the id moved between two people
    (a restored or recycled account). That stops the run, naming both."""

    def __init__(self, org: Organisation, entries: list[Entry]) -> None:
        self.present = {e.values.get("external_id", "").strip() for e in entries}
        self.by_login = {
            e.login.casefold(): e for e in org.employees.values() if e.login and e.external_id
        }

    def check(self, entry: Entry, old: Employee) -> None:
        login = (entry.values.get("login") or "").strip().casefold()
        if not login or not old.login or login == old.login.casefold():
            return
        other = self.by_login.get(login)
        if other is not None and other.id != old.id and other.external_id not in self.present:
            raise SourceError(
                f"the stable id {old.external_id} moved between two people: it was "
                f"{old.id} ({old.name}) and is now {entry.where}, whose login is that of "
                f"{other.id} ({other.name}); nothing was changed"
            )


class _Run:
    """What one plan collects: the people put in, who was seen, the reports, warnings."""

    def __init__(
        self, config: SyncConfig, org: Organisation, departed: dict[str, Employee], taken: set[str]
    ) -> None:
        self.config, self.org, self.departed = config, org, departed
        self.taken = set(taken) | set(org.employees)
        self.people: dict[str, Employee] = {}
        self.seen: set[str] = set()
        self.reports: dict[str, UnitReport] = defaultdict(UnitReport)
        self.warnings: list[str] = []
        self.unmapped: Counter[str] = Counter()

    def person(
        self, entry: Entry, values: dict[str, str | None], old: Employee | None, unit_id: str
    ) -> None:
        """One entry: a person matched (changed, moved), back (a returner) or new."""
        name, ext = self.config.name, values["external_id"] or ""
        if old is not None and old.source not in (None, name):
            self.warnings.append(
                f"{entry.where}: {old.id} belongs to the source '{old.source}'; left alone"
            )
            return
        if old is not None and old.id in self.seen:
            self.warnings.append(f"{entry.where}: {old.id} was matched by another entry; skipped")
            return
        mapped = self.config.fields
        owned: dict[str, Any] = {
            f: values.get(f) for f in (*SOURCE_OWNED, "extension") if f in mapped
        }
        if "title" in owned and owned["title"] is None:
            owned["title"] = ""  # no title is an empty one, as in the file
        report = self.reports[unit_id]
        if old is None and ext in self.departed:  # a returner: her id, and her history, again
            back = dataclasses.replace(self.departed[ext], **owned, source=name, unit=unit_id)
            tasks = tuple(t for t in back.tasks if t in self.org.tasks)
            self._put(dataclasses.replace(back, tasks=tasks))
            report.returned.append(back.name)
        elif old is None:
            ident = self._free_id(owned.get("name") or "ny")
            new = Employee(id=ident, unit=unit_id, name=owned.pop("name") or ident, role="staff")
            self._put(dataclasses.replace(new, **owned, source=name))
            report.added.append(new.name)
        else:
            self.seen.add(old.id)
            same = all(getattr(old, f) == v for f, v in owned.items())
            if same and old.source == name and old.unit == unit_id:
                return  # the usual case of a re-sync: nothing to make
            new = dataclasses.replace(old, **owned, source=name, unit=unit_id)
            if new == old:
                return
            self.people[old.id] = new
            fields = {
                f: [getattr(old, f), getattr(new, f)]
                for f in (*SOURCE_OWNED, "extension", "source")
                if getattr(old, f) != getattr(new, f)
            }
            if fields:
                report.changed.append({"name": new.name, "id": new.id, "fields": fields})
            if old.unit != unit_id:
                report.moved.append({"name": new.name, "from": old.unit, "to": unit_id})

    def _free_id(self, name: str) -> str:
        """orgedit.free_id's rule without copying the taken ids for each new person."""
        base = slugify(name) or "ny"
        ident, n = base, 2
        while ident in self.taken:
            ident, n = f"{base}-{n}", n + 1
        return ident

    def _put(self, e: Employee) -> None:
        self.people[e.id] = e
        self.seen.add(e.id)
        self.taken.add(e.id)


def _match_once(
    entries: list[Entry], unmatched: list[Employee], warnings: list[str]
) -> dict[str, Employee]:
    """People without an external id yet, matched once by e-mail, else by login
    (case-insensitively), when exactly one entry has it: entry's `where` -> person."""
    out: dict[str, Employee] = {}
    if not unmatched:
        return out
    for key in ("email", "login"):
        counts = Counter(e.values[key].casefold() for e in entries if e.values.get(key))
        people: dict[str, list[Employee]] = defaultdict(list)
        for p in unmatched:
            value = getattr(p, key)
            if value:
                people[value.casefold()].append(p)
        taken = {p.id for p in out.values()}
        for entry in entries:
            value = (entry.values.get(key) or "").casefold()
            if not value or entry.where in out or value not in people:
                continue
            if counts[value] > 1:
                warnings.append(
                    f"{entry.where}: {key} shared by {counts[value]} entries; matches nobody"
                )
                continue
            found = [p for p in people[value] if p.id not in taken]
            if len(found) == 1:
                out[entry.where] = found[0]
    return out


def _unit_of(config: SyncConfig, entry: Entry, unmapped: Counter[str]) -> str | None:
    units = config.units
    for key in entry.unit_keys:
        if key in units.map:
            return units.map[key]
    label = " / ".join(entry.unit_keys) if entry.unit_keys else "(none)"
    unmapped[label] += 1
    return units.default


def _values(
    entry: Entry, warnings: list[str], old: Employee | None = None
) -> dict[str, str | None] | None:
    """The entry's values checked one by one: a number that is no number is left out with a
    warning (the person is kept); a value shaped like a CPR number is never kept. A value
    that is the stored one (a number with the stored one's digits) is taken as it is."""
    out: dict[str, str | None] = {}
    for key, raw in entry.values.items():
        value = raw.strip()
        if old is not None:  # what is stored passed these checks when it was stored
            stored = getattr(old, key)
            if value == stored or (key in PHONES and _same_number(value, stored)):
                out[key] = stored
                continue
        if looks_like_cpr(value):
            warnings.append(
                f"{entry.where}: {key} holds something shaped like a CPR number; left out"
            )
            continue
        if key in PHONES:
            try:
                value = parse_phone(value)
            except ValueError:
                warnings.append(f"{entry.where}: {key} is not a phone number; left out")
                continue
        elif key == "extension" and not EXTENSION.fullmatch(value):
            warnings.append(f"{entry.where}: extension is not 2-8 digits; left out")
            continue
        elif key in WIDTHS and len(value) > WIDTHS[key]:
            warnings.append(f"{entry.where}: {key} is longer than {WIDTHS[key]} characters; cut")
            value = value[: WIDTHS[key]]
        out[key] = value or None
    if not out.get("external_id"):
        warnings.append(f"{entry.where}: no external id; skipped")
        return None
    if not out.get("name"):
        warnings.append(f"{entry.where}: no name; skipped")
        return None
    return out


def _same_number(text: str, e164: str | None) -> bool:
    if not e164:
        return False
    digits = NOT_DIGITS.sub("", text)
    return f"+{digits}" == e164 or f"+45{digits}" == e164 if digits else False


def _with_people(org: Organisation, people: dict[str, Employee]) -> Organisation:
    """`org` with `people` put in (new or changed) and listed by their unit: a new one or
    one who moved goes last in her new unit's list."""
    if not people:
        return org
    lists: dict[str, list[str]] = {}

    def listed(uid: str) -> list[str]:
        if uid not in lists:
            lists[uid] = list(org.units[uid].employees)
        return lists[uid]

    for e in people.values():
        old = org.employees.get(e.id)
        if old is not None and old.unit == e.unit:
            continue
        if old is not None:
            listed(old.unit).remove(e.id)
        listed(e.unit).append(e.id)
    units: dict[str, Unit | None] = {
        uid: dataclasses.replace(org.units[uid], employees=tuple(ids)) for uid, ids in lists.items()
    }
    return org.replaced(units=units, employees=dict(people))
