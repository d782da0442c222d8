"""operator agent and test-call words: the PBX agent an operator answers on (issue 16:
the call being served), and whether a test call's employee answered with their name
and offered active service (the policy's service measurement)

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("agent", sa.String(length=100), nullable=True))
    with op.batch_alter_table("test_calls") as batch:
        batch.add_column(sa.Column("named", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("offered_service", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("test_calls") as batch:
        batch.drop_column("offered_service")
        batch.drop_column("named")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("agent")
