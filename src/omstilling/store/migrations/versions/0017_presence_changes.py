"""presence changes: which employees and units each move of the presence version
touched, so a process keeping the codes in memory reloads only theirs (issue 15: a
calendar poll writes codes all the time, and reloading every code stalled advice)

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presence_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(length=100), nullable=True),
        sa.Column("unit_id", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_changes")),
    )
    op.create_index(
        op.f("ix_presence_changes_version"), "presence_changes", ["version"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_presence_changes_version"), table_name="presence_changes")
    op.drop_table("presence_changes")
