"""Fetching a feed (issue 15 items 1 and 5): an iCalendar file over HTTP(S) with `httpx`,
or a CalDAV calendar (RFC 4791) through `caldav`.

An address ending in "/" is a CalDAV calendar collection: its events in the window are
asked for by a time-range REPORT. Anything else is an iCalendar file, fetched with
`If-None-Match`/`If-Modified-Since`, so an unchanged feed costs a 304.

Every failure is a `FetchError` whose text (Danish) the employee's page and the admin
page show: never the address, which is a secret. Against server-side request forgery
the host's addresses are resolved before each connection and a loopback or link-local
one is refused (unless allowed); a redirect to another host is refused; a body larger
than the limit is not read further.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import socket
from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from omstilling.domain.calendar_address import forbidden_ip

MAX_REDIRECTS = 5

# The HTTP and CalDAV libraries log the addresses they request (httpx at INFO, others at
# DEBUG); an address is a secret, so their records are dropped while a feed is fetched.
_FETCHING: contextvars.ContextVar[bool] = contextvars.ContextVar("calendar_fetch", default=False)
_LIBRARIES = ("httpx", "httpcore", "caldav", "niquests", "urllib3", "urllib3_future", "h2")


class _NotWhileFetching(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _FETCHING.get()


_QUIET = _NotWhileFetching()


def quiet_libraries() -> None:
    """Fetches in this context log nothing through the libraries (a filter on each of
    their loggers, including those created since the last call)."""
    _FETCHING.set(True)
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in _LIBRARIES]
    for name in {*names, *_LIBRARIES}:
        found = logging.getLogger(name)
        if _QUIET not in found.filters:
            found.addFilter(_QUIET)


class FetchError(Exception):
    """Why a feed could not be fetched, in Danish, without its address."""


@dataclass(frozen=True)
class Fetched:
    """A feed's body (one file, or CalDAV's calendar objects); None when unchanged (304)."""

    body: bytes | list[bytes] | None
    etag: str | None = None
    last_modified: str | None = None


def is_caldav(url: str) -> bool:
    return urlsplit(url).path.endswith("/")


# Hosts resolved in this poll round: (host, port) -> the refusal, or None when allowed.
Resolved = dict[tuple[str, int], "asyncio.Future[FetchError | None]"]


async def check_host(url: str, *, allow_loopback: bool, resolved: Resolved | None = None) -> None:
    """Resolve the host now and refuse it when any address is loopback or link-local.
    With `resolved`, a host is resolved once for the whole round (thousands of feeds on
    a few hosts), still at every poll."""
    parts = urlsplit(url)
    key = (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    if resolved is None:
        refusal = await _resolve(*key, allow_loopback)
    else:
        found = resolved.get(key)
        if found is None:
            found = resolved[key] = asyncio.ensure_future(_resolve(*key, allow_loopback))
        refusal = await asyncio.shield(found)
    if refusal is not None:
        raise FetchError(str(refusal))


async def _resolve(host: str, port: int, allow_loopback: bool) -> FetchError | None:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return FetchError("værtsnavnet kunne ikke slås op")
    for info in infos:
        address = ip_address(str(info[4][0]).split("%", 1)[0])
        if forbidden_ip(address, allow_loopback=allow_loopback):
            return FetchError("adressen peger på denne maskine eller et link-local-net; afvist")
    return None


def _status_error(status: int) -> FetchError:
    if status in (401, 403):
        return FetchError(f"serveren kræver login eller afviste adgang ({status})")
    if status == 404:
        return FetchError("kalenderen findes ikke på adressen (404)")
    if status >= 500:
        return FetchError(f"serverfejl ({status})")
    return FetchError(f"uventet svar fra serveren ({status})")


async def _read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"kalenderen er større end {max_bytes // (1024 * 1024)} MB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"kalenderen er større end {max_bytes // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


def _auth(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """The address without its user and password, and those as basic auth."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port:
        netloc += f":{parts.port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, httpx.BasicAuth(parts.username, parts.password or "")


async def fetch_ical(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    allow_loopback: bool,
    resolved: Resolved | None = None,
) -> Fetched:
    """An iCalendar file, or None as body when it did not change since `etag`/`last_modified`."""
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current, auth = _auth(url)
    host = urlsplit(current).hostname
    for _ in range(MAX_REDIRECTS + 1):
        await check_host(current, allow_loopback=allow_loopback, resolved=resolved)
        try:
            async with client.stream("GET", current, headers=headers, auth=auth) as response:
                if response.status_code in (301, 302, 303, 307, 308):
                    target = urljoin(current, response.headers.get("location", ""))
                    parts = urlsplit(target)
                    if parts.hostname != host or parts.scheme not in ("http", "https"):
                        raise FetchError("kalenderen omdirigerer til en anden vært; afvist")
                    current = target
                    continue
                if response.status_code == 304:
                    return Fetched(None, etag, last_modified)
                if response.status_code != 200:
                    raise _status_error(response.status_code)
                body = await _read_limited(response, max_bytes)
                return Fetched(
                    body,
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                )
        except httpx.TimeoutException:
            raise FetchError("serveren svarede ikke i tide") from None
        except httpx.HTTPError:
            raise FetchError("forbindelsen til serveren mislykkedes") from None
    raise FetchError("for mange omdirigeringer")


def _caldav_objects(url: str, start: datetime, end: datetime, timeout: float) -> list[bytes]:
    import caldav
    from caldav.lib import error as caldav_error

    quiet_libraries()  # its loggers exist now
    try:
        make: Any = caldav.DAVClient
        client = make(url=url, timeout=int(timeout))  # caldav 1.x: no RFC 6764 discovery
        calendar = client.calendar(url=url)
        found = calendar.search(start=start, end=end, event=True, expand=False)
        return [str(o.data).encode() for o in found]
    except caldav_error.AuthorizationError:
        raise FetchError("CalDAV-serveren kræver login eller afviste adgang") from None
    except caldav_error.NotFoundError:
        raise FetchError("CalDAV-kalenderen findes ikke på adressen (404)") from None
    except caldav_error.DAVError as exc:
        raise FetchError(f"CalDAV-serveren svarede med en fejl ({type(exc).__name__})") from None
    except TimeoutError:
        raise FetchError("CalDAV-serveren svarede ikke i tide") from None
    except Exception as exc:  # the library raises its HTTP client's own errors
        kind = type(exc).__name__
        raise FetchError(f"forbindelsen til CalDAV-serveren mislykkedes ({kind})") from None


async def fetch_caldav(
    url: str,
    start: datetime,
    end: datetime,
    *,
    timeout: float,
    allow_loopback: bool,
    resolved: Resolved | None = None,
) -> Fetched:
    """The calendar objects with an event in [start, end) of a CalDAV calendar."""
    await check_host(url, allow_loopback=allow_loopback, resolved=resolved)
    try:
        async with asyncio.timeout(timeout * 2):
            objects = await asyncio.to_thread(_caldav_objects, url, start, end, timeout)
    except TimeoutError:
        raise FetchError("CalDAV-serveren svarede ikke i tide") from None
    return Fetched(objects)
