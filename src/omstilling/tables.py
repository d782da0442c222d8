"""Every table of the application in one metadata: the one place that registers them all.

Each feature keeps its models next to its code (`store/`, `calls/`); importing
a models module registers its tables with the shared `Base`. This module imports
every one of them, so that the migrations (`store/migrations/env.py`) and
`omstilling db check` (alembic check) compare the whole schema, while `store/`
itself never depends on the features built on it.
"""

from __future__ import annotations

from omstilling.calls import models as _calls  # noqa: F401
from omstilling.store import account_models as _accounts  # noqa: F401
from omstilling.store import calendar_feeds as _calendars  # noqa: F401
from omstilling.store import joblock as _joblock  # noqa: F401
from omstilling.store import message_models as _messages  # noqa: F401
from omstilling.store import models as _store
from omstilling.store import quality_models as _quality  # noqa: F401
from omstilling.store import sync_models as _sync  # noqa: F401

metadata = _store.Base.metadata
