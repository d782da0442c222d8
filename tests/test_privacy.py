"""No CPR number is stored, logged or published, whichever door it is typed into.

Issue 12 item 4 and its test: CPR numbers in every common spelling are posted into every
free-text field of the API, the console, the employee's own page, the unit editor and
the CLI, against a real server (`omstilling serve` in a subprocess, its log captured).
Then the database file, the server's log, the CLI's output and every public page are
searched for them: none may be found. Each door is first used with a harmless marker
that must be found afterwards, so a door that stores nothing (a wrong field name, a
form that fails for another reason) cannot make the test pass by accident.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from omstilling import accounts
from omstilling.demo.org import demo_yaml
from omstilling.orgfile import parse_text
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.organisation import import_organisation
from tests.web.session import PASSWORD

# Every common spelling of a CPR number, as a template over day, month, year, serial.
SPELLINGS = [
    "{d}{m}{y}{s}",
    "{d}{m}{y}-{s}",
    "{d}{m}{y}\u2013{s}",  # en dash
    "{d}{m}{y}\u2014{s}",  # em dash
    "{d}{m}{y} - {s}",
    "{d}{m}{y} {s}",
    "{d} {m} {y} {s}",
    "{d}.{m}.{y}-{s}",
    "{d}{m}{y}.{s}",
    "{d}-{m}-{y}-{s}",
    "{d}/{m}/{y}-{s}",
    "{d}{m}{y}\u2212{s}",  # minus sign
]
TEXTS_PER_DOOR = len(SPELLINGS)


def cprs(door: int) -> list[str]:
    """The CPR numbers one door is probed with: its own serials, so a find names the door."""
    return [
        spelling.format(d="03", m="11", y="85", s=f"{1000 + door * 20 + i:04d}")
        for i, spelling in enumerate(SPELLINGS)
    ]


def digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)


@dataclass
class Server:
    base: str
    db: Path
    log: Path
    cli_output: list[str] = field(default_factory=list)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "omstilling", *args, "--db", f"sqlite:///{self.db}"],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(),
        )
        self.cli_output.append(done.stdout + done.stderr)
        return done


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "OMSTILLING_SECRET_KEY": "privacy-test-secret-key-0123456789",
        "OMSTILLING_COOKIE_SECURE": "false",
        "NO_COLOR": "1",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("privacy")
    db = folder / "omstilling.db"
    engine = make_engine(f"sqlite:///{db}")
    ensure_schema(engine)
    import_organisation(engine, parse_text(demo_yaml()), file_revision=None, actor="test")
    accounts.add_user(engine, "operator", "operator", PASSWORD)
    accounts.add_user(engine, "mette", "employee", PASSWORD, employee_id="mette-jobcenter")
    accounts.add_user(engine, "admin", "admin", PASSWORD)
    engine.dispose()
    port, url = _free_port(), f"sqlite:///{db}"
    log = folder / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "omstilling", "serve", "--port", str(port), "--db", str(url)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"the server exited: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        else:
            pytest.fail("the server did not start within 30 s")
        yield Server(base, db, log)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def signed_in(server: Server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base, follow_redirects=False, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert r.status_code == 303, r.text
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/tavler").text)
    assert found
    client.headers["X-CSRF-Token"] = found.group(1)
    return client


Door = Callable[[str], object]


def doors(server: Server) -> dict[str, Door]:
    """Every free-text field by which a text can be stored, by the door it comes through."""
    operator = signed_in(server, "operator")
    mette = signed_in(server, "mette")
    admin = signed_in(server, "admin")
    scopes = [a for scope in accounts.SCOPES for a in ("--scope", scope)]
    found = re.search(
        r"omst_[A-Za-z0-9_-]+", server.cli("token", "create", "probe", *scopes).stdout
    )
    assert found, server.cli_output[-1]
    api = httpx.Client(
        base_url=server.base, headers={"Authorization": f"Bearer {found.group(0)}"}, timeout=30
    )
    soon = (datetime.now().astimezone() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    later = (datetime.now().astimezone() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    today = datetime.now().date().isoformat()
    counter = iter(range(10_000))

    def editor(path: str, **data: str) -> object:
        return admin.post(f"/enheder/jobcenter{path}", data=data)

    return {
        # API
        "api absence note": lambda t: api.put(
            "/api/v1/employees/mette-jobcenter/absence", json={"code": "meeting", "note": t}
        ),
        "api unit away note": lambda t: api.post(
            "/api/v1/units/jobcenter-unge/away", json={"from": soon, "until": later, "note": t}
        ),
        "api message text": lambda t: api.post(
            "/api/v1/messages",
            json={
                "employee": "mette-jobcenter",
                "caller_name": "Borger",
                "caller_phone": "86 15 15 15",
                "text": t,
            },
        ),
        "api message caller": lambda t: api.post(
            "/api/v1/messages",
            json={
                "employee": "mette-jobcenter",
                "caller_name": t,
                "caller_phone": "86 15 15 15",
                "text": "Ring tilbage",
                "about": t,
            },
        ),
        "api test call note": lambda t: api.post(
            "/api/v1/quality/test-calls",
            json={
                "test_calls": [
                    {
                        "at": f"{today}T09:00",
                        "unit": "jobcenter",
                        "answered": "ja",
                        "served": "ja",
                        "note": t,
                    }
                ]
            },
        ),
        # The console
        "console search": lambda t: operator.post("/console/search", data={"q": t}),
        "console action errand": lambda t: operator.post(
            "/console/actions", data={"action": "answered", "errand": t}
        ),
        "console action call id": lambda t: operator.post(
            "/console/actions", data={"action": "answered", "call_id": t.replace(" ", "-")}
        ),
        "console message": lambda t: operator.post(
            "/console/besked/gem",
            data={
                "employee": "mette-jobcenter",
                "caller_name": "Borger",
                "caller_phone": "86151515",
                "text": t,
            },
        ),
        # The employee's own page
        "own absence note": lambda t: mette.post(
            "/mig/fravaer", data={"choice": "meeting", "until_time": "23:00", "note": t}
        ),
        # The unit editor
        "unit description": lambda t: editor("/grunddata", description=t, address="Laksetorvet 1"),
        "unit address": lambda t: editor("/grunddata", description="Beskæftigelse", address=t),
        "number label": lambda t: editor("/numre", number_0="89 15 15 00", label_0=t),
        "hours comment": lambda t: editor("/timer", opening=f'Mo-Fr 08:00-15:00 "{t}"'),
        "task name": lambda t: editor(
            "/opgaver", id=f"probe-{next(counter)}", name=t, answer="Svar"
        ),
        "task answer": lambda t: editor(
            "/opgaver", id=f"probe-{next(counter)}", name="Probe", answer=t, keywords=t
        ),
        "employee title": lambda t: editor(
            "/medarbejdere",
            id=f"probe-{next(counter)}",
            name="Probe Person",
            title=t,
            role="caseworker",
            main_tasks=t,
        ),
        "mailing": lambda t: editor(
            "/udsendelser", title=t, sent=today, calls_expected_until=today, answer=t
        ),
        "editor unit away note": lambda t: editor("/vaek", start=soon, until=later, note=t),
        # The CLI
        "cli absence note": lambda t: server.cli(
            "absence", "set", "mette-jobcenter", "meeting", "--note", t
        ),
        "cli unit away note": lambda t: server.cli(
            "unit-away", "jobcenter-unge", "--from", soon, "--until", later, "--note", t
        ),
        "cli user name": lambda t: server.cli(
            "user",
            "add",
            f"u{next(counter)}",
            "--role",
            "operator",
            "--name",
            t,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        ),
        "cli token name": lambda t: server.cli("token", "create", t, "--scope", "advice:read"),
        "cli advise": lambda t: server.cli("advise", t),
        # Doors that only log: a CPR number in a URL, or typed as a user name at login.
        "url path": lambda t: api.get(f"/api/v1/employees/{t}"),
        "url query": lambda t: api.get("/api/v1/units", params={"q": t}),
        "login user name": lambda t: httpx.post(
            f"{server.base}/login", data={"username": t, "password": "x"}
        ),
    }


# Doors that keep nothing of a harmless text either (they only search, or log): for them
# the marker is not expected in the database.
NOT_STORED = {"console search", "cli advise", "url path", "url query", "login user name"}


def public_outputs(server: Server) -> str:
    pages = ["/offentlig", "/api/v1/public/units", "/api/v1/public/hours"]
    return "\n".join(httpx.get(server.base + p, timeout=30).text for p in pages)


def test_no_cpr_number_is_stored_logged_or_published(server: Server) -> None:
    probes = doors(server)
    markers: dict[str, str] = {}
    posted: dict[str, list[str]] = {}
    for i, (name, door) in enumerate(probes.items()):
        markers[name] = f"Kontrol{i:03d}x"
        door(markers[name])
        # A CLI call is a process start (a second each): the CLI doors try every fourth
        # spelling; the spellings themselves are each tested in tests/domain/test_citizen.py.
        posted[name] = cprs(i)[::4] if name.startswith("cli ") else cprs(i)
        for text in posted[name]:
            door(f"Borgeren {text} ringer")
    time.sleep(0.5)  # the access log of the last requests is written
    stored = b"".join(
        p.read_bytes() for p in server.db.parent.iterdir() if p.name.startswith(server.db.name)
    )
    log = server.log.read_text(encoding="utf-8", errors="replace")
    cli = "\n".join(server.cli_output)
    public = public_outputs(server)

    missing = [n for n, m in markers.items() if n not in NOT_STORED and m.encode() not in stored]
    assert not missing, f"these doors stored nothing, so they prove nothing: {missing}"

    places = {
        "database": stored,
        "server log": log.encode(),
        "CLI output": cli.encode(),
        "public pages": public.encode(),
    }
    found = []
    for name, texts in posted.items():
        for text in texts:
            # As typed, as digits only, JSON-escaped, and as a URL carries it.
            forms = {text, digits(text), json.dumps(text)[1:-1], quote(text), quote_plus(text)}
            found += [
                f"{name}: {text!r} in the {where}"
                for where, haystack in places.items()
                if any(f.encode() in haystack for f in forms)
            ]
    assert not found, "\n".join(found)
