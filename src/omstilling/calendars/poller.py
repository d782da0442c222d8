"""Polling every feed (issue 15 item 5): bounded concurrency, time-outs, conditional
requests, back-off per failing feed, and the parsing outside the caller's process.

One round (`poll_once`) reads the feeds that are due: an unchanged file costs a 304 (or
a body with the digest of the last one, which is not parsed again); a changed one is
parsed in a worker process (`Parser`: CPU work that must not hold the server's core)
and its codes in the window (yesterday to `calendar_days_ahead` ahead) are stored. Every
`FULL_READ_EVERY` a feed is read and parsed whole even when unchanged, as the window
moves on. A failing feed keeps its last known codes until they end; its reason is
recorded, and it is tried again after a back-off that doubles with each failure in a
row (from one poll interval up to `MAX_BACKOFF`). Nothing about one feed stops the
others. `CalendarPoller` runs rounds for `omstilling serve`, in one process at a time,
each round in a child process of the server at a lower priority (fetching thousands of
feeds and storing their codes is work the server's process and core must not carry
while it answers advice), the parsers its children.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from multiprocessing.synchronize import Event as EventType
from typing import Any

import httpx
from sqlalchemy import Engine, bindparam, select, update

from omstilling.calendars.fetch import (
    Fetched,
    FetchError,
    Resolved,
    fetch_caldav,
    fetch_ical,
    is_caldav,
    quiet_libraries,
)
from omstilling.calendars.parse import FeedError, ParsedFeed, read_feed
from omstilling.clock import utc
from omstilling.domain.calendar_rules import CalendarCode
from omstilling.settings import Settings
from omstilling.store.calendar_feeds import FEEDS, FeedState, feed_states, has_feeds, record
from omstilling.store.calendar_presence import store_many
from omstilling.store.joblock import PeriodicJob
from omstilling.store.models import OrgState
from omstilling.store.organisation import on_write

log = logging.getLogger(__name__)

FULL_READ_EVERY = timedelta(hours=6)
UNCHANGED_BATCH = 500
READ_BATCH = 200  # feeds whose codes are written in one transaction
MAX_BACKOFF = timedelta(hours=6)
PAST = timedelta(days=1)
NICE = 10  # the poll's processes yield the CPU to a server answering calls


def lower_priority() -> None:
    """In a poll's process: let the server on the same machine go first."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, max(NICE, os.getpriority(os.PRIO_PROCESS, 0)))


def _round_process(stop: EventType) -> None:
    """The round's child process: a lower priority, and the server's stop, which a round
    asks before each feed (so the child ends without being killed, and its parsers with
    it, not orphaned)."""
    lower_priority()
    _child["stop"] = stop


@dataclass
class PollReport:
    feeds: int = 0  # feeds known
    due: int = 0  # feeds polled this round
    read: int = 0  # parsed (new or changed)
    unchanged: int = 0  # 304, or the same body
    failed: int = 0
    codes_changed: int = 0
    skipped_events: int = 0
    seconds: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)  # employee -> reason


