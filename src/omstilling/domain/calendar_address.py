"""An employee's calendar feed address (issue 15): what may be saved, and what may be fetched.

The address is a secret (a published calendar's link reads the whole calendar): once
saved it is shown only as "sat", the organisation file's export writes `calendar: set`,
and importing `set` keeps the stored address. In a snapshot of the organisation an
employee's `calendar` is only `CALENDAR_SET` or None; an address travels only on its way
in (a file being imported, the employee's own page), and the store keeps it.

Against server-side request forgery a feed on a loopback or link-local address is refused
when it is saved (here, for literal addresses) and again when connecting (the poller
resolves the name each time), unless loopback is allowed (tests, one-machine installs).
Private ranges are allowed: a municipality's calendar server is usually on one.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import urlsplit

__all__ = ["CALENDAR_SET", "MAX_ADDRESS", "address_problem", "forbidden_ip", "redacted"]

CALENDAR_SET = "set"
MAX_ADDRESS = 2000  # characters


def forbidden_ip(address: IPv4Address | IPv6Address, *, allow_loopback: bool) -> bool:
    """Loopback (127.0.0.0/8, ::1) and link-local (169.254.0.0/16, fe80::/10) addresses,
    also written as IPv4 inside IPv6, unless loopback is allowed; the unspecified address
    (0.0.0.0, ::) reaches this machine too and goes with loopback."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if allow_loopback:
        return False
    return address.is_loopback or address.is_link_local or address.is_unspecified


def address_problem(text: str, *, allow_loopback: bool) -> str | None:
    """Why `text` cannot be a calendar feed's address, or None when it can. The message
    never repeats the address (it is a secret)."""
    if len(text) > MAX_ADDRESS:
        return f"a calendar address has at most {MAX_ADDRESS} characters"
    if any(c.isspace() for c in text):
        return "a calendar address has no spaces"
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError:
        return "is not a valid web address"
    if parts.scheme not in ("http", "https"):
        return "must be an http:// or https:// address (an iCalendar feed or a CalDAV calendar)"
    if not host:
        return "names no host"
    if port == 0:
        return "names port 0"
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        if not allow_loopback:
            return "names this machine (localhost), which is refused"
        return None
    try:
        literal = ip_address(host)
    except ValueError:
        return None
    if forbidden_ip(literal, allow_loopback=allow_loopback):
        return "names a loopback or link-local address, which is refused"
    return None


def redacted(text: str) -> str:
    """An address as a log or an admin may see it: its scheme and host only."""
    try:
        parts = urlsplit(text)
        host = parts.hostname or "?"
    except ValueError:
        return "(invalid address)"
    return f"{parts.scheme}://{host}/…"
