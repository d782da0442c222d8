"""Call data tables: raw PBX events (append-only), call records and aggregates."""

from __future__ import annotations

from omstilling.store.models import Base

__all__ = ["Base"]