class Parser:
    """Parses feeds in `processes` worker processes (0: on a thread of this one)."""

    def __init__(self, processes: int = 1) -> None:
        self._pool = (
            ProcessPoolExecutor(
                max_workers=processes, mp_context=get_context("spawn"), initializer=lower_priority
            )
            if processes > 0
            else None
        )

    async def parse(self, body: bytes | list[bytes], *args: Any) -> ParsedFeed:
        if self._pool is None:
            return await asyncio.to_thread(read_feed, body, *args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, read_feed, body, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def backoff(failures: int, interval: timedelta) -> timedelta:
    """How long a feed that failed `failures` times in a row waits before its next try."""
    factor: int = 2 ** min(max(failures - 1, 0), 16)
    return min(interval * factor, MAX_BACKOFF)


def _timezone(engine: Engine) -> str:
    with engine.connect() as conn:
        tz = conn.execute(select(OrgState.timezone).where(OrgState.id == 1)).scalar()
    return str(tz or "Europe/Copenhagen")


class _Round:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        now: datetime,
        parser: Parser,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.engine = engine
        self.stopping = stopping  # asked before each feed: a stopped round reads no more
        self.settings = settings
        self.now = utc(now)
        self.parser = parser
        self.window = (self.now - PAST, self.now + timedelta(days=settings.calendar_days_ahead))
        self.timezone = _timezone(engine)
        self.report = PollReport()
        self.interval = timedelta(seconds=settings.calendar_poll_seconds)
        self.resolved: Resolved = {}
        self.unchanged: list[dict[str, Any]] = []  # written together (a 304 costs no commit)
        self.read: list[tuple[str, list[CalendarCode], dict[str, Any]]] = []

    async def run(self, feeds: list[FeedState]) -> PollReport:
        quiet_libraries()  # the tasks below inherit this context: no address is logged
        s = self.settings
        due = [f for f in feeds if f.next_at is None or utc(f.next_at) <= self.now]
        self.report.feeds, self.report.due = len(feeds), len(due)
        limit = asyncio.Semaphore(s.calendar_concurrency)
        timeout = httpx.Timeout(s.calendar_timeout_seconds)
        limits = httpx.Limits(
            max_connections=s.calendar_concurrency, max_keepalive_connections=s.calendar_concurrency
        )
        async with httpx.AsyncClient(
            timeout=timeout, limits=limits, follow_redirects=False, trust_env=False
        ) as client:
            await asyncio.gather(*(self._one(client, limit, f) for f in due))
        await asyncio.to_thread(self._write_unchanged)
        await self._write_read()
        return self.report

    async def _fetch(self, client: httpx.AsyncClient, feed: FeedState, full: bool) -> Fetched:
        s = self.settings
        if is_caldav(feed.url):
            return await fetch_caldav(
                feed.url,
                *self.window,
                timeout=s.calendar_timeout_seconds,
                allow_loopback=s.calendar_allow_loopback,
                resolved=self.resolved,
            )
        return await fetch_ical(
            client,
            feed.url,
            etag=None if full else feed.etag,
            last_modified=None if full else feed.last_modified,
            max_bytes=s.calendar_max_bytes,
            allow_loopback=s.calendar_allow_loopback,
            resolved=self.resolved,
        )

    async def _one(self, client: httpx.AsyncClient, limit: asyncio.Semaphore, f: FeedState) -> None:
        now = self.now
        full = f.read_at is None or now - utc(f.read_at) >= FULL_READ_EVERY
        try:
            async with limit, asyncio.timeout(self.settings.calendar_timeout_seconds * 3):
                if self.stopping():
                    return  # not read this round: due at the next as it is now
                fetched = await self._fetch(client, f, full)
                body = fetched.body
                digest = None
                if body is not None:
                    parts = [body] if isinstance(body, bytes) else body
                    digest = hashlib.sha256(b"\x00".join(parts)).hexdigest()
                ok = {"checked_at": now, "ok_at": now, "error": None, "failures": 0}
                ok["next_at"] = None
                if body is None or (digest == f.digest and not full):
                    self.report.unchanged += 1
                    self.unchanged.append({"e": f.employee_id, "u": f.url})
                    if len(self.unchanged) >= UNCHANGED_BATCH:
                        await asyncio.to_thread(self._write_unchanged)
                    return
                parsed = await self.parser.parse(
                    body, *self.window, self.timezone, self.settings.calendar_words
                )
        except (FetchError, FeedError) as exc:
            await self._failed(f, str(exc))
            return
        except TimeoutError:
            await self._failed(f, "kalenderen blev ikke hentet i tide")
            return
        state = {
            **ok,
            "url": f.url,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "digest": digest,
            "read_at": now,
            "codes": len(parsed.codes),
            "skipped": parsed.skipped,
        }
        self.read.append((f.employee_id, parsed.codes, state))
        self.report.read += 1
        self.report.skipped_events += parsed.skipped
        if len(self.read) >= READ_BATCH:
            await self._write_read()

    async def _write_read(self) -> None:
        """The codes of the feeds read since the last write, in one transaction: presence
        moves on once for them all (each move makes the server reload its codes)."""
        batch, self.read = self.read, []
        if batch:
            self.report.codes_changed += await asyncio.to_thread(
                store_many, self.engine, batch, window=self.window, now=self.now
            )

    async def _failed(self, f: FeedState, reason: str) -> None:
        failures = f.failures + 1
        values = {
            "checked_at": self.now,
            "error": reason[:500],
            "failures": failures,
            "next_at": self.now + backoff(failures, self.interval),
        }
        self.report.failed += 1
        self.report.errors[f.employee_id] = reason
        # The reason names no address (FetchError, FeedError): safe to log.
        log.info("calendar feed of %s failed (%d in a row): %s", f.employee_id, failures, reason)
        await asyncio.to_thread(self._record, f, values)

    def _write_unchanged(self) -> None:
        rows, self.unchanged = self.unchanged, []
        if not rows:
            return
        values = {"checked_at": self.now, "ok_at": self.now, "error": None, "failures": 0}
        statement = (
            update(FEEDS)
            .where(FEEDS.c.employee_id == bindparam("e"), FEEDS.c.url == bindparam("u"))
            .values(**values, next_at=None)
        )
        with self.engine.begin() as conn:
            conn.execute(statement, rows)

    def _record(self, f: FeedState, values: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            record(conn, f.employee_id, f.url, **values)


async def poll_async(
    engine: Engine,
    settings: Settings,
    now: datetime,
    parser: Parser,
    stopping: Callable[[], bool] = lambda: False,
) -> PollReport:
    started = time.perf_counter()
    with engine.connect() as conn:
        feeds = feed_states(conn)
    report = await _Round(engine, settings, now, parser, stopping).run(feeds)
    report.seconds = time.perf_counter() - started
    return report


def poll_once(
    engine: Engine,
    settings: Settings,
    now: datetime | None = None,
    *,
    parser: Parser | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> PollReport:
    """One round over the feeds that are due; with no `parser`, one worker process for
    this round (`calendar_parse_processes`). Once `stopping()` is true no more feeds are
    read (those begun are finished and stored)."""
    own = parser is None
    parser = parser or Parser(settings.calendar_parse_processes)
    try:
        at = now or datetime.now(UTC)
        return asyncio.run(poll_async(engine, settings, at, parser, stopping))
    finally:
        if own:
            parser.close()


_child: dict[str, Any] = {}  # in the round's child process: its engine, and the stop


def _round_in_child(url: str, settings: Settings) -> PollReport:
    """One round in the poller's child process, its engine kept between rounds. The
    parsers are this round's own: a pool of processes nested in a pool's worker does not
    shut down at that worker's exit (it hung the server's stop), so none outlives a round;
    starting them costs about a second every `calendar_poll_seconds`."""
    from omstilling.store.db import make_engine

    if _child.get("url") != url:
        _child.update(url=url, engine=make_engine(url))
    return poll_once(_child["engine"], settings, stopping=_child["stop"].is_set)


class CalendarPoller(PeriodicJob):
    """`poll_once` every `calendar_poll_seconds` for `omstilling serve`, in one process at a
    time (the job's database lock): a background thread of the server hands each round to
    a child process of its own at a lower priority, kept between rounds (its parsers its
    children). The server learns of the codes by the presence version (and on PostgreSQL
    by its notice), as of any other process's write."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        spawn = get_context("spawn")
        self._stopping = spawn.Event()
        self._rounds = ProcessPoolExecutor(
            max_workers=1,
            mp_context=spawn,
            initializer=_round_process,
            initargs=(self._stopping,),
        )
        self._url = engine.url.render_as_string(hide_password=False)
        self._settings = settings
        super().__init__(
            engine, "calendar-poll", self._round, float(settings.calendar_poll_seconds)
        )

    def _round(self) -> PollReport:
        return self._rounds.submit(_round_in_child, self._url, self._settings).result()

    def stop(self, timeout: float = 5.0) -> None:
        """No round after this one, and a running round reads no more feeds: the feeds it
        has begun (at most `calendar_concurrency`, each within its time-out) are finished
        and stored, then the child ends with its parsers."""
        self._stop.set()
        self._stopping.set()
        self._rounds.shutdown(wait=True, cancel_futures=True)
        super().stop(timeout)


class CalendarService:
    """The server's calendar polling (`omstilling serve`): the poller starts once there is
    a feed (at start-up, or after an edit through this process gives someone one), so a
    server without calendars runs no thread. OMSTILLING_CALENDAR_POLL=0 turns it off."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.poller: CalendarPoller | None = None
        self._lock = threading.Lock()
        on_write(engine, self._maybe_start)
        self._maybe_start()

    def _maybe_start(self) -> None:
        with self._lock:
            if self.poller is not None or not has_feeds(self.engine):
                return
            self.poller = CalendarPoller(self.engine, self.settings)
            self.poller.start()

    def stop(self) -> None:
        with self._lock:
            if self.poller is not None:
                self.poller.stop()
                self.poller = None
