"""The sync file (format `omstilling-sync/1`, spec/sync.md): which source, which attribute
or column feeds which field, how a person finds her unit, and how many may leave.

Read all at once: every problem is listed as `path: message`, unknown keys included, and
nothing is read from the source while the file has any. The bind password is never in
the file: only where to find it (an environment variable or a file).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from omstilling.domain.organisation import SOURCE_NAME
from omstilling.errors import Invalid
from omstilling.orgfile.fields import Validator, join

FORMAT = "omstilling-sync/1"
Kind = Literal["ldap", "csv", "xlsx"]
Preset = Literal["active-directory", "inetorgperson"]

# The organisation's fields a source may feed (spec/sync.md "fields").
FIELDS = ("external_id", "name", "title", "phone", "mobile", "email", "login", "extension")

# The attribute names of each preset; the file's `fields` override them one by one.
PRESETS: dict[str, dict[str, str]] = {
    "active-directory": {
        "external_id": "objectGUID",
        "name": "displayName",
        "title": "title",
        "phone": "telephoneNumber",
        "mobile": "mobile",
        "email": "mail",
        "login": "sAMAccountName",
    },
    "inetorgperson": {
        "external_id": "entryUUID",
        "name": "cn",
        "title": "title",
        "phone": "telephoneNumber",
        "mobile": "mobile",
        "email": "mail",
    },
}
PRESET_UNITS = {"active-directory": "department", "inetorgperson": "ou"}
PRESET_FILTERS = {
    "active-directory": "(objectClass=user)",
    "inetorgperson": "(objectClass=inetOrgPerson)",
}

TOP = {"format", "name", "source", "fields", "units", "left"}
SOURCE_KEYS = {
    "ldap": {"kind", "url", "start_tls", "bind_dn", "bind_password_env", "bind_password_file",
             "base", "filter", "preset", "timeout", "page_size", "ca_file"},
    "csv": {"kind", "path", "encoding", "delimiter", "primary"},
    "xlsx": {"kind", "path", "sheet", "primary"},
}  # fmt: skip
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252")


class SyncFileError(Invalid):
    """A sync file that cannot be used: every problem as `path: message`."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class LdapSource:
    url: str
    base: str
    filter: str
    preset: Preset | None = None
    start_tls: bool = False
    bind_dn: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    timeout: float = 10.0
    page_size: int = 500
    ca_file: str | None = None
    kind: Literal["ldap"] = "ldap"

    def password(self) -> str | None:
        """The bind password from its variable or file (never from the sync file, never
        printed); SyncFileError naming where it should be when it is not there."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise SyncFileError([f"source.bind_password_env: {self.password_env} is not set"])
            return value
        if self.password_file:
            try:
                return Path(self.password_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SyncFileError(
                    [
                        f"source.bind_password_file: cannot read {self.password_file} "
                        f"({exc.strerror})"
                    ]
                ) from None
        return None


@dataclass(frozen=True)
class TableSource:
    kind: Literal["csv", "xlsx"]
    path: Path
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str | None = None
    primary: str | None = None


@dataclass(frozen=True)
class Units:
    by: str  # an attribute or column, or "ou-path"
    map: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    only: tuple[str, ...] | None = None

    @property
    def by_ou_path(self) -> bool:
        return self.by == "ou-path"


@dataclass(frozen=True)
class SyncConfig:
    name: str
    source: LdapSource | TableSource
    fields: dict[str, str]  # omstilling field -> attribute or column
    units: Units
    max_left_share: float = 0.10

    def attributes(self) -> list[str]:
        """Every attribute or column the mapping names (the unit's among them)."""
        names = list(dict.fromkeys(self.fields.values()))
        if not self.units.by_ou_path and self.units.by not in names:
            names.append(self.units.by)
        return names


def read_sync_file(path: Path) -> SyncConfig:
    """The sync file at `path`, or SyncFileError listing every problem (paths relative to
    it are resolved from its folder)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SyncFileError([f"cannot be read ({exc.strerror or exc})"]) from None
    except UnicodeDecodeError:
        raise SyncFileError(["is not UTF-8 text"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise SyncFileError([f"{where}: not valid YAML"]) from None
    return parse_sync(data, base=path.parent)


def parse_sync(data: Any, *, base: Path = Path(".")) -> SyncConfig:
    """A parsed YAML document as a SyncConfig, or SyncFileError listing every problem."""
    v = Validator()
    top = v.mapping(data, "", TOP)
    if top is None:
        raise SyncFileError(v.errors)
    if top.get("format") != FORMAT:
        v.err("format", f"must be {FORMAT}, got {top.get('format')!r}")
    name = v.text(top, "name", "", required=True) or ""
    if name and not re.fullmatch(SOURCE_NAME, name):
        v.err("name", f"must be a short name of a-z, 0-9 and -, got '{name[:60]}'")
    source = _source(v, top.get("source"), base)
    preset = getattr(source, "preset", None)
    fields = dict(PRESETS.get(preset or "", {}))
    raw_fields = top.get("fields")
    if raw_fields is not None or preset is None:
        fm = v.mapping(raw_fields if raw_fields is not None else {}, "fields", set(FIELDS)) or {}
        for key in fm:
            if key in FIELDS:
                value = v.text(fm, key, "fields")
                if value:
                    fields[key] = value
                else:
                    fields.pop(key, None)
    if "external_id" not in fields:
        v.err("fields.external_id", "is required: the stable id of a person in the source")
    if "name" not in fields:
        v.err("fields.name", "is required")
    units = _units(v, top.get("units"), preset)
    if units is not None and units.by_ou_path and isinstance(source, TableSource):
        v.err("units.by", "ou-path is for LDAP (an entry's DN); name a column of the file")
    share = 0.10
    left = top.get("left")
    if left is not None:
        lm = v.mapping(left, "left", {"max_share"})
        raw = (lm or {}).get("max_share", 0.10)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
            v.err("left.max_share", f"must be a share between 0 and 1 (0.10 is 10 %), got {raw!r}")
        else:
            share = float(raw)
    if v.errors or source is None or units is None:
        raise SyncFileError(v.errors)
    return SyncConfig(name, source, fields, units, share)


def _source(v: Validator, raw: Any, base: Path) -> LdapSource | TableSource | None:
    if not isinstance(raw, dict):
        v.err("source", "is required: a mapping with kind ldap, csv or xlsx")
        return None
    kind = raw.get("kind")
    if kind not in SOURCE_KEYS:
        v.err("source.kind", f"must be ldap, csv or xlsx, got {kind!r}")
        return None
    m = v.mapping(raw, "source", SOURCE_KEYS[kind])
    if m is None:
        return None
    if kind == "ldap":
        return _ldap(v, m)
    path = v.text(m, "path", "source", required=True) or ""
    encoding = v.text(m, "encoding", "source", default="auto") or "auto"
    if encoding not in ENCODINGS:
        v.err("source.encoding", f"must be one of {', '.join(ENCODINGS)}, got '{encoding}'")
    delimiter = str(m.get("delimiter", "auto"))
    if delimiter not in ("auto", ",", ";", "\t"):
        v.err("source.delimiter", f"must be auto, ',' or ';', got {delimiter!r}")
    full = Path(path) if Path(path).is_absolute() else base / path
    return TableSource(
        kind,
        full,
        encoding,
        delimiter,
        v.text(m, "sheet", "source"),
        v.text(m, "primary", "source"),
    )


def _ldap(v: Validator, m: dict[str, Any]) -> LdapSource | None:
    url = v.text(m, "url", "source", required=True) or ""
    if url and not re.match(r"^ldaps?://[^/\s]+/?$", url):
        v.err("source.url", f"must be ldap://HOST[:PORT] or ldaps://HOST[:PORT], got '{url[:100]}'")
    preset = v.text(m, "preset", "source")
    if preset is not None and preset not in PRESETS:
        v.err("source.preset", f"must be active-directory or inetorgperson, got '{preset[:40]}'")
        preset = None
    base = v.text(m, "base", "source", required=True) or ""
    flt = v.text(m, "filter", "source") or PRESET_FILTERS.get(preset or "", "(objectClass=*)")
    if not (flt.startswith("(") and flt.endswith(")")):
        v.err("source.filter", "must be an LDAP filter in parentheses, e.g. (objectClass=user)")
    env, pfile = v.text(m, "bind_password_env", "source"), v.text(m, "bind_password_file", "source")
    bind_dn = v.text(m, "bind_dn", "source")
    if env and pfile:
        v.err("source", "give bind_password_env or bind_password_file, not both")
    if bind_dn and not (env or pfile):
        v.err("source.bind_dn", "needs bind_password_env or bind_password_file (never inline)")
    timeout = m.get("timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        v.err("source.timeout", f"must be seconds > 0, got {timeout!r}")
        timeout = 10
    page = v.count(m, "page_size", "source") or 500
    if url.startswith("ldaps") and v.flag(m, "start_tls", "source", False):
        v.err("source.start_tls", "is for ldap:// URLs; ldaps:// is TLS already")
    return LdapSource(
        url=url.rstrip("/"),
        base=base,
        filter=flt,
        preset=preset,  # type: ignore[arg-type]
        start_tls=v.flag(m, "start_tls", "source", False),
        bind_dn=bind_dn,
        password_env=env,
        password_file=pfile,
        timeout=float(timeout),
        page_size=page,
        ca_file=v.text(m, "ca_file", "source"),
    )


def _units(v: Validator, raw: Any, preset: str | None) -> Units | None:
    if raw is None and preset is None:
        v.err("units", "is required: which attribute or column places a person in a unit")
        return None
    m = v.mapping(raw if raw is not None else {}, "units", {"by", "map", "default", "only"})
    if m is None:
        return None
    by = v.text(m, "by", "units") or PRESET_UNITS.get(preset or "")
    if not by:
        v.err("units.by", "is required")
        return None
    mapping: dict[str, str] = {}
    raw_map = m.get("map")
    if raw_map is not None:
        if not isinstance(raw_map, dict):
            v.err("units.map", "must be a mapping of value: unit id")
        else:
            for key, value in raw_map.items():
                if not isinstance(value, str) or not value:
                    v.err(join("units.map", str(key)), "must be a unit id")
                else:
                    mapping[str(key).strip()] = value
    only = v.texts(m, "only", "units") if m.get("only") is not None else None
    return Units(by, mapping, v.text(m, "default", "units"), only)
