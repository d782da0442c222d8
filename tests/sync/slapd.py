"""A real OpenLDAP server for the sync's tests: Debian's slapd on a free port, with a
throwaway configuration (slapd.conf, -f) and database in a temporary folder (loaded by
slapadd before it starts), plain LDAP,
StartTLS and LDAPS (a self-signed certificate made for the run), and the AD-like schema
shipped beside this file. No mocked LDAP."""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ldap3 import Connection, Server

from tests.conftest import free_port

HERE = Path(__file__).resolve().parent
SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SUFFIX = "dc=kommune,dc=example"
ADMIN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "slapd-test-hemmelig"
READER = f"cn=omstilling,ou=Service,{SUFFIX}"
READER_PASSWORD = "Sync-Læser-Hemmelig-42"


@dataclass
class Slapd:
    port: int
    tls_port: int
    cert: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def admin(self) -> Connection:
        return Connection(Server(self.url), ADMIN, ADMIN_PASSWORD, auto_bind=True)

    def add_person(self, conn: Connection, ou: str, cn: str, **attrs: Any) -> str:
        dn = f"cn={cn},ou={ou},ou=Ansatte,{SUFFIX}"
        classes = ["inetOrgPerson", "user"]
        values = {"sn": cn.split()[-1], **attrs}
        assert conn.add(dn, classes, values), conn.result
        return dn

    def add_ou(self, conn: Connection, dn: str) -> None:
        assert conn.add(dn, ["organizationalUnit"], {"ou": dn.split(",")[0][3:]}), conn.result


def guid(n: int) -> bytes:
    """A GUID as Active Directory stores it (16 bytes, little-endian fields)."""
    return uuid.UUID(int=0x5A5A0000_0000_4000_8000_000000000000 + n).bytes_le


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def ldif_entry(dn: str, attrs: dict[str, Any]) -> str:
    """One LDIF record; a value that is bytes or not plain ASCII is written base64 (::)."""
    lines = [f"dn: {dn}"]
    for key, values in attrs.items():
        for v in values if isinstance(values, list) else [values]:
            raw = v if isinstance(v, bytes) else str(v).encode("utf-8")
            plain = raw.isascii() and raw[:1] not in (b" ", b":", b"<") and b"\n" not in raw
            if plain and not isinstance(v, bytes):
                lines.append(f"{key}: {raw.decode()}")
            else:
                lines.append(f"{key}:: {base64.b64encode(raw).decode()}")
    return "\n".join(lines) + "\n\n"


def base_ldif() -> str:
    """The suffix, the two OUs and the sync's reader account."""
    ou = "organizationalUnit"
    reader = {
        "objectClass": "inetOrgPerson",
        "cn": "omstilling",
        "sn": "omstilling",
        "userPassword": READER_PASSWORD,
    }
    return "".join(
        [
            ldif_entry(
                SUFFIX, {"objectClass": ["dcObject", "organization"], "o": "K", "dc": "kommune"}
            ),
            ldif_entry(f"ou=Service,{SUFFIX}", {"objectClass": ou, "ou": "Service"}),
            ldif_entry(f"ou=Ansatte,{SUFFIX}", {"objectClass": ou, "ou": "Ansatte"}),
            ldif_entry(READER, reader),
        ]
    )


def write_config(folder: Path) -> tuple[Path, Path]:
    """slapd.conf and a certificate for it in `folder`; returns (conf, cert)."""
    db = folder / "db"
    db.mkdir(exist_ok=True)
    cert, key = _certificate(folder)
    conf = folder / "slapd.conf"
    conf.write_text(
        "\n".join(
            [
                "include /etc/ldap/schema/core.schema",
                "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema",
                f"include {HERE / 'ad-like.schema'}",
                f"pidfile {folder / 'slapd.pid'}",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "sizelimit unlimited",
                f"TLSCertificateFile {cert}",
                f"TLSCertificateKeyFile {key}",
                "database mdb",
                f'suffix "{SUFFIX}"',
                f'rootdn "{ADMIN}"',
                f"rootpw {ADMIN_PASSWORD}",
                f"directory {db}",
                "maxsize 4294967296",
                "index objectClass eq",
                "access to attrs=userPassword by self write by anonymous auth by * none",
                "access to * by users read by * none",
                "",
            ]
        )
    )
    return conf, cert


ATTEMPTS = 3


def _listening(process: subprocess.Popen[bytes], port: int, timeout: float) -> bool:
    """Does slapd accept connections on `port` before it exits or `timeout` passes?"""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def start_slapd(folder: Path, more_ldif: Path | None = None, nice: int = 0) -> Iterator[Slapd]:
    """slapd on free ports, its database loaded offline by slapadd (the base entries, then
    `more_ldif`), stopped when the generator closes. `nice`: its CPU priority (a benchmark
    stands in for a directory on another machine)."""
    conf, cert = write_config(folder)
    base = folder / "base.ldif"
    base.write_text(base_ldif(), encoding="utf-8")
    for ldif in [base] + ([more_ldif] if more_ldif else []):
        subprocess.run(
            [SLAPADD, "-f", str(conf), "-l", str(ldif), "-q"], check=True, capture_output=True
        )
    for attempt in range(1, ATTEMPTS + 1):
        # A free port may be taken by another test's server between the check and the
        # bind (parallel test workers): slapd then exits at once, and starts again on others.
        port, tls_port = free_port(), free_port()
        urls = f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"
        process = subprocess.Popen(
            [*(["nice", "-n", str(nice)] if nice else []), SLAPD, "-f", str(conf), "-h", urls,
             "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        if _listening(process, port, timeout=60):
            break
        if process.poll() is None:
            process.kill()
        err = process.communicate()[1].decode(errors="replace")
        if attempt == ATTEMPTS:
            raise RuntimeError(f"slapd did not start ({attempt} tries): {err[-2000:]}")
    server = Slapd(port, tls_port, cert, process)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
