"""One place registers every table; the store does not depend on the features above it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, inspect

import omstilling.store

STORE = Path(omstilling.store.__file__).parent


def test_the_one_metadata_holds_every_table_the_migrations_make(engine: Engine) -> None:
    from omstilling.tables import metadata

    made = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert made == set(metadata.tables)
    assert {"call_records", "call_stats_hourly", "org_state", "test_calls"} <= made


def test_the_store_imports_nothing_of_calls() -> None:
    modules = sorted(f"omstilling.store.{p.stem}" for p in STORE.glob("*.py"))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('omstilling.calls'))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
