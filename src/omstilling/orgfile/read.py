"""The organisation file (format `omstilling/1`): parse, validate, dump.

`parse_text` turns a file into a `domain.Organisation`, collecting *every* problem
as `path: message` before it gives up, so that a unit editor fixes a file in one
round. `dump` writes an Organisation back in a canonical form: exporting,
importing and exporting again gives the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from omstilling.domain import distribution as dist
from omstilling.domain.fields import file_keys
from omstilling.domain.organisation import (
    DISTRIBUTION_KINDS,
    ROLES,
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
from omstilling.orgfile.fields import Validator, excerpt, hours_error, kind

MAX_BYTES = 64 * 1024 * 1024
TOP_KEYS = {"format", "revision", "municipality", "units", "mailings"}


class OrgFileError(ValueError):
    """The file is invalid; `errors` lists every problem as `path: message`."""

    def __init__(self, errors: list[str], warnings: list[str] | None = None) -> None:
        self.errors = errors
        self.warnings = warnings or []
        super().__init__(f"{len(errors)} error(s) in the organisation file:\n" + "\n".join(errors))


@dataclass
class ParseResult:
    organisation: Organisation
    revision: int | None
    warnings: list[str] = field(default_factory=list)


class _UniqueKeyLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """A safe loader that refuses duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, str | int) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(source: str | bytes) -> Any:
    """YAML to plain data; duplicate keys and syntax errors raise OrgFileError.

    The parser reads UTF-8 bytes: given bytes (a file as read), it reads them where they
    are, with no copy as text besides (a 50 MB value took 350 MB when read as text)."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    if len(data) > MAX_BYTES:
        raise OrgFileError([f"file: larger than {MAX_BYTES // (1024 * 1024)} MB"])
    loader = _UniqueKeyLoader(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _MAY_ANCHOR.search(data):  # no anchor, no alias: most files skip the walk
            _refuse_aliases(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = _one_line(str(exc.problem or exc))
        raise OrgFileError([f"{where}: invalid YAML: {excerpt(problem, 200)}"]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML takes nowhere (NUL, say)
        char = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise OrgFileError(
            [
                f"{where_in(data, exc.position)}: invalid YAML: character #x{char:04x}"
                f" ({_one_line(str(exc.reason))})"
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise OrgFileError([f"file: invalid YAML: {excerpt(_one_line(str(exc)), 200)}"]) from None
    finally:
        loader.dispose()


def where_in(data: bytes, offset: int) -> str:
    """`line L, column C` of a byte in a file (the column counted in bytes)."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - data.rfind(b"\n", 0, offset)
    return f"line {line}, column {column}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# An anchor starts a node: after a line start, a space, "[", "{" or ",". A false match
# (an ampersand in a text) only costs the walk below.
_MAY_ANCHOR = re.compile(rb"(?:^|[\s\[{,])&[^\s]", re.M)


def _refuse_aliases(root: yaml.Node) -> None:
    """Refuse anchors used as aliases (`*name`): the file needs none, and nested aliases
    expand without bound (a few hundred bytes became gigabytes). Composed nodes are
    shared, not copied, so a node reached twice is an alias, found before any expansion."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            mark = node.start_mark
            raise OrgFileError(
                [
                    f"line {mark.line + 1}, column {mark.column + 1}: this value is anchored"
                    " (&name) and repeated by an alias (*name); the organisation file takes"
                    " no anchors or aliases"
                ]
            )
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


def parse_bytes(data: bytes) -> ParseResult:
    if len(data) > MAX_BYTES:
        raise OrgFileError(
            [f"file: larger than {MAX_BYTES // (1024 * 1024)} MB ({len(data) // (1024 * 1024)} MB)"]
        )
    try:
        data.decode("utf-8")  # only to check: the parser reads the bytes themselves
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise OrgFileError([f"line {line}: not UTF-8 (byte {exc.start})"]) from None
    return parse_data(load_yaml(data))


def parse_text(text: str) -> Organisation:
    """Parse and validate; the Organisation, or OrgFileError with every problem."""
    return parse(text).organisation


def parse(text: str) -> ParseResult:
    return parse_data(load_yaml(text))


def parse_data(data: Any) -> ParseResult:
    v, org, doc, mailings = read_entities(data)
    check_references(v, org, doc, mailings)
    if v.errors:
        raise OrgFileError(v.errors, v.warnings)
    return ParseResult(org, org.revision, v.warnings)


def read_entities(data: Any) -> tuple[Validator, Organisation, dict[str, Any], list[Mailing]]:
    """Every entity of a document read by its field rules, ids unique per kind; references
    between entities not yet checked. OrgFileError when the document is not a mapping."""
    v = Validator()
    doc = v.mapping(data, "", TOP_KEYS)
    if doc is None:
        raise OrgFileError(v.errors)
    fmt = doc.get("format")
    if fmt != FORMAT:
        v.err(
            "format",
            f"must be '{FORMAT}', got {fmt!r}" if fmt is not None else f"is required ('{FORMAT}')",
        )
    revision = doc.get("revision")
    if revision is not None and (
        isinstance(revision, bool) or not isinstance(revision, int) or revision < 0
    ):
        v.err("revision", f"must be a whole number, got {revision!r}")
        revision = None

    municipality = _municipality(v, doc.get("municipality"))
    units: list[Unit] = []
    employees: list[Employee] = []
    tasks: list[Task] = []
    for upath, raw in v.items(doc.get("units"), "units"):
        _unit(v, raw, upath, units, employees, tasks)
    mailings = [
        m
        for mpath, raw in v.items(doc.get("mailings"), "mailings")
        if (m := _mailing(v, raw, mpath)) is not None
    ]

    unique(v, [(u.id, f"units[{i}]") for i, u in enumerate(units)], "unit")
    org = Organisation(
        municipality or _placeholder_municipality(),
        units,
        employees,
        tasks,
        mailings,
        revision=revision,
    )
    return v, org, doc, mailings


def _placeholder_municipality() -> Municipality:
    return Municipality(name="", hours=MunicipalityHours("24/7", "24/7", "24/7"))


def _municipality(v: Validator, raw: Any) -> Municipality | None:
    if raw is None:
        v.err("municipality", "is required")
        return None
    p = "municipality"
    m = v.mapping(raw, p, file_keys(Municipality))
    if m is None:
        return None
    kw = v.fields(Municipality, m, p)
    try:
        ZoneInfo(kw["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        v.err(f"{p}.timezone", f"unknown time zone '{kw['timezone']}'")
    if not re.fullmatch(r"[A-Z]{2}", kw["country"]):
        v.err(
            f"{p}.country", f"must be a two-letter country code such as DK, got '{kw['country']}'"
        )
    hours: dict[str, str] = {}
    raw_hours = m.get("hours")
    if raw_hours is None:
        v.err(f"{p}.hours", "is required (official, opening, phone)")
    else:
        hm = v.mapping(raw_hours, f"{p}.hours", {"official", "opening", "phone"})
        if hm is not None:
            for key in ("official", "opening", "phone"):
                if hm.get(key) is None:
                    v.err(f"{p}.hours.{key}", "is required")
                else:
                    hours[key] = v.hours(hm.get(key), f"{p}.hours.{key}") or ""
    closed = m.get("closed")
    closed_text: str | None = None
    if closed is not None:
        if not isinstance(closed, str):
            v.err(f"{p}.closed", f"must be an opening_hours expression, got {kind(closed)}")
        else:
            closed_text = closed.strip()
            problem = hours_error(f"Mo-Su 00:00-24:00; {closed_text}")
            if problem:
                v.err(f"{p}.closed", problem)
    return Municipality(
        **kw,
        hours=MunicipalityHours(
            hours.get("official", ""), hours.get("opening", ""), hours.get("phone", "")
        ),
        closed=closed_text,
    )


def _unit(
    v: Validator,
    raw: Any,
    path: str,
    units: list[Unit],
    employees: list[Employee],
    tasks: list[Task],
) -> None:
    m = v.mapping(raw, path, file_keys(Unit))
    if m is None:
        return
    kw = v.fields(Unit, m, path)
    uid = kw.pop("id") or f"?{len(units)}"
    own_hours = Hours()
    if m.get("hours") is not None:
        hm = v.mapping(m["hours"], f"{path}.hours", {"opening", "phone"})
        if hm is not None:
            own_hours = Hours(
                v.hours(hm.get("opening"), f"{path}.hours.opening"),
                v.hours(hm.get("phone"), f"{path}.hours.phone"),
            )
    task_ids: list[str] = []
    for tpath, traw in v.items(m.get("tasks"), f"{path}.tasks"):
        task = _task(v, traw, tpath, uid)
        if task is not None:
            tasks.append(task)
            task_ids.append(task.id)
    employee_ids: list[str] = []
    for epath, eraw in v.items(m.get("employees"), f"{path}.employees"):
        emp = _employee(v, eraw, epath, uid)
        if emp is not None:
            employees.append(emp)
            employee_ids.append(emp.id)
    units.append(
        Unit(
            id=uid,
            **kw,
            hours=own_hours,
            numbers=_numbers(v, m.get("numbers"), f"{path}.numbers"),
            transfer_only_to=_only_to(v, m.get("transfer_only_to"), f"{path}.transfer_only_to"),
            secretary=_secretary(v, m.get("secretary"), f"{path}.secretary"),
            tasks=tuple(task_ids),
            employees=tuple(employee_ids),
        )
    )


def _numbers(v: Validator, raw: Any, path: str) -> tuple[Number, ...]:
    numbers: list[Number] = []
    for npath, nraw in v.items(raw, path):
        nm = v.mapping(nraw, npath, {"number", "label"})
        if nm is None:
            continue
        if nm.get("number") is None:
            v.err(f"{npath}.number", "is required")
            continue
        e164 = v.phone(nm.get("number"), f"{npath}.number")
        if e164:
            numbers.append(Number(e164, v.text(nm, "label", npath) or ""))
    return tuple(numbers)


def _exactly_one(v: Validator, raw: Any, path: str, a: str, b: str) -> dict[str, Any] | None:
    """A mapping that names one of two things (an employee or a number, ...), not both."""
    m = v.mapping(raw, path, {a, b})
    if m is None:
        return None
    if (m.get(a) is None) == (m.get(b) is None):
        v.err(path, f"must name exactly one of {a} or {b}")
        return None
    return m


def _only_to(v: Validator, raw: Any, tp: str) -> TransferOnlyTo | None:
    om = _exactly_one(v, raw, tp, "employee", "number") if raw is not None else None
    if om is None:
        return None
    return TransferOnlyTo(v.text(om, "employee", tp), v.phone(om.get("number"), f"{tp}.number"))


def _secretary(v: Validator, raw: Any, sp: str) -> SecretaryRule | None:
    if raw is None:
        return None
    sm = v.mapping(raw, sp, {"employee", "when", "roles"})
    if sm is None:
        return None
    roles = v.texts(sm, "roles", sp)
    for i, role in enumerate(roles):
        if role not in ROLES:
            v.err(f"{sp}.roles[{i}]", f"must be one of {', '.join(ROLES)}, got '{role}'")
    return SecretaryRule(
        v.text(sm, "employee", sp, required=True) or "",
        v.text(sm, "when", sp) or "",
        cast("tuple[Any, ...]", roles),
    )


def _target(v: Validator, raw: Any, path: str) -> DistributionTarget | None:
    tm = _exactly_one(v, raw, path, "employee", "unit")
    if tm is None:
        return None
    return DistributionTarget(v.text(tm, "employee", path), v.text(tm, "unit", path))


def _task(v: Validator, raw: Any, path: str, unit_id: str) -> Task | None:
    m = v.mapping(raw, path, file_keys(Task))
    if m is None:
        return None
    kw = v.fields(Task, m, path)
    tid = kw.pop("id") or f"?{path}"
    refer: ReferTo | None = None
    if m.get("refer_to") is not None:
        rp = f"{path}.refer_to"
        rm = v.mapping(m["refer_to"], rp, {"name", "number", "hours", "url"})
        if rm is not None:
            if rm.get("number") is None:
                v.err(f"{rp}.number", "is required")
            number = v.phone(rm.get("number"), f"{rp}.number")
            url = v.text(rm, "url", rp)
            if url is not None and not re.fullmatch(r"https?://\S+", url):
                v.err(f"{rp}.url", f"must be a web address (https://...), got '{excerpt(url)}'")
            refer = ReferTo(
                v.text(rm, "name", rp, required=True) or "",
                number or "",
                v.hours(rm.get("hours"), f"{rp}.hours"),
                url,
            )
    distribution: Distribution | None = None
    if m.get("distribution") is not None:
        distribution = _distribution(v, m["distribution"], f"{path}.distribution")
    return Task(id=tid, unit=unit_id, **kw, refer_to=refer, distribution=distribution)


def _distribution(v: Validator, raw: Any, path: str) -> Distribution | None:
    m = v.mapping(raw, path, {"by", "rules", "default"})
    if m is None:
        return None
    by = v.text(m, "by", path, required=True)
    if by not in DISTRIBUTION_KINDS:
        if by:
            v.err(f"{path}.by", f"must be one of {', '.join(DISTRIBUTION_KINDS)}, got '{by}'")
        return None
    rules: list[DistributionRule] = []
    ok = True
    for rpath, rraw in v.items(m.get("rules"), f"{path}.rules"):
        rm = v.mapping(rraw, rpath, {"match", "employee", "unit"})
        if rm is None:
            ok = False
            continue
        match = v.text(rm, "match", rpath, required=True) or ""
        try:
            dist.parse_match(cast("Any", by), match)
        except dist.MatchError as exc:
            v.err(f"{rpath}.match", str(exc))
            ok = False
        target = _target(v, {k: rm[k] for k in ("employee", "unit") if k in rm}, rpath)
        if target is None:
            ok = False
            continue
        rules.append(DistributionRule(match, target))
    if not m.get("rules"):
        v.err(f"{path}.rules", "must list at least one rule")
    default = _target(v, m["default"], f"{path}.default") if m.get("default") is not None else None
    result = Distribution(cast("Any", by), tuple(rules), default)
    if ok and rules:
        errors, warnings = dist.check(result)
        for e in errors:
            v.err(path, e)
        for w in warnings:
            v.warnings.append(f"{path}: {w}")
    return result


def _employee(v: Validator, raw: Any, path: str, unit_id: str) -> Employee | None:
    m = v.mapping(raw, path, file_keys(Employee))
    if m is None:
        return None
    kw = v.fields(Employee, m, path)
    kw["calendar"] = v.calendar(m, path)
    return Employee(id=kw.pop("id") or f"?{path}", unit=unit_id, **kw)


def _mailing(v: Validator, raw: Any, path: str) -> Mailing | None:
    m = v.mapping(raw, path, file_keys(Mailing))
    if m is None:
        return None
    kw = v.fields(Mailing, m, path)
    sent, until = kw.pop("sent"), kw.pop("calls_expected_until")
    if sent and until and until < sent:
        v.err(f"{path}.calls_expected_until", "is before sent")
    return Mailing(
        id=kw.pop("id") or f"?{path}",
        sent=sent or date.min,
        calls_expected_until=until or date.min,
        **kw,
    )


# The writing side lives in orgfile.write; the file's API stays in one place.
from omstilling.orgfile.check import check_references, unique  # noqa: E402
from omstilling.orgfile.write import (  # noqa: E402
    FORMAT,
)
