"""calls and call statistics

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_direct_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dst", sa.String(length=100), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "dst", name=op.f("pk_call_direct_stats")),
    )
    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("call_id", sa.String(length=100), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=True),
        sa.Column("caller", sa.String(length=100), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_events")),
        sa.UniqueConstraint("key", name=op.f("uq_call_events_key")),
    )
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_events_at"), ["at"], unique=False)
    op.create_table(
        "call_ingest_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("hash_key", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_ingest_state")),
    )
    op.create_table(
        "call_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=100), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("caller", sa.String(length=100), nullable=True),
        sa.Column("agent", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("wait_seconds", sa.Integer(), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transfer_target", sa.String(length=100), nullable=True),
        sa.Column("returned", sa.Boolean(), nullable=False),
        sa.Column("ring_no_answer", sa.Integer(), nullable=False),
        sa.Column("has_enter", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_records")),
        sa.UniqueConstraint("call_id", "queue", "entered_at", name="uq_call_records_leg"),
    )
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_records_caller"), ["caller"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_call_records_entered_at"), ["entered_at"], unique=False
        )
    op.create_table(
        "call_stats_hourly",
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("timed_out", sa.Integer(), nullable=False),
        sa.Column("incomplete", sa.Integer(), nullable=False),
        sa.Column("short_abandons", sa.Integer(), nullable=False),
        sa.Column("wait_answered_sum", sa.Integer(), nullable=False),
        sa.Column("talk_sum", sa.Integer(), nullable=False),
        sa.Column("talk_count", sa.Integer(), nullable=False),
        sa.Column("max_wait", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "day", "hour", name=op.f("pk_call_stats_hourly")),
    )
    with op.batch_alter_table("call_stats_hourly", schema=None) as batch_op:
        batch_op.create_index("ix_call_stats_hourly_day", ["day"], unique=False)
    op.create_table(
        "call_transfer_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("unanswered", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "target", name=op.f("pk_call_transfer_stats")),
    )
    op.create_table(
        "call_wait_histograms",
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("answered_waits", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "day", name=op.f("pk_call_wait_histograms")),
    )
    with op.batch_alter_table("call_wait_histograms", schema=None) as batch_op:
        batch_op.create_index("ix_call_wait_histograms_day", ["day"], unique=False)

    # The single row every ingestion locks first (see omstilling.calls.models).
    op.execute("INSERT INTO call_ingest_state (id, version) VALUES (1, 0)")


def downgrade() -> None:
    with op.batch_alter_table("call_wait_histograms", schema=None) as batch_op:
        batch_op.drop_index("ix_call_wait_histograms_day")
    op.drop_table("call_wait_histograms")
    op.drop_table("call_transfer_stats")
    with op.batch_alter_table("call_stats_hourly", schema=None) as batch_op:
        batch_op.drop_index("ix_call_stats_hourly_day")
    op.drop_table("call_stats_hourly")
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_records_entered_at"))
        batch_op.drop_index(batch_op.f("ix_call_records_caller"))
    op.drop_table("call_records")
    op.drop_table("call_ingest_state")
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_events_at"))
    op.drop_table("call_events")
    op.drop_table("call_direct_stats")
