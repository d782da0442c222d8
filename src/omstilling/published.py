"""The organisation the server answers from: built beside the running one, then swapped in.

A request never builds the organisation (issue 13 item 1). At start-up the server
loads it and its search index on a background thread and says it is ready when
done (`GET /api/v1/ready`); until then a request that needs it waits a short while
for that first build, then answers 503. When the revision changes (an edit, an
import, another process), the next look at the revision asks the builder for a new
snapshot and the request goes on with the current one; the builder loads the new one
beside it and swaps it in whole, so no request ever sees half of a change. Changes in
quick succession are built once: a request that arrives while a build runs is served
by one more build after it, whatever the number of requests.

A small change is applied, not rebuilt (issue 13 item 3): the audit trail names what
changed since the snapshot's revision (`store.org_patch`), only that is read again and
put into a snapshot that shares the rest, and the search index is updated from what
changed (`domain.search.update`); an import of thousands, or a revision the trail does
not account for, is loaded whole, still beside the running one.

A write in this process waits for its own change to be built (the editor's page shows
what was just saved), without holding up anyone else.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import cached_property

from sqlalchemy import Connection, Engine

from omstilling.clock import NEVER
from omstilling.domain.organisation import Organisation
from omstilling.domain.search import SearchIndex
from omstilling.domain.search.update import patched
from omstilling.errors import Unavailable
from omstilling.store import notify, org_patch
from omstilling.store.org_patch import Changed
from omstilling.store.organisation import current_revision, load_organisation, on_write

Patcher = Callable[[Connection, Organisation], tuple[Organisation, Changed] | None]

log = logging.getLogger(__name__)

FIRST_BUILD_WAIT = 15.0  # seconds a request waits for the first build before a 503
OWN_WRITE_WAIT = 120.0  # seconds a writer waits for its own change to be built


class Indexed:
    """One revision of the organisation with its search index: swapped in as one.

    The builder builds the index before the swap; a one-shot command (the CLI) that
    never searches never builds it."""

    def __init__(self, revision: int | None, org: Organisation) -> None:
        self.revision = revision
        self.org = org

    @cached_property
    def index(self) -> SearchIndex:
        return SearchIndex.build(self.org)


class Starting(Unavailable):
    def __init__(self) -> None:
        super().__init__("the server is starting: the organisation is being loaded; try again")


class Published:
    """The current Indexed, rebuilt on a background thread when the revision changes.

    `max_age` bounds how often the revision is looked up (a request asks several times);
    a write in this process is seen at once, one in another process within `max_age`."""

    def __init__(
        self,
        engine: Engine,
        max_age: float = 0.5,
        *,
        first_wait: float = FIRST_BUILD_WAIT,
        loader: Callable[[Connection], Organisation | None] = load_organisation,
        patcher: Patcher | None = org_patch.patch,
    ) -> None:
        self.engine = engine
        self.max_age = max_age
        self.first_wait = first_wait
        self._load = loader  # the store's load_organisation; a test may gate it
        self._patch = patcher  # from what changed (None: always load whole)
        self.patches = 0  # builds made from what changed
        self.patch_seconds: deque[float] = deque(maxlen=10_000)  # each, for the benchmarks
        self._current: Indexed | None = None
        self._checked_at = NEVER
        self._cond = threading.Condition()
        self._wanted = 0  # requests for a build; the builder serves them in rounds
        self._served = 0  # the last request number a finished build has served
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.started = False
        self.builds = 0
        self.first_build_seconds: float | None = None
        self.error: str | None = None
        on_write(engine, self._written)

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the builder and its first build; returns at once (see `ready`)."""
        with self._cond:
            if self._thread is not None:
                return
            self.started = True
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="organisation", daemon=True)
            self._thread.start()
            self._request_locked()

    def stop(self) -> None:
        """Stop the builder; reads then load inline again (an app may be started anew, as a
        test client does for each `with`)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=30)
        with self._cond:
            self.started = False
            self._served = self._wanted = 0
            self._checked_at = NEVER

    @property
    def ready(self) -> bool:
        """Started: true once the first build is done (also when there is no organisation
        yet). Not started, a request loads what it needs itself, so always true."""
        return self._served > 0 or not self.started

    def loaded(self) -> Indexed | None:
        """What is in use now, without looking at the revision or waiting (for health)."""
        return self._current if self.started else self.current()

    # --- reading --------------------------------------------------------------------------

    def current(self) -> Indexed | None:
        """The organisation to answer from; None when none has been imported.

        Started (the server): never builds here; asks the builder when the revision moved.
        Not started (the CLI, a test's app without its lifespan): loads here, once a
        revision, as a one-shot command must."""
        if not self.started:
            return self._current_inline()
        if not self.ready:
            self._wait_first()
        now = time.monotonic()
        if now - self._checked_at >= self.max_age:
            self._checked_at = now
            with self.engine.connect() as conn:
                revision = current_revision(conn)
            current = self._current
            if current is None or revision != current.revision:
                self.request()
        return self._current

    def fresh(self) -> Indexed | None:
        """What is stored now (after a writer learnt that its snapshot was behind): waits
        for a build of the current revision when started, loads inline otherwise."""
        self._checked_at = NEVER
        if self.started:
            self.wait_for(self.request())
        return self.current()

    def _current_inline(self) -> Indexed | None:
        now = time.monotonic()
        current = self._current
        if current is not None and now - self._checked_at < self.max_age:
            return current
        self._checked_at = now
        with self._cond:  # one loader at a time; the others then find it built
            self._load_if_moved(index=False)
            return self._current

    def _wait_first(self) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._served > 0, timeout=self.first_wait):
                raise Starting()

    # --- building -------------------------------------------------------------------------

    def request(self) -> int:
        """Ask for a build of whatever revision is current when it starts; its number."""
        with self._cond:
            return self._request_locked()

    def _request_locked(self) -> int:
        self._wanted += 1
        self._cond.notify_all()
        return self._wanted

    def wait_for(self, ticket: int, timeout: float = OWN_WRITE_WAIT) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._served >= ticket, timeout=timeout)

    def _written(self) -> None:
        """A write has committed: build it. A writer in this process waits to see its own
        change; another process's write (told by the relay) only asks for the build, so the
        relay's thread never waits on the builder."""
        self._checked_at = NEVER
        builder = self._thread
        if builder is not None and builder.is_alive() and threading.current_thread() is not builder:
            ticket = self.request()
            if not notify.relayed():
                self.wait_for(ticket)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or self._wanted > self._served)
                if self._stopping:
                    return
                # Every request made so far is served by this one build: it reads the
                # revision after they were made.
                serving = self._wanted
            try:
                self._build_current()
                self.error = None
            except Exception as exc:  # keep serving the last good snapshot
                log.exception("loading the organisation failed; the previous one stays")
                self.error = f"{type(exc).__name__}: the organisation could not be loaded"
            with self._cond:
                self._served = max(self._served, serving)
                self._cond.notify_all()

    def _build_current(self) -> None:
        started = time.perf_counter()
        if not self._load_if_moved(index=True):
            return
        if self.first_build_seconds is None:
            self.first_build_seconds = time.perf_counter() - started
            log.info(
                "organisation revision %s loaded in %.2f s",
                self._current.revision if self._current else None,
                self.first_build_seconds,
            )

    def _load_if_moved(self, *, index: bool) -> bool:
        """Load the organisation when the stored revision is not the one in use (None when
        nothing is imported); whether it was read. All of it is read in one transaction
        that sees one revision (PostgreSQL: repeatable read; SQLite's reads already do)."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            revision = current_revision(conn)
            current = self._current
            if revision is None:
                self._current = None
            elif current is None or current.revision != revision:
                self._current = self._build(conn, revision, index=index)
            else:
                return False
        return True

    def _build(self, conn: Connection, revision: int, *, index: bool) -> Indexed | None:
        current = self._current
        if current is not None and self._patch is not None:
            started = time.perf_counter()
            step = self._patch(conn, current.org)
            if step is not None:
                built = self._patched(current, revision, *step, index=index)
                self.patch_seconds.append(time.perf_counter() - started)
                return built
        org = self._load(conn)
        if org is None:
            return None
        # The revision the rows were read at (a database that reads each statement afresh
        # may have read a newer one than `revision`).
        built = Indexed(org.revision if org.revision is not None else revision, org)
        if index:
            built.index  # noqa: B018 - built here, off the request path, before the swap
        self.builds += 1
        return built

    def _patched(
        self, current: Indexed, revision: int, org: Organisation, changed: Changed, *, index: bool
    ) -> Indexed:
        """The next revision from what changed (issue 13 item 3): the snapshot shares what
        did not change, and the index is updated where it was built (rebuilt when the
        update finds no room)."""
        built = Indexed(org.revision if org.revision is not None else revision, org)
        if "index" in current.__dict__:
            updated = patched(current.index, current.org, org, changed)
            if updated is not None:
                built.__dict__["index"] = updated
        if index:
            built.index  # noqa: B018 - built (if it was not updated) before the swap
        self.patches += 1
        return built
