"""Real servers for the calendar tests: an HTTP server of iCalendar files that answers 304
to a conditional request, and a Radicale CalDAV server, each on a free port."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    location: str = ""  # for a redirect
    delay: float = 0.0  # seconds before answering
    etag: bool = True


@dataclass
class FeedServer:
    """Files by path; `hits` counts requests by (path, status answered)."""

    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[tuple[str, int]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: bytes = b"", **kw: object) -> str:
        self.routes[path] = Route(body, **kw)  # type: ignore[arg-type]
        return self.url(path)


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
            server.hits.append((self.path, status))
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        def do_GET(self) -> None:
            route = server.routes.get(self.path)
            if route is None:
                self._answer(404, b"not found")
                return
            if route.delay:
                time.sleep(route.delay)
            if route.location:
                self._answer(route.status, b"", {"Location": route.location})
                return
            if route.status != 200:
                self._answer(route.status, b"error")
                return
            etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if route.etag and self.headers.get("If-None-Match") == etag:
                self._answer(304, b"", {"ETag": etag})
                return
            headers = {"Content-Type": "text/calendar; charset=utf-8"}
            if route.etag:
                headers["ETag"] = etag
            self._answer(200, route.body, headers)

    return Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = FeedServer(httpd.server_address[1])
    httpd.RequestHandlerClass = _handler(state)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Radicale:
    base: str  # http://127.0.0.1:port

    def calendar(self, user: str, name: str = "kalender") -> str:
        """A new calendar collection (MKCALENDAR); its address with the user's login."""
        url = f"{self.base}/{user}/{name}/"
        auth = (user, "hemmeligt")
        httpx.request("PROPFIND", f"{self.base}/{user}/", auth=auth, headers={"Depth": "0"})
        response = httpx.request("MKCALENDAR", url, auth=auth)
        assert response.status_code == 201, response.status_code
        return url.replace("http://", f"http://{user}:hemmeligt@")


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    """A real CalDAV server (Radicale) on a free port, storage in a temporary folder."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "radicale",
            "--server-hosts", f"127.0.0.1:{port}",
            "--storage-filesystem-folder", str(tmp_path / "radicale"),
            "--auth-type", "none",
            "--logging-level", "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("Radicale did not start") from None
                time.sleep(0.05)
        yield Radicale(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
