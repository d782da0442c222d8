"""`omstilling serve --workers N` (issue 13 item 7), with real servers.

On PostgreSQL: a change committed through one worker process (or by another process
altogether) is seen by advice answered by the other worker within 2 s; a call posted to
either worker reaches consoles on both; a background job runs in one worker. Which
worker answers a request is read from the kernel: the worker process that holds the
server's end of the test's TCP connection (/proc). On SQLite, more than one worker is
refused.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from omstilling import accounts, orgfile
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.joblock import NAMESPACE, _int32
from omstilling.store.organisation import import_organisation
from tests.conftest import free_port, mini_text

PASSWORD = "korrekt-hest-batteri"
SECRET = "workers-test-secret-0123456789"
SEEN_WITHIN = 2.0  # seconds from a commit to the first advice that reflects it


def env() -> dict[str, str]:
    return {
        **os.environ,
        "OMSTILLING_SECRET_KEY": SECRET,
        "OMSTILLING_COOKIE_SECURE": "false",
        "NO_COLOR": "1",
    }


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omstilling", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env(),
    )


def test_sqlite_refuses_more_than_one_worker_and_says_why(tmp_path: Path) -> None:
    done = serve("--workers", "2", "--port", str(free_port()), "--db", f"sqlite:///{tmp_path}/o.db")
    assert done.returncode == 2
    assert "--workers above 1 needs PostgreSQL" in done.stderr
    assert "live events" in done.stderr and "one process" in done.stderr
    assert "Traceback" not in done.stderr


def test_sqlite_refuses_workers_from_the_environment_too(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "omstilling", "serve", "--db", f"sqlite:///{tmp_path}/o.db"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env(), "OMSTILLING_WORKERS": "3", "OMSTILLING_PORT": str(free_port())},
    )
    assert done.returncode == 2 and "needs PostgreSQL" in done.stderr


# --- which worker holds a connection -------------------------------------------------------


def children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def socket_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the TCP socket from local_port to remote_port on this machine."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) == local_port and (
                int(remote.rsplit(":", 1)[1], 16) == remote_port
            ):
                return fields[9]
    return None


def owner(pids: set[int], inode: str | None) -> int | None:
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
        except OSError:
            continue
    return None


@dataclass
class Workers:
    proc: subprocess.Popen[bytes]
    port: int
    url: str
    token: str
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> set[int]:
        return children(self.proc.pid)

    def connection(self) -> tuple[http.client.HTTPConnection, int]:
        """A kept-alive connection and the worker that accepted it."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        conn.connect()
        client_port = conn.sock.getsockname()[1]
        call(conn, "GET", "/api/v1/health")  # accepted and answered: a worker holds it
        pid = owner(self.pids(), socket_inode(self.port, client_port))
        assert pid is not None
        return conn, pid

    def one_on_each(self, n: int = 2) -> list[http.client.HTTPConnection]:
        """Connections until each of `n` workers holds one (the kernel picks the worker)."""
        found: dict[int, http.client.HTTPConnection] = {}
        for _ in range(200):
            conn, pid = self.connection()
            if pid in found:
                conn.close()
            else:
                found[pid] = conn
            if len(found) == n:
                return list(found.values())
        pytest.fail(f"200 connections reached {len(found)} of {n} workers")


def call(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return r.status, json.loads(data) if data else None


@pytest.fixture(scope="module")
def workers(
    postgres_module_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    url = postgres_module_url
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="test")
    accounts.add_user(engine, "op", "operator", PASSWORD)
    token = accounts.create_token(engine, "pbx", ["advice:read", "presence:write", "calls:write"])
    engine.dispose()
    port = free_port()
    log = tmp_path_factory.mktemp("workers") / "server.log"
    # With a mail server configured every worker starts the message delivery job; the
    # port is closed, so nothing is sent, and nothing needs to be.
    server_env = {**env(), "OMSTILLING_SMTP_URL": f"smtp://127.0.0.1:{free_port()}"}
    command = ["serve", "--workers", "2", "--port", str(port), "--db", url]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "omstilling", *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=server_env,
        )
    served = Workers(proc, port, url, token, log)
    try:
        ready = 0
        deadline = time.monotonic() + 60
        while ready < 10 and time.monotonic() < deadline:  # ten answers in a row: both up
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                ok = httpx.get(served.base + "/api/v1/ready", timeout=2).status_code == 200
            except httpx.TransportError:
                ok = False
            ready = ready + 1 if ok else 0
            time.sleep(0.05)
        assert ready == 10, log.read_text()[-3000:]
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def absence(advice: dict[str, Any]) -> str | None:
    return (advice.get("absence") or {}).get("shown_as")


def advice_of(conn: http.client.HTTPConnection, token: str) -> dict[str, Any]:
    status, body = call(conn, "POST", "/api/v1/advice", {"employee": "mette-jobcenter"}, token)
    assert status == 200, body
    return dict(body)


def wait_until(conn: http.client.HTTPConnection, token: str, seen: Any) -> float:
    started = time.monotonic()
    while not seen(advice_of(conn, token)):
        assert time.monotonic() - started < 10, "the change never reached the other worker"
        time.sleep(0.01)
    return time.monotonic() - started


