"""The organisation the server answers from, built beside the one in use (issue 13 item 1).

The builder's loader is the store's own `load_organisation`, gated by an event where a
test must hold a build half-way: the organisation is real, only its timing is chosen.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, update

from omstilling import orgfile
from omstilling.domain.organisation import Organisation
from omstilling.published import Published, Starting
from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.models import OrgState, UnitRow
from omstilling.store.organisation import import_organisation, load_organisation
from omstilling.web.app import create_app
from tests.conftest import mini_text


def mini() -> dict[str, Any]:
    return dict(yaml.safe_load(mini_text()))


def import_doc(engine: Engine, doc: dict[str, Any]) -> None:
    import_organisation(engine, orgfile.parse_data(doc).organisation, file_revision=None, actor="t")


def renamed_elsewhere(engine: Engine, name: str) -> None:
    """A change committed by another process: rows and revision, without this process's
    write hook (so only the revision tells this process)."""
    with engine.begin() as conn:
        conn.execute(update(UnitRow).where(UnitRow.id == "jobcenter").values(name=name))
        conn.execute(update(OrgState).values(revision=OrgState.revision + 1))


class Gate:
    """`load_organisation` that waits for the test to open the gate, counting its calls."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.open.set()
        self.entered = threading.Condition()
        self.calls = 0
        self.fail = False  # the next load fails as a lost connection would

    def reached(self, n: int) -> bool:
        """Wait until the n-th load has reached the gate (counted from the first, so a
        load that passed before cannot be taken for the one awaited)."""
        with self.entered:
            return self.entered.wait_for(lambda: self.calls >= n, timeout=10)

    def __call__(self, conn: Connection) -> Organisation | None:
        with self.entered:
            self.calls += 1
            self.entered.notify_all()
        assert self.open.wait(timeout=30), "the test never opened the gate"
        if self.fail:
            self.fail = False
            conn.invalidate()
            raise ConnectionError("the database went away")
        return load_organisation(conn)


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def published(engine: Engine, gate: Gate) -> Iterator[Published]:
    import_doc(engine, mini())
    p = Published(engine, max_age=0.0, first_wait=0.2, loader=gate)
    yield p
    gate.open.set()
    p.stop()


def jobcenter(p: Published) -> str:
    current = p.current()
    assert current is not None
    return current.org.units["jobcenter"].name


def test_not_started_a_one_shot_command_loads_only_on_a_new_revision(engine: Engine) -> None:
    p = Published(engine, max_age=0.0)
    assert p.current() is None and p.ready
    import_doc(engine, mini())
    first = p.current()
    assert first is not None and p.current() is first
    assert "index" not in first.__dict__  # a command that never searches never indexes
    doc = mini()
    doc["municipality"]["name"] = "Randers"
    import_doc(engine, doc)
    second = p.current()
    assert second is not first and second is not None
    assert second.org.municipality.name == "Randers"


def test_started_it_is_ready_after_the_first_build_with_its_index(
    published: Published, gate: Gate
) -> None:
    gate.open.clear()
    published.start()
    assert gate.reached(1)
    assert not published.ready
    with pytest.raises(Starting):  # a request waits `first_wait`, then 503
        published.current()
    gate.open.set()
    assert published.wait_for(1, timeout=10)
    assert published.ready and published.first_build_seconds is not None
    current = published.current()
    assert current is not None and "index" in current.__dict__  # built before the swap


def test_a_request_goes_on_with_the_current_snapshot_while_the_next_is_built(
    published: Published, gate: Gate, engine: Engine
) -> None:
    published.start()
    assert published.wait_for(1, timeout=10)
    before = published.current()
    gate.open.clear()
    renamed_elsewhere(engine, "Jobcentret")
    # The revision moved: the request asks for a build and is answered from the old one
    # at once, although the build cannot finish (the gate is shut).
    assert published.current() is before
    assert gate.reached(2)
    assert jobcenter(published) == "Jobcenter"
    gate.open.set()
    assert published.wait_for(published.request(), timeout=10)
    assert jobcenter(published) == "Jobcentret"


def test_changes_in_quick_succession_are_built_once(
    published: Published, gate: Gate, engine: Engine
) -> None:
    published.start()
    assert published.wait_for(1, timeout=10)
    gate.open.clear()
    renamed_elsewhere(engine, "A")
    published.current()  # build 2 starts and waits at the gate
    assert gate.reached(2)
    tickets = []
    for name in ("B", "C", "D", "E"):
        renamed_elsewhere(engine, name)
        tickets.append(published.request())
    builds_before = gate.calls
    gate.open.set()
    assert published.wait_for(max(tickets), timeout=10)
    # At most one build for the four changes after it (none when the gated build already
    # read them: PostgreSQL reads each statement afresh, SQLite from the transaction's start).
    assert gate.calls <= builds_before + 1
    assert jobcenter(published) == "E"


