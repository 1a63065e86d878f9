"""Schema lifecycle of the metadata store: check on open, create when empty, migrate on request.

Opening a store must be cheap - it happens in every Airflow task - so the check reads the
Alembic version table with plain SQLAlchemy and compares it to :data:`HEAD_REVISION`. Alembic
itself is imported only to create a brand-new database or to migrate one.

The version table is ``zenml_alembic_version`` rather than Alembic's default
``alembic_version``: users may well put the metadata store into a database that already has an
``alembic_version`` table (Airflow's own metadata database has one), and the two histories must
not overwrite each other.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from zenml_airflow.exceptions import MetadataStoreError, SchemaVersionError
from zenml_airflow.metadata.tables import METADATA

if TYPE_CHECKING:
    from alembic.config import Config

#: Revisions of ``migrations/versions`` oldest first; the last one is what this code expects.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
#: The schema revision this version of zenml-airflow reads and writes.
HEAD_REVISION = KNOWN_REVISIONS[-1]
#: Alembic's version table for the metadata store (see the module docstring for the name).
VERSION_TABLE = "zenml_alembic_version"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATE_COMMAND = "zenml-airflow metadata-store migrate"
#: Seconds a process waits for another one to finish creating or migrating the schema.
SCHEMA_LOCK_TIMEOUT_S = 120


@dataclass(frozen=True)
class SchemaState:
    """What a database holds: its revision (None for base) and whether it holds anything."""

    has_version_table: bool
    revision: str | None
    our_tables: frozenset[str]

    @property
    def is_empty(self) -> bool:
        return not self.has_version_table and not self.our_tables


_READ_VERSION = sa.text(f"SELECT version_num FROM {VERSION_TABLE}")


def read_state(conn: Connection) -> SchemaState:
    """Read the schema state with two cheap queries (table existence, version row)."""
    inspector = sa.inspect(conn)
    if inspector.has_table(VERSION_TABLE):
        revision = conn.execute(_READ_VERSION).scalar()
        return SchemaState(True, revision, frozenset())
    # Only on a database without our version table: is it empty, or someone else's schema?
    ours = frozenset(inspector.get_table_names()) & frozenset(METADATA.tables)
    return SchemaState(False, None, ours)


def version_error(state: SchemaState, masked_url: str) -> SchemaVersionError:
    """The error for a database whose schema this code cannot use as it is."""
    if not state.has_version_table:
        return SchemaVersionError(
            f"The metadata store at {masked_url} has zenml-airflow tables "
            f"({', '.join(sorted(state.our_tables))}) but no {VERSION_TABLE} table, so its "
            f"schema revision is unknown (this version expects {HEAD_REVISION}). Point the "
            "metadata store at a new database, or restore the version table from a backup."
        )
    if state.revision is None or state.revision in KNOWN_REVISIONS:
        shown = state.revision or "base (no tables)"
        return SchemaVersionError(
            f"The metadata store at {masked_url} has schema revision {shown}, older than "
            f"revision {HEAD_REVISION} expected by this version of zenml-airflow. Run "
            f"`{MIGRATE_COMMAND}` to upgrade it (back up the database first)."
        )
    return SchemaVersionError(
        f"The metadata store at {masked_url} has schema revision {state.revision}, newer than "
        f"revision {HEAD_REVISION} known to this version of zenml-airflow: it was migrated by a "
        "newer zenml-airflow. Upgrade zenml-airflow (pip install -U zenml-airflow) on this "
        "machine."
    )


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config for the packaged migrations; no ``alembic.ini`` needed.

    With ``connection``, migrations run inside that connection's current transaction (the
    caller commits); with only ``url`` (offline SQL generation, tooling), ``env.py`` builds an
    engine of its own.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates "%"; URL-encoded passwords contain it.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@contextmanager
def schema_lock(conn: Connection, masked_url: str) -> Iterator[None]:
    """Hold the database-wide schema lock around the transactions run on ``conn`` meanwhile.

    Enter it before ``conn.begin()``: the lock is released only after that transaction has
    committed, so the next holder sees the finished schema and its version row.

    On sqlite the write transaction's BEGIN IMMEDIATE already serialises initialisers. The
    server databases need an explicit lock: MySQL commits each DDL statement on its own, so
    without one a second process sees a half-created schema (a version table without a row,
    some tables but not all) and two initialisers race on CREATE TABLE. Both use a session-level
    lock: a named lock (``GET_LOCK``) on MySQL, an advisory lock on PostgreSQL.
    """
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # Advisory locks are per database already; the key only has to be ours. It is the
        # module's former name and must stay as it is: processes of releases before the rename
        # and after it have to take the same lock.
        key = zlib.crc32(b"zenml_airflow.metadata.schema")
        conn.execute(sa.text(f"SET LOCAL lock_timeout = '{SCHEMA_LOCK_TIMEOUT_S}s'"))
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
        release = sa.text("SELECT pg_advisory_unlock(:key)").bindparams(key=key)
    elif dialect in ("mysql", "mariadb"):
        # GET_LOCK names are server-wide (64 characters at most): scope them to the database.
        database = conn.engine.url.database or ""
        name = f"zenml_airflow_schema:{zlib.crc32(database.encode()):08x}"
        got = conn.execute(
            sa.text("SELECT GET_LOCK(:name, :timeout)"),
            {"name": name, "timeout": SCHEMA_LOCK_TIMEOUT_S},
        ).scalar()
        if got != 1:
            conn.rollback()
            raise MetadataStoreError(
                f"Timed out after {SCHEMA_LOCK_TIMEOUT_S}s waiting for another process to finish "
                f"creating or migrating the schema of the metadata store at {masked_url}. If "
                "no other process is doing so, retry."
            )
        release = sa.text("SELECT RELEASE_LOCK(:name)").bindparams(name=name)
    else:
        yield
        return
    conn.commit()  # end the implicit transaction; the session-level lock stays held
    try:
        yield
    finally:
        # A broken connection has lost its lock already (and the pool discards it).
        with suppress(DBAPIError):
            if conn.in_transaction():
                conn.rollback()
            conn.execute(release)
            conn.commit()


@contextmanager
def sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """On sqlite, stop enforcing foreign keys on ``conn`` around a migration (elsewhere: no-op).

    sqlite changes a constraint by copying the table, and dropping the old copy while other
    tables reference it fails with enforcement on - even deferred, as the references are
    counted against the dropped table. The sqlite documentation's procedure for such changes
    switches enforcement off (possible only outside a transaction, so enter this before
    ``conn.begin()``); each such migration runs ``PRAGMA foreign_key_check`` before it commits.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys = OFF")  # no transaction is open (isolation_level=None)
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys = ON")


