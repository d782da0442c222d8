"""call times as epoch seconds

The moments of raw call events and call records were stored as SQLAlchemy's
DateTime (text on SQLite). Formatting that text cost the queue_log importer more
than parsing the line (about 4 microseconds a value, up to five values a line),
so the call tables now store seconds since the epoch (UTC) as a double; the
model's `EpochTime` type still gives Python aware datetimes. Existing rows are
converted exactly (microseconds kept).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "call_events": (("at", False),),
    "call_records": (
        ("entered_at", False),
        ("answered_at", True),
        ("ended_at", True),
        ("transferred_at", True),
    ),
}


def _to_epoch(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        # SQLAlchemy's SQLite text: 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC.
        return (
            f"CAST(strftime('%s', substr({column}, 1, 19)) AS REAL)"
            f" + COALESCE(CAST(NULLIF(substr({column}, 20), '') AS REAL), 0)"
        )
    return f"CAST(EXTRACT(EPOCH FROM {column}) AS DOUBLE PRECISION)"


def _from_epoch(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%d %H:%M:%f', {column}, 'unixepoch') || '000'"
    return f"to_timestamp({column})"


def _convert(to_type: Any, expression: Callable[[str, str], str]) -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("call_events") as batch_op:
        batch_op.drop_index("ix_call_events_at")
    with op.batch_alter_table("call_records") as batch_op:
        batch_op.drop_index("ix_call_records_entered_at")
        batch_op.drop_constraint("uq_call_records_leg", type_="unique")
    for table, columns in COLUMNS.items():
        for name, _ in columns:
            op.add_column(table, sa.Column(f"{name}_new", to_type, nullable=True))
            op.execute(f"UPDATE {table} SET {name}_new = {expression(name, dialect)}")
        with op.batch_alter_table(table) as batch_op:
            for name, nullable in columns:
                batch_op.drop_column(name)
                batch_op.alter_column(
                    f"{name}_new",
                    new_column_name=name,
                    existing_type=to_type,
                    nullable=nullable,
                )
    with op.batch_alter_table("call_events") as batch_op:
        batch_op.create_index("ix_call_events_at", ["at"], unique=False)
    with op.batch_alter_table("call_records") as batch_op:
        batch_op.create_index("ix_call_records_entered_at", ["entered_at"], unique=False)
        batch_op.create_unique_constraint("uq_call_records_leg", ["call_id", "queue", "entered_at"])


def upgrade() -> None:
    _convert(sa.Double(), _to_epoch)


def downgrade() -> None:
    _convert(sa.DateTime(timezone=True), _from_epoch)
