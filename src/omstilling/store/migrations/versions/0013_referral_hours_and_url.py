"""referral hours and url: an outside authority's phone hours and web address
(spec/organisation-file.md, refer_to.hours and refer_to.url)

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("refer_hours", sa.Text(), nullable=True))
        batch.add_column(sa.Column("refer_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("refer_url")
        batch.drop_column("refer_hours")
