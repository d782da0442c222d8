"""no index on call record callers

Every lookup of call records by caller is also bounded in time (returns to the
switchboard within the session horizon, the console's calls of today,
retention by age), which `ix_call_records_entered_at` serves; the caller index
cost the queue_log importer about a fifth of its record writes.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_index("ix_call_records_caller")


def downgrade() -> None:
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.create_index("ix_call_records_caller", ["caller"], unique=False)
