"""Alembic environment: the engine comes from omstilling.store.db, never from a file;
the tables from omstilling.tables, the one place that registers them all."""

from __future__ import annotations

from alembic import context

from omstilling.tables import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
