"""Our own alembic environment: the URL comes from Settings (MIGRATION_DATABASE_URL, the
tables' owner; DATABASE_URL when unset), the tables from mtkcare.models. A caller may pass a
URL in ``config.attributes["database_url"]`` or a connection in ``["connection"]``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import mtkcare.models as models
from mtkcare.settings import get_settings

config = context.config
target_metadata = models.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().migration_database_url


def _configure(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
        compare_server_default=False,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    existing = config.attributes.get("connection")
    if existing is not None:
        _configure(existing)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        {"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
