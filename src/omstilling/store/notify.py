"""Writes in this process, told to whoever keeps a copy in memory (the organisation and
the presence codes the server answers from).

A listener is a bound method held weakly, so an app that is gone is forgotten. Another
process learns of a write from the version it reads (a revision, a presence version):
this only makes a write through this process visible at once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Literal

from sqlalchemy import URL, Engine

Topic = Literal["organisation", "presence"]

_listeners: list[tuple[Topic, URL, weakref.WeakMethod[Callable[[], None]]]] = []
_lock = threading.Lock()


def listen(topic: Topic, engine: Engine, callback: Callable[[], None]) -> None:
    """Call the bound method `callback` after each write of `topic` through this process to
    the database of `engine` (after its commit)."""
    with _lock:
        _listeners.append((topic, engine.url, weakref.WeakMethod(callback)))


def written(topic: Topic, engine: Engine) -> None:
    """A write of `topic` has committed: call the listeners on the same database."""
    with _lock:
        _listeners[:] = [entry for entry in _listeners if entry[2]() is not None]
        called = [ref() for t, url, ref in _listeners if t == topic and url == engine.url]
    for callback in called:
        if callback is not None:
            callback()
