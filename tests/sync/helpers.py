"""What the sync tests share: the mini organisation in a database, and sync files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from omstilling import orgfile
from omstilling.store.organisation import import_organisation, load_organisation
from omstilling.sync.config import SyncConfig, parse_sync
from tests.conftest import mini_text


def import_mini(engine: Engine, **employees: dict[str, Any]) -> None:
    """The mini organisation, with keys set on the employees named."""
    doc = yaml.safe_load(mini_text())
    for u in doc["units"]:
        for e in u.get("employees", []):
            e.update(employees.get(e["id"], {}))
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="i")


def org_of(engine: Engine) -> Any:
    with engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None
    return org


def csv_sync(path: Path, **extra: Any) -> SyncConfig:
    doc: dict[str, Any] = {
        "format": "omstilling-sync/1",
        "name": "hr",
        "source": {"kind": "csv", "path": str(path)},
        "fields": {
            "external_id": "Medarbejdernr",
            "name": "Navn",
            "title": "Stilling",
            "phone": "Telefon",
            "email": "Email",
        },
        "units": {
            "by": "Afdeling",
            "map": {"Jobcenter": "jobcenter", "Familie": "familie", "Teknik": "miljoe-og-teknik"},
        },
        "left": {"max_share": 0.5},
    }
    for key, value in extra.items():
        doc[key] = {**doc[key], **value} if isinstance(value, dict) else value
    return parse_sync(doc)


def write_csv(
    path: Path, rows: list[list[str]], *, encoding: str = "utf-8", sep: str = ";"
) -> Path:
    header = ["Medarbejdernr", "Navn", "Stilling", "Telefon", "Email", "Afdeling", "CPR"]
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path
