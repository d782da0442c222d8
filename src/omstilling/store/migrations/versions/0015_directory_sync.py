"""directory sync: issue 14, the directory sync (people from LDAP/AD and HR exports)

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # placeholder: the issue 14 work fills this in this session


def downgrade() -> None:
    pass
