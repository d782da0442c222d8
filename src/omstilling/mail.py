"""Mail for messages and callbacks: the SMTP connection and the Danish mail text.

`OMSTILLING_SMTP_URL` names the server: `smtp://host:port`, `smtp://user:pass@host:587`
(STARTTLS), or `smtps://host:465` (TLS from the first byte). Outside a loopback
address the connection must be encrypted: a server that offers no STARTTLS is
refused rather than sent the citizen's message in clear text.

A message of a sensitive unit (R3.8) is mailed as a link only: neither the
caller, nor the errand, nor the text leaves the system by mail.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal
from urllib.parse import unquote, urlsplit

from omstilling.domain import danish
from omstilling.domain.callbacks import Message

__all__ = [
    "MailConfigError",
    "MailError",
    "MailText",
    "Purpose",
    "SmtpConfig",
    "compose",
    "parse_smtp_url",
    "send_mail",
]

Purpose = Literal["new", "absent", "escalation"]


class MailConfigError(ValueError):
    """`OMSTILLING_SMTP_URL` is not usable."""


class MailError(Exception):
    """A delivery that did not happen. `permanent`: the server refused it for good (a
    5xx answer, e.g. an unknown recipient), so trying again would not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False

    @property
    def loopback(self) -> bool:
        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_smtp_url(url: str) -> SmtpConfig:
    """smtp://[user[:pass]@]host[:port] (default port 25; 587 is usual with a login) or
    smtps://... (default port 465). User and password may be percent-encoded."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise MailConfigError(f"OMSTILLING_SMTP_URL: not a valid URL ({exc})") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("OMSTILLING_SMTP_URL: must start with smtp:// or smtps://")
    if not parts.hostname:
        raise MailConfigError("OMSTILLING_SMTP_URL: no host")
    implicit = parts.scheme == "smtps"
    return SmtpConfig(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=implicit,
    )


def send_mail(
    config: SmtpConfig,
    sender: str,
    to: str,
    subject: str,
    body: str,
    *,
    timeout: float = 10.0,
) -> None:
    """Send one plain-text mail, or raise MailError (transient unless `permanent`)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    # Out-of-office replies to a notice would only fill the sender's mailbox.
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body)
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if config.implicit_tls:
            client = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=timeout)
        with client:
            client.ehlo()
            if not config.implicit_tls:
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif not config.loopback:
                    raise MailError(
                        f"{config.host} offers no STARTTLS; refusing to send in clear text"
                    )
            if config.username:
                client.login(config.username, config.password or "")
            client.send_message(mail)
    except MailError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise MailError(
            f"recipient refused ({', '.join(map(str, codes))})",
            permanent=all(code >= 500 for code in codes),
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        # Wrong login is a configuration error an administrator fixes: keep retrying.
        raise MailError(f"login refused ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(
            f"server answered {exc.smtp_code}: {_text(exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:300]) from None


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value[:200]


# --- the Danish text ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MailText:
    subject: str
    body: str


def _when(due: datetime) -> str:
    # A mail is read later than it is sent, so never "i morgen": the date itself.
    return f"{danish.format_date(due)} kl. {danish.format_clock(due)}"


def compose(
    message: Message,
    *,
    purpose: Purpose,
    recipient_name: str,
    addressee: str,
    unit_name: str,
    sensitive: bool,
    link: str,
    due_local: datetime,
    taken_local: datetime,
) -> MailText:
    """The mail about `message` for `recipient_name`.

    `addressee` is whom the message is for (a person, or the unit's name); `due_local`
    and `taken_local` are the times in the municipality's zone. For a sensitive unit
    the mail holds only the link, the due time and who it is for."""
    when = _when(due_local)
    if purpose == "escalation":
        subject = f"Overskredet frist: besked til {addressee}"
        intro = (
            f"Borgeren skulle have været ringet op senest {when}, men beskeden til "
            f"{addressee} ({unit_name}) er ikke afsluttet. Sørg for, at nogen i enheden "
            "ringer borgeren op."
        )
    elif purpose == "absent":
        subject = f"Besked til {addressee}, som er fraværende"
        intro = (
            f"Der er en besked til {addressee}, som ikke er tilbage inden fristen. Du får "
            f"den som leder i {unit_name}: ring selv borgeren op, eller giv beskeden "
            "videre til en kollega."
        )
    else:
        subject = (
            "Ny besked til dig" if recipient_name == addressee else (f"Ny besked til {addressee}")
        )
        intro = f"Der er en ny besked til {addressee} ({unit_name})."
    lines = [f"Hej {recipient_name}", "", intro, ""]
    if sensitive:
        lines += [
            "Enheden behandler fortrolige sager, så beskeden står kun i omstilling:",
            link,
            "",
            f"Borgeren er lovet at blive ringet op senest {when}.",
        ]
    else:
        subject = f"{subject}: {message.caller_name}"
        lines += [
            f"Fra: {message.caller_name}",
            f"Telefon: {danish.format_phone(message.caller_phone)}",
        ]
        if message.about:
            lines.append(f"Om: {message.about}")
        lines += [
            "",
            message.text,
            "",
            f"Ring borgeren op senest {when}.",
            f"Beskeden er taget af {message.taken_by} {_when(taken_local)}.",
            "",
            f"Se beskeden og marker den som ringet op: {link}",
        ]
    lines += ["", "Venlig hilsen", "Omstillingen", "", "(Denne mail er sendt automatisk.)"]
    return MailText(subject, "\n".join(lines) + "\n")
