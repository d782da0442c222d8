"""LDAP and Active Directory as a source, through ldap3: a paged search over LDAPS or
StartTLS (or plain LDAP), with a simple bind whose password comes from an environment
variable or a file and is never printed.

Before anything is read, the server's schema must know every attribute the mapping
names (an error naming the attribute otherwise). `objectGUID` is written as a lower-case
UUID without braces; an account with `userAccountControl` flag 0x2 (disabled) is skipped
as if absent; two entries with the same stable id stop the run, naming both DNs.
"""

from __future__ import annotations

import ssl
import uuid
from typing import Any
from urllib.parse import urlsplit

from ldap3 import NONE, SCHEMA, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPSocketOpenError
from ldap3.utils.dn import parse_dn

from omstilling.sync.config import LdapSource, SyncConfig
from omstilling.sync.entries import (
    Entry,
    Progress,
    SourceError,
    SourceRead,
    SourceUnavailable,
    no_progress,
)

UAC = "userAccountControl"
DISABLED = 0x2
GUIDS = {"objectguid"}  # binary GUIDs (Active Directory's byte order)


def connect(src: LdapSource, *, schema: bool = True) -> Connection:
    """A bound connection, or SourceUnavailable naming the server (never the password)."""
    parts = urlsplit(src.url)
    tls = None
    if parts.scheme == "ldaps" or src.start_tls:
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=src.ca_file)
    server = Server(
        parts.hostname or "",
        port=parts.port,
        use_ssl=parts.scheme == "ldaps",
        tls=tls,
        get_info=SCHEMA if schema else NONE,
        connect_timeout=int(max(1, src.timeout)),
    )
    password = src.password()
    conn = Connection(
        server,
        user=src.bind_dn,
        password=password,
        receive_timeout=int(max(1, src.timeout)),
        read_only=True,
        raise_exceptions=False,
        auto_referrals=False,
    )
    try:
        conn.open(read_server_info=False)
        if conn.closed:
            raise SourceUnavailable(f"{src.url}: cannot connect")
        if src.start_tls and not conn.start_tls(read_server_info=False):
            raise SourceUnavailable(
                f"{src.url}: StartTLS refused ({conn.result.get('description')})"
            )
        if not conn.bind(read_server_info=schema):
            who = src.bind_dn or "anonymous"
            raise SourceUnavailable(
                f"{src.url}: bind as {who} refused ({conn.result.get('description')})"
            )
    except LDAPSocketOpenError as exc:
        raise SourceUnavailable(f"{src.url}: cannot connect ({_safe(exc, password)})") from None
    except LDAPException as exc:
        conn.unbind()
        raise SourceUnavailable(
            f"{src.url}: {type(exc).__name__}: {_safe(exc, password)}"
        ) from None
    except OSError as exc:
        raise SourceUnavailable(f"{src.url}: {exc.strerror or type(exc).__name__}") from None
    return conn


def _safe(exc: Exception, password: str | None) -> str:
    text = str(exc)[:300]
    return text.replace(password, "***") if password else text


def read_ldap(config: SyncConfig, progress: Progress = no_progress) -> SourceRead:
    """Every person under the sync file's base that its filter finds."""
    src = config.source
    assert isinstance(src, LdapSource)
    conn = connect(src)  # with the schema, to check the mapping before anything is read
    try:
        _check_schema(conn, config.attributes())
    finally:
        conn.unbind()
    # The search on a connection without the schema: the values are taken raw, and ldap3
    # would otherwise format each one by its syntax (a third of the time, for nothing).
    conn = connect(src, schema=False)
    try:
        return _read(conn, config, src, progress)
    except LDAPException as exc:
        raise SourceUnavailable(f"{src.url}: the search failed ({type(exc).__name__})") from None
    finally:
        conn.unbind()


def _read(conn: Connection, config: SyncConfig, src: LdapSource, progress: Progress) -> SourceRead:
    attributes = config.attributes()
    ad = src.preset == "active-directory"
    wanted = attributes + ([UAC] if ad and UAC not in attributes else [])
    by_field = {f: a for f, a in config.fields.items()}
    unit_attr = None if config.units.by_ou_path else config.units.by
    result = SourceRead()
    first_dn: dict[str, str] = {}
    count = 0
    for item in conn.extend.standard.paged_search(
        src.base, src.filter, SUBTREE, attributes=wanted, paged_size=src.page_size, generator=True
    ):
        if item.get("type") != "searchResEntry":
            continue
        dn = item["dn"]
        raw = item["raw_attributes"]  # ldap3's CaseInsensitiveDict: names in any case
        count += 1
        if count % 1000 == 0:
            progress(count)
        if ad and _disabled(raw.get(UAC)):
            result.skipped += 1
            continue
        values = {}
        for f, attr in by_field.items():
            value = _first(raw.get(attr), attr)
            if value:
                values[f] = value
        ident = values.get("external_id")
        if not ident:
            result.warnings.append(f"{dn}: no {by_field['external_id']}; skipped")
            continue
        if ident in first_dn:
            raise SourceError(
                f"two entries have the same {by_field['external_id']} {ident}: "
                f"{first_dn[ident]} and {dn}; nothing was changed"
            )
        first_dn[ident] = dn
        if unit_attr is not None:
            unit = _first(raw.get(unit_attr), unit_attr)
            keys: tuple[str, ...] = (unit,) if unit else ()
        else:
            keys = tuple(v for a, v, _ in parse_dn(dn) if a.casefold() == "ou")
        result.entries.append(Entry(dn, values, keys))
    progress(count)
    if conn.result and conn.result.get("result") not in (0, None):
        raise SourceUnavailable(f"{src.url}: the search failed ({conn.result.get('description')})")
    return result


def _check_schema(conn: Connection, attributes: list[str]) -> None:
    schema = conn.server.schema
    if schema is None:
        return  # a server that hides its schema: the mapping is trusted
    known = {n.casefold() for n in schema.attribute_types}
    missing = [a for a in attributes if a.casefold() not in known]
    if missing:
        raise SourceError(
            "the directory has no attribute "
            + ", ".join(f"'{a}'" for a in missing)
            + " (named in the sync file's fields or units.by); nothing was read"
        )


def _first(values: Any, attr: str) -> str:
    if not values:
        return ""
    raw: bytes = values[0]
    if attr.casefold() in GUIDS:
        return guid_text(raw)
    text = raw.decode("utf-8", errors="replace").strip()
    return text.lower() if attr.casefold() == "entryuuid" else text


def guid_text(raw: bytes) -> str:
    """An objectGUID as a lower-case UUID without braces: 16 bytes in Active Directory's
    (little-endian) order, or a GUID already written as text."""
    if len(raw) == 16:
        return str(uuid.UUID(bytes_le=raw))
    text = raw.decode("ascii", errors="replace").strip().strip("{}")
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text.lower()


def _disabled(values: Any) -> bool:
    if not values:
        return False
    try:
        return bool(int(values[0]) & DISABLED)
    except ValueError:
        return False
