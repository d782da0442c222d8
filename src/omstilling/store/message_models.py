"""Messages and callbacks tables."""

from __future__ import annotations

from omstilling.store.models import Base

__all__ = ["Base"]
