"""Service measurements: test calls (R1.7).

A test call names the unit that was called by its id, without a foreign key: the
measurement is history and stays when the organisation changes. It holds no
personal data (the note refuses CPR-shaped numbers). Times are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from omstilling.store.models import Base

__all__ = ["Base", "TestCallRow"]


class TestCallRow(Base):
    __tablename__ = "test_calls"
    __test__ = False  # not a pytest test class, whatever its name

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    unit_id: Mapped[str] = mapped_column(String(100), index=True)
    answered: Mapped[bool] = mapped_column(Boolean)
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    served: Mapped[bool | None] = mapped_column(Boolean)
    kindness: Mapped[int | None] = mapped_column(SmallInteger)
    calm: Mapped[int | None] = mapped_column(SmallInteger)
    clarity: Mapped[int | None] = mapped_column(SmallInteger)
    honesty: Mapped[int | None] = mapped_column(SmallInteger)
    apology: Mapped[bool | None] = mapped_column(Boolean)
    named: Mapped[bool | None] = mapped_column(Boolean)  # answered with their name
    offered_service: Mapped[bool | None] = mapped_column(Boolean)  # a message or a colleague
    measured_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[str] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
