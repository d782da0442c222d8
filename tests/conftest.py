"""Shared fixtures: real databases (a SQLite file and, when configured, PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from omstilling.store.db import ensure_schema, make_engine, normalise_url

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ACCEPTANCE = SHARED / "acceptance"
MINI = ACCEPTANCE / "randers-mini.yaml"
PG_URL = os.environ.get("OMSTILLING_TEST_POSTGRES_URL")
PG_SKIP = "PostgreSQL not configured: set OMSTILLING_TEST_POSTGRES_URL (CI sets it)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # In CI the PostgreSQL tests must run: a missing URL there is a failure, not a skip.
    if os.environ.get("CI") and not PG_URL and any("postgres" in i.keywords for i in items):
        raise pytest.UsageError("CI=true but OMSTILLING_TEST_POSTGRES_URL is not set")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for servers tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mini_text() -> str:
    if not MINI.exists():
        pytest.skip(f"acceptance fixture absent: {MINI}")
    return MINI.read_text(encoding="utf-8")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'omstilling.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    yield from _postgres_database()


def _postgres_database() -> Iterator[str]:
    assert PG_URL
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"omst_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = normalise_url(PG_URL)
    url = base.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs on both engines."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to head once per test process, copied for each test:
    running the migrations took about a second a test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    ensure_schema(eng)
    eng.dispose()  # the WAL is checkpointed into the file: the file alone is the database
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str | None]:
    """A PostgreSQL database migrated to head once per test process, each test's database
    made from it (CREATE DATABASE ... TEMPLATE)."""
    if not PG_URL:
        yield None
        return
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"omst_tmpl_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(normalise_url(PG_URL).rsplit("/", 1)[0] + f"/{name}")
    try:
        ensure_schema(eng)
        eng.dispose()  # a template must have no connections when it is copied
        yield name
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The test's database at the migrations' head: a copy of the process's template
    (the migrations themselves are tested on empty databases through `db_url`)."""
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        if not path.exists():
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
    else:
        template = request.getfixturevalue("_postgres_template")
        if template is not None:
            assert PG_URL
            name = db_url.rsplit("/", 1)[1]
            admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            admin.dispose()
    eng = make_engine(db_url)
    ensure_schema(eng)  # at head already: reads the revision and does nothing
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def postgres_module_url() -> Iterator[str]:
    """One PostgreSQL database shared by the tests of a module."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    yield from _postgres_database()


def api_client(app: Any, scopes: tuple[str, ...] | None = None) -> Any:
    """A test client that sends a bearer token with every scope (or the ones given)."""
    from fastapi.testclient import TestClient

    from omstilling.accounts import SCOPES, create_token

    token = create_token(app.state.engine, "tests", list(scopes or SCOPES))
    return TestClient(
        app, base_url="https://testserver", headers={"Authorization": f"Bearer {token}"}
    )
