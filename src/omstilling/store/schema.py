"""Every table of the application in one metadata, for migrations and `alembic check`."""

from __future__ import annotations

from omstilling.calls import models as _calls  # noqa: F401
from omstilling.store import account_models as _accounts  # noqa: F401
from omstilling.store import message_models as _messages  # noqa: F401
from omstilling.store import quality_models as _quality  # noqa: F401
from omstilling.store.models import Base

metadata = Base.metadata
