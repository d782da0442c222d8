"""A flood from one address is answered 429 (issue 17, "Bad input").

A token bucket per client address (`auth.client_address`: behind the municipality's
reverse proxy, the address its X-Forwarded-For names): `per_minute` requests fill it
back over a minute, and a full bucket lets that many through at once, so a citizen
typing as the answers come never meets it. Kept in the memory of each server process:
with `--workers N` an address gets at most N times the rate, which still stops a flood.
The table of addresses is bounded; the least recently seen are forgotten first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

MAX_ADDRESSES = 10_000


class Throttle:
    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens a second
        self.clock = clock
        self.max_addresses = max_addresses
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, address: str) -> int:
        """0 when the request may go ahead (and it is counted), else the whole seconds to
        wait before the next one would (for Retry-After)."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(address, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                tokens -= 1.0
                wait = 0
            else:
                wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            self._buckets[address] = (tokens, now)
            while len(self._buckets) > self.max_addresses:
                self._buckets.popitem(last=False)
        return wait
