"""SQLAlchemy models: the organisation, its audit trail, and the runtime state.

Organisation rows are never deleted while anything may refer to them: a unit or
employee that leaves the organisation file gets `removed_at`, so absences,
messages and calls that name it stay readable (history stays readable).
All timestamps are UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(100)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class OrgState(Base):
    """One row: the organisation's revision and the municipality block."""

    __tablename__ = "org_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    last_import_revision: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    main_number: Mapped[str | None] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(300))
    switchboard: Mapped[str | None] = mapped_column(ID)
    official_hours: Mapped[str] = mapped_column(Text)
    opening_hours: Mapped[str] = mapped_column(Text)
    phone_hours: Mapped[str] = mapped_column(Text)
    closed: Mapped[str | None] = mapped_column(Text)


class UnitRow(Base):
    __tablename__ = "units"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str | None] = mapped_column(Text)
    phone_hours: Mapped[str | None] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[str | None] = mapped_column(ID)
    reviewed: Mapped[date | None] = mapped_column(Date)
    external_id: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UnitNumber(Base):
    """Function numbers (R3.7); the first by position is the unit's main number."""

    __tablename__ = "unit_numbers"
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    label: Mapped[str] = mapped_column(String(300), default="")


class UnitQueue(Base):
    """PBX queue names that belong to a unit (call statistics)."""

    __tablename__ = "unit_queues"
    queue: Mapped[str] = mapped_column(String(100), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class SecretaryRuleRow(Base):
    """R2.4: calls for employees with these roles go to the secretary."""

    __tablename__ = "secretary_rules"
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ID)
    when_text: Mapped[str] = mapped_column(Text, default="")
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)


class TransferRestriction(Base):
    """R2.5: a unit that wants calls only to one employee or one number."""

    __tablename__ = "transfer_restrictions"
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), primary_key=True)
    employee_id: Mapped[str | None] = mapped_column(ID)
    number: Mapped[str | None] = mapped_column(String(20))


class EmployeeRow(Base):
    __tablename__ = "employees"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    extension: Mapped[str | None] = mapped_column(String(10))
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(300))
    login: Mapped[str | None] = mapped_column(String(300), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    works: Mapped[str | None] = mapped_column(Text)
    # "set" when she has a calendar feed; its address is in calendar_feeds (a secret).
    calendar: Mapped[str | None] = mapped_column(String(3))
    source: Mapped[str | None] = mapped_column(String(40))  # the directory sync that owns her
    main_tasks: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TaskRow(Base):
    __tablename__ = "tasks"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kle: Mapped[str | None] = mapped_column(String(20))
    handled_by_switchboard: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str] = mapped_column(Text, default="")
    refer_name: Mapped[str | None] = mapped_column(String(300))
    refer_number: Mapped[str | None] = mapped_column(String(20))
    refer_hours: Mapped[str | None] = mapped_column(Text)
    refer_url: Mapped[str | None] = mapped_column(String(500))
    distribution_by: Mapped[str | None] = mapped_column(String(20))
    default_employee_id: Mapped[str | None] = mapped_column(ID)
    default_unit_id: Mapped[str | None] = mapped_column(ID)
    position: Mapped[int] = mapped_column(Integer)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TaskKeyword(Base):
    __tablename__ = "task_keywords"
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    keyword: Mapped[str] = mapped_column(String(300))


class DistributionRuleRow(Base):
    """R2.2: how a task's cases are split (by birth day, surname or postcode)."""

    __tablename__ = "distribution_rules"
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    match: Mapped[str] = mapped_column(String(200))
    employee_id: Mapped[str | None] = mapped_column(ID)
    unit_id: Mapped[str | None] = mapped_column(ID)


class EmployeeTask(Base):
    __tablename__ = "employee_tasks"
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)


class MailingRow(Base):
    """R2.7: a mailing that will make the phones ring."""

    __tablename__ = "mailings"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    sent: Mapped[date] = mapped_column(Date)
    calls_expected_until: Mapped[date] = mapped_column(Date)
    expected_calls: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text, default="")
    staffed: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MailingTask(Base):
    __tablename__ = "mailing_tasks"
    mailing_id: Mapped[str] = mapped_column(ForeignKey("mailings.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"))


class AuditEntry(Base):
    """Who changed what, when, with the before and after values (R2.6)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20))  # import | web | cli | api
    revision: Mapped[int] = mapped_column(Integer, index=True)
    entity: Mapped[str] = mapped_column(
        String(20)
    )  # municipality | unit | employee | task | mailing
    entity_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(10))  # added | changed | removed
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)


class AbsenceRow(Base):
    """An employee's absence code (R3.11), kept with its history.

    `cleared_at` ends a code early. Rows with the codes sick and private are
    health and private data: `purge_sensitive_absences` deletes them after the
    configured retention."""

    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(300))
    # Who set it (domain.presence.SOURCES; None: before issue 15, a person) and, for a
    # code from a calendar, the key of its occurrence (domain.calendar_rules.event_key).
    source: Mapped[str | None] = mapped_column(String(20))
    event: Mapped[str | None] = mapped_column(String(40))


class UnitAwayRow(Base):
    """A whole unit away (R3.9), until a time or until reported back."""

    __tablename__ = "unit_aways"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    back_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(300))


class PresenceState(Base):
    """One row: a counter every presence write moves on (codes, unit-wide absences), so a
    process keeps the active codes in memory and reloads them only when it moved."""

    __tablename__ = "presence_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class PresenceChange(Base):
    """What each move of the presence version touched: one row per employee whose codes
    changed, per unit whose unit-wide absences changed, or one row naming neither (a
    write that changed nothing a cache keeps). A process that keeps the codes in memory
    reloads only those (issue 15: a calendar poll writes codes all the time). Only the
    last versions are kept; a process further behind loads everything again."""

    __tablename__ = "presence_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, index=True)
    employee_id: Mapped[str | None] = mapped_column(ID)
    unit_id: Mapped[str | None] = mapped_column(ID)
