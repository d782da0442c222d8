"""The directory sync's own tables (issue 14, spec/sync.md): its runs and its flags.

A run is history: it names the sync and the units by id, without foreign keys, so it
stays readable when the organisation changes. Its report holds names, ids and field
names, never a CPR number or a secret. A flag is a rule that named someone who left
and now names their unit instead (R3.5): shown on the unit's editor page and the boards
until someone decides (cleared). Times are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omstilling.store.models import Base

__all__ = ["Base", "SyncFlagRow", "SyncRunRow"]


class SyncRunRow(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40), index=True)  # the sync file's name
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20))  # done | error | refused
    revision: Mapped[int | None] = mapped_column(Integer)  # the organisation's, when written
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per unit, warnings, errors


class SyncFlagRow(Base):
    __tablename__ = "sync_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(String(100), index=True)  # the unit that now answers
    employee_id: Mapped[str] = mapped_column(String(100))  # who left
    what: Mapped[str] = mapped_column(Text)  # which rule, in Danish
    sync: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_by: Mapped[str | None] = mapped_column(String(300))
