"""login attempts by client address: the throttle counts failures per address

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_login_attempts_client_at", "login_attempts", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempts_client_at", table_name="login_attempts")
