"""test calls: service measurements of the quality criteria (R1.7)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "test_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit_id", sa.String(length=100), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("wait_seconds", sa.Integer(), nullable=True),
        sa.Column("served", sa.Boolean(), nullable=True),
        sa.Column("kindness", sa.SmallInteger(), nullable=True),
        sa.Column("calm", sa.SmallInteger(), nullable=True),
        sa.Column("clarity", sa.SmallInteger(), nullable=True),
        sa.Column("honesty", sa.SmallInteger(), nullable=True),
        sa.Column("apology", sa.Boolean(), nullable=True),
        sa.Column("measured_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.String(length=300), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_calls")),
    )
    with op.batch_alter_table("test_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_calls_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_calls_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("test_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_calls_unit_id"))
        batch_op.drop_index(batch_op.f("ix_test_calls_at"))
    op.drop_table("test_calls")
