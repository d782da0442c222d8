"""A real SMTP server (aiosmtpd) in the test process, and the mini organisation with
mail addresses, on both database engines."""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from omstilling import orgfile
from omstilling.settings import Settings
from omstilling.store.organisation import import_organisation
from tests.conftest import mini_text

CPH = ZoneInfo("Europe/Copenhagen")
# Monday 30 November 2026, mid-morning: every unit of the mini organisation is open.
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=CPH)

EMAILS = {
    "ida-borgerservice": "ida.holm@example.dk",
    "jens-jobcenter": "jens.krog@example.dk",
    "sara-jobcenter": "sara.lind@example.dk",
    "mette-jobcenter": "mette.dahl@example.dk",
    "niels-jobcenter": "niels.bak@example.dk",
    "anne-familie": "anne.andersen@example.dk",
    "bo-familie": "bo.eriksen@example.dk",
    "pia-misbrug": "pia.vang@example.dk",
}


@dataclass
class Received:
    to: list[str]
    subject: str
    body: str


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every mail it accepts."""

    mails: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        body = parsed.get_body(("plain",))
        received = Received(
            list(envelope.rcpt_tos), str(parsed["Subject"]), body.get_content() if body else ""
        )
        with self._cond:
            self.mails.append(received)
            self._cond.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.mails) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self.mails)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class SmtpServer:
    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running SMTP server on a free loopback port."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_later() -> Iterator[SmtpServer]:
    """An SMTP server on a free port that is NOT started: the mail server is down."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


def settings_for(db_url: str, smtp_url: str | None, **kw: Any) -> Settings:
    return Settings(
        database_url=db_url,
        smtp_url=smtp_url,
        smtp_from="omstilling@randers.example.dk",
        smtp_timeout=5.0,
        base_url="https://omstilling.randers.example.dk",
        **kw,
    )


def mini_doc(owner_of_familie: str | None = None) -> dict[str, Any]:
    doc = yaml.safe_load(mini_text())
    for unit in doc["units"]:
        for employee in unit.get("employees", []):
            if employee["id"] in EMAILS:
                employee["email"] = EMAILS[employee["id"]]
        if unit["id"] == "familie" and owner_of_familie:
            unit["owner"] = owner_of_familie
    return doc


def import_doc(engine: Engine, doc: dict[str, Any]) -> None:
    organisation = orgfile.parse_data(doc).organisation
    import_organisation(engine, organisation, file_revision=None, actor="test")


@pytest.fixture
def org_engine(engine: Engine) -> Engine:
    """The mini organisation with mail addresses; Familie (sensitive) owned by Bo."""
    import_doc(engine, mini_doc(owner_of_familie="bo-familie"))
    return engine