def test_a_write_in_this_process_is_seen_by_the_writer_when_it_returns(
    published: Published, engine: Engine
) -> None:
    published.start()
    assert published.wait_for(1, timeout=10)
    doc = mini()
    next(u for u in doc["units"] if u["id"] == "jobcenter")["name"] = "Jobcenter Randers"
    import_doc(engine, doc)  # waits for its own change to be built
    loaded = published.loaded()
    assert loaded is not None and loaded.org.units["jobcenter"].name == "Jobcenter Randers"


def test_a_failed_build_keeps_the_previous_snapshot(
    published: Published, gate: Gate, engine: Engine
) -> None:
    published.start()
    assert published.wait_for(1, timeout=10)
    before = published.current()
    gate.fail = True
    renamed_elsewhere(engine, "Jobcentret")
    assert published.wait_for(published.request(), timeout=10)
    assert published.loaded() is before
    assert published.error is not None and published.ready
    assert published.wait_for(published.request(), timeout=10)  # the next one succeeds
    assert jobcenter(published) == "Jobcentret" and published.error is None


def test_ready_and_health_on_the_web(engine: Engine, db_url: str, gate: Gate) -> None:
    import_doc(engine, mini())
    app = create_app(Settings(database_url=db_url), engine=engine)
    app.state.directory.published = Published(engine, max_age=0.0, first_wait=0.2, loader=gate)
    gate.open.clear()
    with TestClient(app) as client:
        assert gate.reached(1)
        r = client.get("/api/v1/ready")
        assert r.status_code == 503 and "loading" in r.json()["detail"]
        health = client.get("/api/v1/health").json()
        assert health["status"] == "ok" and health["ready"] is False
        gate.open.set()
        assert app.state.directory.published.wait_for(1, timeout=10)
        r = client.get("/api/v1/ready")
        assert r.status_code == 200 and r.json()["ready"] is True
        assert r.json()["loaded_in_seconds"] >= 0
        assert client.get("/api/v1/health").json()["ready"] is True


def test_serve_says_when_it_is_ready_and_how_long_the_load_took(tmp_path: Path) -> None:
    """The real `omstilling serve`: /ready answers 200 once loaded, and its log says so."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_doc(engine, mini())
    engine.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "server.log"
    # The port from the environment (OMSTILLING_PORT), as a service unit would set it.
    env = {
        **os.environ,
        "OMSTILLING_SECRET_KEY": "published-test-secret-0123456789",
        "OMSTILLING_PORT": str(port),
    }
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "omstilling", "serve", "--db", url],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        status = None
        for _ in range(300):
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/api/v1/ready", timeout=2).status_code
            except httpx.TransportError:
                status = None
            if status == 200 or server.poll() is not None:
                break
            time.sleep(0.1)
        assert status == 200, log.read_text()[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert re.search(r"organisation revision \d+ loaded in \d+\.\d\d s", log.read_text())


def test_started_again_after_a_stop_it_builds_again(published: Published, engine: Engine) -> None:
    """A test client starts and stops the app's lifespan for each `with`: the second start
    must build changes as the first did (it kept the dead thread and went stale)."""
    published.start()
    assert published.wait_for(1, timeout=10)
    published.stop()
    renamed_elsewhere(engine, "Efter stop")
    assert jobcenter(published) == "Efter stop"  # stopped: read inline
    published.start()
    assert published.wait_for(1, timeout=10)
    renamed_elsewhere(engine, "Igen")
    assert published.wait_for(published.request(), timeout=10)
    assert jobcenter(published) == "Igen"


def test_an_edit_is_applied_from_what_changed_not_loaded_again(
    published: Published, gate: Gate, engine: Engine
) -> None:
    """Issue 13 item 3: the audit trail names what changed; only that is read again, and
    the index is updated, not rebuilt. The result is what a fresh load gives."""
    import dataclasses

    from omstilling.domain import orgedit
    from omstilling.domain.orgdiff import entity_docs
    from omstilling.store.organisation import save_edit

    published.start()
    assert published.wait_for(1, timeout=10)
    before = published.current()
    assert before is not None
    loads = gate.calls
    e = before.org.employees["mette-jobcenter"]
    edited = orgedit.put_employee(
        before.org, dataclasses.replace(e, title="Ungekoordinator"), new=False
    )
    save_edit(engine, edited, actor="test", base=before.org)  # waits for its build
    after = published.current()
    assert after is not None and after is not before
    assert gate.calls == loads and published.patches == 1  # nothing loaded whole
    assert after.org.employees["mette-jobcenter"].title == "Ungekoordinator"
    assert after.org.units is before.org.units  # shared: no unit changed
    assert "index" in after.__dict__  # updated before the swap
    assert [h.id for h in after.index.search("ungekoordinator")] == ["mette-jobcenter"]
    assert before.index.search("ungekoordinator") == []  # the older one is as it was
    with engine.connect() as conn:
        fresh = load_organisation(conn)
    assert fresh is not None and entity_docs(after.org) == entity_docs(fresh)
    assert after.revision == fresh.revision
