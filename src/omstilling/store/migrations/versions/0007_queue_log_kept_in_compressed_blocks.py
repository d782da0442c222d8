"""queue_log kept in compressed blocks

queue_log lines were raw rows of `call_events` (a row and a unique key a line),
which cost the importer more than everything else it does. They now live in
`call_log_blocks` (see omstilling.calls.blocks). Rows of queue_log events
already stored are moved into blocks: each line is put together again from its
fields (time, call id, queue, agent, event, data with the caller's number), so a
later import of the same file still finds them. Live and CDR events stay rows.

Revision ID: 0007
Revises: 0006
"""

import zlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As omstilling.calls.blocks had them when this was written (kept here, frozen).
MAX_SPAN = 6 * 3600
MAX_LINES = 20_000


def _line(
    at: float,
    call_id: str,
    queue: str,
    agent: str | None,
    type_: str,
    data: str,
    caller: str | None,
) -> str:
    stamp = str(int(at)) if at == int(at) else repr(at)
    fields = data.split("|") if data else []
    if type_ == "ENTERQUEUE" and caller:
        while len(fields) < 2:
            fields.append("")
        fields[1] = caller
    return "|".join([stamp, call_id, queue, agent or "NONE", type_, *fields])


def upgrade() -> None:
    blocks = op.create_table(
        "call_log_blocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("hashed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_log_blocks")),
    )
    with op.batch_alter_table("call_log_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_log_blocks_first_at"), ["first_at"], unique=False)

    conn = op.get_bind()
    events = sa.table(
        "call_events",
        sa.column("id"),
        sa.column("source"),
        sa.column("call_id"),
        sa.column("queue"),
        sa.column("at"),
        sa.column("type"),
        sa.column("agent"),
        sa.column("caller"),
        sa.column("data"),
    )
    rows = conn.execute(
        sa.select(events).where(events.c.source == "queue_log").order_by(events.c.at, events.c.id)
    ).all()
    out: list[dict[str, object]] = []
    part: list[tuple[float, str]] = []

    def flush() -> None:
        if part:
            out.append(
                {
                    "first_at": part[0][0],
                    "last_at": part[-1][0],
                    "lines": len(part),
                    "body": zlib.compress("\n".join(line for _, line in part).encode(), 1),
                    "hashed": False,
                }
            )
            part.clear()

    for r in rows:
        at = float(r.at)
        if part and (len(part) >= MAX_LINES or at - part[0][0] > MAX_SPAN):
            flush()
        part.append((at, _line(at, r.call_id, r.queue, r.agent, r.type, r.data, r.caller)))
    flush()
    if out:
        conn.execute(sa.insert(blocks), out)
        conn.execute(sa.delete(events).where(events.c.source == "queue_log"))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM call_log_blocks")).scalar():
        raise RuntimeError(
            "call_log_blocks holds queue_log lines; downgrading would lose them."
            " Empty the table (and import the files again after the downgrade) first."
        )
    with op.batch_alter_table("call_log_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_log_blocks_first_at"))
    op.drop_table("call_log_blocks")