@pytest.mark.postgres
def test_a_presence_change_through_one_worker_is_seen_by_the_other_within_2_s(
    workers: Workers,
) -> None:
    one, other = workers.one_on_each()
    took = []
    for i in range(6):
        if i % 2 == 0:
            status, _ = call(
                one, "PUT", "/api/v1/employees/mette-jobcenter/absence", {"code": "meeting"},
                workers.token,
            )  # fmt: skip
            assert status == 200
            took.append(wait_until(other, workers.token, lambda a: absence(a) == "Møde"))
        else:
            status, _ = call(
                one, "DELETE", "/api/v1/employees/mette-jobcenter/absence", token=workers.token
            )
            assert status == 204
            took.append(wait_until(other, workers.token, lambda a: absence(a) is None))
    print(f"presence seen by the other worker after {[round(t, 3) for t in took]} s")
    assert max(took) <= SEEN_WITHIN


@pytest.mark.postgres
def test_an_import_by_another_process_is_seen_by_every_worker_within_2_s(
    workers: Workers, tmp_path: Path
) -> None:
    conns = workers.one_on_each()
    took = []
    for phone, display in (("89 15 22 19", "89 15 22 19"), ("89 15 22 11", "89 15 22 11")):
        changed = tmp_path / f"org-{phone[-2:]}.yaml"
        changed.write_text(mini_text().replace('phone: "89 15 22 11"', f'phone: "{phone}"'))
        done = subprocess.Popen(
            [sys.executable, "-m", "omstilling", "import", str(changed), "--db", workers.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env(),
        )
        # Keep each worker's connection in use while the import runs: uvicorn closes a
        # connection idle for 5 s, and on a loaded machine (CI) the import takes longer.
        deadline = time.monotonic() + 120
        while done.poll() is None and time.monotonic() < deadline:
            for conn in conns:
                call(conn, "GET", "/api/v1/health")
            time.sleep(0.5)
        output = done.communicate(timeout=10)[0]
        assert done.returncode == 0, output
        committed = time.monotonic()
        for conn in conns:
            wait_until(conn, workers.token, lambda a, d=display: a["to"]["display"] == d)
            took.append(time.monotonic() - committed)
    print(f"an import seen by both workers after {[round(t, 3) for t in took]} s")
    assert max(took) <= SEEN_WITHIN


# --- live events ---------------------------------------------------------------------------


def session_cookie(base: str) -> str:
    with httpx.Client(base_url=base, timeout=10) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        r = client.post(
            "/login", data={"username": "op", "password": PASSWORD, "csrf_token": csrf.group(1)}
        )
        assert r.status_code == 303, r.text
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


class Console:
    """A console's event stream on a known worker; the calls it receives."""

    def __init__(self, workers: Workers, cookie: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", workers.port, timeout=30)
        self.conn.connect()
        client_port = self.conn.sock.getsockname()[1]
        self.conn.request("GET", "/console/events", headers={"Cookie": cookie})
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.readline().startswith(b"retry:")  # subscribed
        self.pid = owner(workers.pids(), socket_inode(workers.port, client_port))
        self.calls: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            event = None
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "call":
                    self.calls.put(json.loads(line[6:])["call_id"])
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            return  # the test closed the stream (http.client drops its file: AttributeError)

    def received(self, n: int, timeout: float = 10) -> set[str]:
        got = set()
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            try:
                got.add(self.calls.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return got

    def close(self) -> None:
        self.conn.close()


def consoles_on_each(workers: Workers, n: int = 2) -> list[Console]:
    cookie = session_cookie(workers.base)
    found: dict[int, Console] = {}
    for _ in range(100):
        console = Console(workers, cookie)
        if console.pid in found or console.pid is None:
            console.close()
        else:
            found[console.pid] = console
        if len(found) == n:
            return list(found.values())
    pytest.fail(f"100 streams reached {len(found)} of {n} workers")


def queued(call_id: str) -> dict[str, Any]:
    return {
        "events": [
            {
                "id": f"evt-{call_id}",
                "call_id": call_id,
                "type": "queued",
                "at": "2026-12-01T10:15:03+01:00",
                "queue": "borgerservice",
                "caller": "+4512345678",
            }
        ]
    }


@pytest.mark.postgres
def test_every_console_sees_every_call_whichever_worker_received_it(workers: Workers) -> None:
    consoles = consoles_on_each(workers)
    posting = {}
    for conn in workers.one_on_each():
        pid = owner(workers.pids(), socket_inode(workers.port, conn.sock.getsockname()[1]))
        posting[pid] = conn
    try:
        sent = set()
        for i, (pid, conn) in enumerate(sorted(posting.items())):
            call_id = f"1701423{pid}.{i}"
            status, body = call(
                conn, "POST", "/api/v1/calls/events", queued(call_id), workers.token
            )
            assert status == 200, body
            sent.add(call_id)
        for console in consoles:
            assert console.received(len(sent)) == sent, f"console on worker {console.pid}"
    finally:
        for console in consoles:
            console.close()


# --- background jobs -----------------------------------------------------------------------


@pytest.mark.postgres
def test_the_message_delivery_job_runs_in_one_worker(workers: Workers) -> None:
    """Both workers start the job and connect for its lock; one holds it."""
    engine = make_engine(workers.url)
    key = _int32("message-delivery")
    try:
        deadline = time.monotonic() + 15
        while True:
            with engine.connect() as conn:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND application_name = 'omstilling job message-delivery'"
                    )
                ).scalar()
                holding = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND objsubid = 2 AND classid = CAST(CAST(:ns AS bigint) AS oid)"
                        " AND objid = CAST(CAST(:key AS bigint) AS oid)"
                        " AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"
                    ),
                    {"ns": NAMESPACE & 0xFFFFFFFF, "key": key & 0xFFFFFFFF},
                ).scalar()
            if waiting == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert (waiting, holding) == (2, 1)
    finally:
        engine.dispose()
