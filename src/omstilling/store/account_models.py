"""Accounts, sessions, API tokens, login attempts and the operators' console actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omstilling.store.models import ID, Base


class UserRow(Base):
    """A person who signs in: operator, employee, unit editor, manager or admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(300), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))  # None: SSO only
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[str | None] = mapped_column(ID)  # unit editor: this unit and below
    employee_id: Mapped[str | None] = mapped_column(ID)  # the employee this person is
    display_name: Mapped[str] = mapped_column(String(300), default="")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The PBX agent this operator answers on (PJSIP/3101): finds the call they are on
    agent: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token for a system (the PBX, a calendar, Teams); stored hashed."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """Every login attempt, for rate limiting and the security log."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(300))
    client: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    success: Mapped[bool] = mapped_column(Boolean)

    # The throttle counts failures per (user, address), per address and overall, by time.
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )


class ConsoleAction(Base):
    """A call an operator handled in the console, with its errand (R1.2).

    Feeds the statistics: transfers and whether they were answered (R3.12)."""

    __tablename__ = "console_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # transfer | give_number | take_message | answered
    action: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[str | None] = mapped_column(ID, index=True)
    employee_id: Mapped[str | None] = mapped_column(ID)
    task_id: Mapped[str | None] = mapped_column(ID)
    errand: Mapped[str] = mapped_column(Text, default="")  # what the call was about
    number: Mapped[str | None] = mapped_column(String(20))  # dialled or given
    call_id: Mapped[str | None] = mapped_column(String(100), index=True)  # the PBX's call id
    answered: Mapped[bool | None] = mapped_column(Boolean)  # a transfer: was it answered?
    rules: Mapped[list[Any]] = mapped_column(JSON, default=list)
