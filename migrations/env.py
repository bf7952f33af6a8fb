"""Alembic environment: the database URL comes from Intertrata's settings."""

from alembic import context

import app.models  # noqa: F401  (registers the tables)
from app.db import Base, get_engine

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without a connection."""
    url = str(get_engine().url)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply migrations on a live connection (shared when the caller passes one)."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    with get_engine().connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
