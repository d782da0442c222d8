"""The demo municipality: Randers Kommune with made-up staff, accounts and today's codes.

Built into its own SQLite file, never the default database. Its secrets (the
session key and the demo accounts' passwords) are generated on the first build
and kept in a file beside the database, readable only by its owner.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from omstilling import accounts, orgfile
from omstilling.demo.org import demo_yaml
from omstilling.store.account_models import UserRow
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.models import AbsenceRow
from omstilling.store.organisation import import_organisation
from omstilling.store.presence import set_absence

DEMO_DB = Path("omstilling-demo.db")
DEMO_SECRET = Path("omstilling-demo.secret")

# user name, role, unit, employee, display name
DEMO_USERS = (
    ("omstilling", "operator", None, None, "Omstillingen"),
    ("admin", "admin", None, None, "Administrator"),
    ("leder", "manager", None, None, "Borgerservicechef"),
    ("redaktoer", "editor", "jobcenter", None, "Redaktør, Jobcenter"),
    ("mette", "employee", None, "mette-jobcenter", "Mette Dahl"),
)
# employee, code, start (minutes from now), length in minutes (None: unknown return)
DEMO_CODES = (
    ("anne-familie", "sick", -120, 60 * 24 * 2),
    ("niels-jobcenter", "meeting", -30, 90),
    ("kim-teknik", "vacation", -60 * 24, 60 * 24 * 6),
    ("lone-teknik", "course", -60, 60 * 5),
    ("ida-borgerservice", "lunch", -5, 25),
    ("pia-misbrug", "out", -15, None),
)


@dataclass
class DemoInfo:
    url: str
    secret_key: str
    passwords: dict[str, str]
    units: int
    employees: int
    tasks: int
    revision: int


def _secrets(path: Path) -> dict[str, object]:
    if path.exists():
        data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
        return data
    data = {
        "secret_key": secrets.token_urlsafe(32),
        "passwords": {u[0]: secrets.token_urlsafe(12) for u in DEMO_USERS},
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return data


def _users(engine: Engine, passwords: dict[str, str]) -> None:
    with engine.connect() as conn:
        existing = set(conn.execute(select(UserRow.username)).scalars())
    for username, role, unit, employee, name in DEMO_USERS:
        if username not in existing:
            accounts.add_user(
                engine,
                username,
                role,
                passwords[username],
                unit_id=unit,
                employee_id=employee,
                display_name=name,
            )


def _codes(engine: Engine, now: datetime) -> None:
    """A few absence codes for today, so the boards and the console have something to show."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(AbsenceRow)).scalar():
            return
    for employee, code, start, length in DEMO_CODES:
        begin = now + timedelta(minutes=start)
        until = begin + timedelta(minutes=length) if length else None
        set_absence(engine, employee, code, begin, until, actor="demo", now=now)


def build_demo(directory: Path = Path("."), now: datetime | None = None) -> DemoInfo:
    now = now or datetime.now(UTC)
    url = f"sqlite:///{directory / DEMO_DB}"
    engine = make_engine(url)
    ensure_schema(engine)
    result = orgfile.parse(demo_yaml())
    summary = import_organisation(
        engine, result.organisation, file_revision=None, actor="demo", force=True
    )
    data = _secrets(directory / DEMO_SECRET)
    passwords = dict(data["passwords"])  # type: ignore[call-overload]
    _users(engine, passwords)
    _codes(engine, now)
    engine.dispose()
    org = result.organisation
    return DemoInfo(
        url,
        str(data["secret_key"]),
        passwords,
        len(org.units),
        len(org.employees),
        len(org.tasks),
        summary.revision,
    )
