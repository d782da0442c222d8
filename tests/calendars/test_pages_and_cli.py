"""The employee's own calendar section, the admin page of feeds, and `omstilling calendars`
(issue 15 items 1 and 5): the address is shown only as "sat", never logged or printed."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from omstilling import accounts, orgfile
from omstilling.calendars.poller import CalendarService, poll_once
from omstilling.cli import app as cli_app
from omstilling.cli import calendars as _registers_the_commands  # noqa: F401
from omstilling.settings import Settings, get_settings
from omstilling.store.calendar_feeds import stored_addresses
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from tests.calendars.conftest import FeedServer
from tests.calendars.ics import event, exchange
from tests.conftest import mini_text
from tests.web.session import MONDAY_10, PASSWORD, browser, csrf, post_login

WHO = "mette-jobcenter"
MEETING = event("m1", "20261130T100000", "20261130T110000", "Hemmeligt møde om Lars")


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    accounts.add_user(engine, "mette", "employee", PASSWORD, employee_id=WHO)
    accounts.add_user(engine, "root", "admin", PASSWORD)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        calendar_poll=False,
        calendar_allow_loopback=True,
        calendar_parse_processes=0,
    )
    application = create_app(settings, engine=engine)
    application.state.clock = lambda: MONDAY_10
    return application


@pytest.fixture
def mette(app: FastAPI) -> Iterator[TestClient]:
    with browser(app) as client:
        assert post_login(client, "mette").status_code == 303
        yield client


def save(client: TestClient, url: str) -> object:
    token = csrf(client, "/mig/kalender")
    return client.post("/mig/kalender", data={"url": url, "csrf_token": token})


def test_the_employee_sets_her_feed_and_sees_only_that_it_is_set(
    app: FastAPI, mette: TestClient, engine: Engine, feed_server: FeedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    page = mette.get("/mig/kalender").text
    assert "artikel 13" in page and "gemmes aldrig" in page and "ikke sat" in page
    assert 'href="/mig/kalender"' in mette.get("/mig").text
    url = feed_server.put("/s3cr3t-mette.ics", exchange(MEETING))
    assert save(mette, url).status_code == 303  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert stored_addresses(conn) == {WHO: url}
    poll_once(engine, app.state.settings, MONDAY_10)
    page = mette.get("/mig/kalender?saved=1").text
    assert "sat" in page and "s3cr3t" not in page and "Sidst læst: i dag kl. 10.00" in page
    assert "1 kode fra kalenderen" in page
    assert "s3cr3t" not in caplog.text and "Lars" not in caplog.text
    token = csrf(mette, "/mig/kalender")
    removed = mette.post("/mig/kalender/fjern", data={"csrf_token": token})
    assert removed.status_code == 303
    with engine.connect() as conn:
        assert stored_addresses(conn) == {}


def test_a_bad_address_is_refused_without_repeating_it(mette: TestClient, engine: Engine) -> None:
    response = save(mette, "ftp://s3cr3t.example.org/cal.ics")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "http" in response.text and "s3cr3t" not in response.text  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert stored_addresses(conn) == {}


def test_a_failing_feed_shows_its_error_on_her_page_and_the_admin_page(
    app: FastAPI, mette: TestClient, engine: Engine, feed_server: FeedServer
) -> None:
    url = feed_server.put("/mette.ics", exchange(MEETING))
    save(mette, url)
    poll_once(engine, app.state.settings, MONDAY_10)
    feed_server.put("/mette.ics", status=404)
    poll_once(engine, app.state.settings, MONDAY_10 + timedelta(minutes=5))
    page = mette.get("/mig/kalender").text
    assert "Kalenderen kan ikke læses" in page and "findes ikke" in page
    with browser(app) as root:
        post_login(root, "root")
        admin = root.get("/kalendere").text
    assert "<strong>1</strong> kalender, <strong>1</strong> fejler" in admin
    assert "Mette Dahl" in admin and "findes ikke" in admin and "mette.ics" not in admin
    assert "seneste vellykkede læsning: i dag kl. 10.00" in admin
    assert mette.get("/kalendere").status_code == 403


def test_the_server_starts_polling_when_the_first_feed_is_set(
    engine: Engine, feed_server: FeedServer
) -> None:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        calendar_allow_loopback=True,
        calendar_parse_processes=0,
    )
    service = CalendarService(engine, settings)
    try:
        assert service.poller is None  # no feed, no thread
        from omstilling.calendars.feeds import set_feed

        url = feed_server.put("/mette.ics", exchange(MEETING))
        set_feed(engine, WHO, url, actor="t", now=MONDAY_10, allow_loopback=True)
        assert service.poller is not None
        deadline = time.monotonic() + 60  # the round's child process starts first
        while not service.poller.rounds and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.poller.rounds >= 1 and ("/mette.ics", 200) in feed_server.hits
        # The round ran in a child process of the server, at a lower priority.
        (child,) = round_processes(service)
        assert os.getpriority(os.PRIO_PROCESS, child) >= 10
    finally:
        service.stop()
    assert not alive([child])


def round_processes(service: CalendarService) -> list[int]:
    assert service.poller is not None
    return [p.pid for p in getattr(service.poller._rounds, "_processes", {}).values() if p.pid]


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pids: list[int]) -> list[int]:
    living = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.append(pid)
    return living


def test_a_stopped_poller_ends_its_round_and_leaves_no_process_behind(
    engine: Engine, feed_server: FeedServer
) -> None:
    """The server's stop during a round: the round reads no more feeds (those begun are
    finished), the child and its parsers end; nothing is killed or left running."""
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    from omstilling.calendars.feeds import set_feed

    for who in (WHO, "niels-jobcenter", "sara-jobcenter"):
        url = feed_server.put(f"/{who}.ics", exchange(MEETING), delay=1.0)
        set_feed(engine, who, url, actor="t", now=MONDAY_10, allow_loopback=True)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        calendar_allow_loopback=True,
        calendar_parse_processes=1,
        calendar_concurrency=1,
    )
    service = CalendarService(engine, settings)
    try:
        deadline = time.monotonic() + 60
        while not feed_server.hits and time.monotonic() < deadline:
            time.sleep(0.05)
        assert feed_server.hits  # a round is reading its first feed
        (child,) = round_processes(service)
        family = [child, *children_of(child)]
    finally:
        started = time.monotonic()
        service.stop()
    assert time.monotonic() - started < 30
    assert len(feed_server.hits) < 3  # the round read no more after the stop
    deadline = time.monotonic() + 10
    while alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(family)  # the child and its parser


def test_cli_set_poll_status_remove(
    engine: Engine, db_url: str, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    monkeypatch.setenv("OMSTILLING_CALENDAR_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("OMSTILLING_CALENDAR_PARSE_PROCESSES", "0")
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    get_settings.cache_clear()
    runner = CliRunner()
    url = feed_server.put("/s3cr3t.ics", exchange(MEETING))
    out = runner.invoke(cli_app, ["calendars", "set", WHO, url, "--db", db_url])
    assert out.exit_code == 0, out.output
    assert "calendar feed set" in out.output and "s3cr3t" not in out.output
    out = runner.invoke(cli_app, ["calendars", "poll", "--once", "--db", db_url])
    assert out.exit_code == 0, out.output
    assert "1 feeds, 1 polled: 1 read" in out.output
    out = runner.invoke(cli_app, ["calendars", "status", "--db", db_url])
    assert f"{WHO}" in out.output and "1 feeds, 0 failing" in out.output
    assert "s3cr3t" not in out.output
    bad = runner.invoke(cli_app, ["calendars", "set", WHO, "gopher://x/s3cr3t", "--db", db_url])
    assert bad.exit_code == 2 and "s3cr3t" not in bad.output
    out = runner.invoke(cli_app, ["calendars", "remove", WHO, "--db", db_url])
    assert out.exit_code == 0 and "removed" in out.output
    get_settings.cache_clear()
