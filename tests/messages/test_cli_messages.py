"""`omstilling messages ...` and `omstilling purge` as IT would run them (SQLite file)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from omstilling import messages
from omstilling.messages import Change, NewMessage
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.message_models import MessageRow
from tests.messages.conftest import SmtpServer, import_doc, mini_doc, settings_for


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omstilling", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_r1_6_list_deliver_and_purge_from_the_command_line(
    tmp_path: Path, sqlite_url: str, smtp: SmtpServer
) -> None:
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    import_doc(engine, mini_doc())
    settings = settings_for(sqlite_url, smtp.url)
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=40)
    overdue = messages.create_message(
        engine, NewMessage("Karen Jensen", "20304050", "Om sin sag", employee="mette-jobcenter"),
        actor="op", now=long_ago, settings=settings,
    ).message  # fmt: skip
    closed = messages.create_message(
        engine, NewMessage("Ole Hansen", "20304051", "Lukket sag", employee="niels-jobcenter"),
        actor="op", now=long_ago, settings=settings,
    ).message  # fmt: skip
    messages.update_message(engine, closed.id, Change(status="closed"), actor="m", now=long_ago)

    r = run(
        "messages", "list", "--unit", "jobcenter", "--overdue", "--db", sqlite_url, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert f"! {overdue.id:>6}" in r.stdout and "Karen Jensen (20 30 40 50)" in r.stdout
    assert "Ole Hansen" not in r.stdout

    env = {"OMSTILLING_SMTP_URL": smtp.url, "OMSTILLING_SMTP_FROM": "omstilling@example.dk"}
    r = run("messages", "deliver", "--db", sqlite_url, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "escalated 1" in r.stdout
    to = sorted(addr for m in smtp.inbox.wait_for(2) for addr in m.to)
    assert to == ["jens.krog@example.dk", "mette.dahl@example.dk"]

    r = run("purge", "--db", sqlite_url, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "purged 1 closed message(s) older than 30 days" in r.stdout
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(MessageRow)).scalar_one() == 1

    r = run("messages", "list", "--unit", "nowhere", "--db", sqlite_url, cwd=tmp_path)
    assert r.returncode == 2 and "unknown unit 'nowhere'" in r.stderr
    engine.dispose()
