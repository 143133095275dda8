"""Alembic environment: migrations run on a connection handed over by `storage.migrate`.

`storage.migrate` passes an open connection in `config.attributes["connection"]`; the
`sqlalchemy.url` option is the fallback for a developer running alembic by hand.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from storage.models import Base
from storage.sqltypes import render_item

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = create_engine(str(config.get_main_option("sqlalchemy.url")), poolclass=NullPool)
    with engine.begin() as conn:
        _configure(conn)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
