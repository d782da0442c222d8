"""SMTP settings, login, the STARTTLS rule, and the webhook, against real servers."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine

from omstilling import mail, messages
from omstilling.messages import NewMessage
from tests.messages.conftest import NOW, Inbox, free_port, settings_for


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:8025", mail.SmtpConfig("127.0.0.1", 8025)),
        ("smtp://mail.example.dk", mail.SmtpConfig("mail.example.dk", 25)),
        (
            "smtp://omstilling%40randers.dk:p%C3%A5ss@mail.example.dk:587",
            mail.SmtpConfig("mail.example.dk", 587, "omstilling@randers.dk", "påss"),
        ),
        ("smtps://mail.example.dk", mail.SmtpConfig("mail.example.dk", 465, implicit_tls=True)),
    ],
)
def test_smtp_url_forms(url: str, expected: mail.SmtpConfig) -> None:
    assert mail.parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.dk", "smtp://", "smtp://host:notaport"])
def test_a_bad_smtp_url_is_refused(url: str) -> None:
    with pytest.raises(mail.MailConfigError, match="OMSTILLING_SMTP_URL"):
        mail.parse_smtp_url(url)


def test_loopback_is_recognised() -> None:
    assert mail.SmtpConfig("127.0.0.1", 25).loopback
    assert mail.SmtpConfig("::1", 25).loopback
    assert mail.SmtpConfig("localhost", 25).loopback
    assert not mail.SmtpConfig("10.0.0.5", 25).loopback
    assert not mail.SmtpConfig("mail.example.dk", 25).loopback


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_with_user_and_password_from_the_url() -> None:
    inbox, port = Inbox(), free_port()

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"omstilling",
            b"hemmelig",
        )
        return AuthResult(success=ok)

    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
        auth_required=True, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        good = mail.parse_smtp_url(f"smtp://omstilling:hemmelig@127.0.0.1:{port}")
        mail.send_mail(good, "a@example.dk", "b@example.dk", "Emne", "Tekst")
        assert inbox.wait_for(1)[0].subject == "Emne"
    finally:
        controller.stop()


def _outward_address() -> str | None:
    """This machine's non-loopback address, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent for UDP connect
            address = str(s.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_starttls_is_required_except_on_loopback() -> None:
    host = _outward_address()
    if host is None:
        pytest.skip("no non-loopback address on this machine")
    inbox, port = Inbox(), free_port(host)
    controller = Controller(inbox, hostname=host, port=port)  # offers no STARTTLS
    controller.start()
    try:
        config = mail.parse_smtp_url(f"smtp://{host}:{port}")
        with pytest.raises(mail.MailError, match="STARTTLS"):
            mail.send_mail(config, "a@example.dk", "b@example.dk", "Emne", "Tekst")
        assert inbox.mails == []
    finally:
        controller.stop()


# --- the webhook ------------------------------------------------------------------------


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/notice", received
    server.shutdown()
    server.server_close()


def test_r3_8_webhook_notices_never_carry_a_sensitive_units_caller_or_text(
    org_engine: Engine, db_url: str, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    settings = settings_for(db_url, None, message_webhook_url=url)
    for employee in ("mette-jobcenter", "anne-familie"):
        messages.create_message(
            org_engine,
            NewMessage("Karen Jensen", "20304050", "Om sin sag", employee=employee),
            actor="op", now=NOW, settings=settings,
        )  # fmt: skip
    report = messages.deliver_pending(org_engine, settings, NOW)
    # Two webhook notices sent; the two mails wait, since no SMTP server is configured.
    assert report.sent == 2 and report.retrying == 2
    by_employee = {n["employee"]: n for n in received}
    assert by_employee["mette-jobcenter"]["caller_name"] == "Karen Jensen"
    sensitive = by_employee["anne-familie"]
    assert sensitive["sensitive"] is True and sensitive["event"] == "message.created"
    assert "Karen" not in json.dumps(sensitive) and "Om sin sag" not in json.dumps(sensitive)
