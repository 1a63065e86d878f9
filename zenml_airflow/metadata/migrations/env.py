"""Alembic environment of the metadata store.

Configured programmatically by ``zenml_airflow.metadata.schema_migrations.alembic_config``: the store passes
an open connection in ``config.attributes["connection"]`` and the migrations run inside that
connection's transaction, so on sqlite they hold the BEGIN IMMEDIATE write lock and concurrent
processes cannot initialise the same database twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from zenml_airflow.metadata.schema_migrations import VERSION_TABLE
from zenml_airflow.metadata.tables import METADATA

target_metadata = METADATA


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        # sqlite cannot ALTER most things; batch mode recreates tables instead.
        render_as_batch=True,
        compare_type=True,
        **kwargs,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade --sql``)."""
    _configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the connection handed in by the store, or one built from the URL."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("alembic_config() needs a connection or a url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


# Alembic executes this file as a module named "env_py". Imported as part of the package (by a
# tool that imports every module) it must do nothing: there is no migration context then.
if __name__ != "zenml_airflow.metadata.migrations.env":
    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
