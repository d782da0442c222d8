"""A real OpenLDAP server for the sync's tests: Debian's slapd on a free port, with a
throwaway configuration (slapd.conf, -f) and database in a temporary folder, plain LDAP,
StartTLS and LDAPS (a self-signed certificate made for the run), and the AD-like schema
shipped beside this file. No mocked LDAP."""

from __future__ import annotations

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

HERE = Path(__file__).resolve().parent
SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SUFFIX = "dc=kommune,dc=example"
ADMIN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "slapd-test-hemmelig"
READER = f"cn=omstilling,ou=Service,{SUFFIX}"
READER_PASSWORD = "Sync-Læser-Hemmelig-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def start_slapd(folder: Path) -> Iterator[Slapd]:
    db = folder / "db"
    db.mkdir()
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
                "maxsize 1073741824",
                "index objectClass eq",
                "access to attrs=userPassword by self write by anonymous auth by * none",
                "access to * by users read by * none",
                "",
            ]
        )
    )
    port, tls_port = free_port(), free_port()
    urls = f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"
    process = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", urls, "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Slapd(port, tls_port, cert, process)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"slapd did not start: {err[-2000:]}") from None
                time.sleep(0.1)
        with server.admin() as conn:
            assert conn.add(SUFFIX, ["dcObject", "organization"], {"o": "Kommune", "dc": "kommune"})
            for dn in (f"ou=Service,{SUFFIX}", f"ou=Ansatte,{SUFFIX}"):
                server.add_ou(conn, dn)
            assert conn.add(
                READER, ["inetOrgPerson"], {"sn": "omstilling", "userPassword": READER_PASSWORD}
            ), conn.result
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