def upgrade(conn: Connection, target: str = "head") -> None:
    """Run the migrations up to ``target`` inside ``conn``'s open transaction."""
    from alembic import command

    command.upgrade(alembic_config(conn), target)


def ensure_schema(read_engine: Engine, write_engine: Engine, masked_url: str) -> None:
    """Accept a database at :data:`HEAD_REVISION`, initialise an empty one, reject the rest."""
    # The common case in one statement: the version row says head. (Every p.run() opens a
    # store, so this is paid per run; reflecting the tables costs several times as much.)
    try:
        with read_engine.connect() as conn, conn.begin():
            if conn.execute(_READ_VERSION).scalar() == HEAD_REVISION:
                return
    except DBAPIError:
        pass  # no version table: an empty or a foreign database, decided below
    with read_engine.connect() as conn, conn.begin():
        state = read_state(conn)
    if state.revision == HEAD_REVISION:
        return
    # Anything else is decided under the schema lock: what we just read may be the half-made
    # schema of a process that is initialising the database right now (MySQL commits each DDL).
    try:
        with (
            write_engine.connect() as conn,
            sqlite_foreign_keys_off(conn),
            schema_lock(conn, masked_url),
            conn.begin(),
        ):
            state = read_state(conn)
            if state.revision == HEAD_REVISION:
                return
            if not state.is_empty:
                raise version_error(state, masked_url)
            upgrade(conn, "head")
    except DBAPIError:
        # Belt and braces for a database whose DDL races past the lock (or a server without
        # one): a concurrent initialiser winning the race is success if the schema is there.
        with read_engine.connect() as conn, conn.begin():
            if read_state(conn).revision != HEAD_REVISION:
                raise


def migrate(write_engine: Engine, masked_url: str) -> str:
    """Upgrade the database to :data:`HEAD_REVISION` (creating it if empty); return it."""
    with (
        write_engine.connect() as conn,
        sqlite_foreign_keys_off(conn),
        schema_lock(conn, masked_url),
        conn.begin(),
    ):
        state = read_state(conn)
        if state.revision == HEAD_REVISION:
            return HEAD_REVISION
        newer = state.has_version_table and state.revision not in (None, *KNOWN_REVISIONS)
        if newer or not (state.is_empty or state.has_version_table):
            raise version_error(state, masked_url)
        upgrade(conn, "head")
    return HEAD_REVISION


__all__ = [
    "HEAD_REVISION",
    "KNOWN_REVISIONS",
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "alembic_config",
    "ensure_schema",
    "migrate",
    "read_state",
    "schema_lock",
    "sqlite_foreign_keys_off",
    "upgrade",
    "version_error",
]
