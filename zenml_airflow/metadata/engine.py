"""Engines for the metadata store: URL handling, sqlite tuning, and retried transactions.

SQLite is the default store and is written by many processes at once (every Airflow task of a
DAG run opens the same file). Three things keep those writers from failing with
"database is locked":

1. WAL journal mode, so readers never block the writer and the writer never blocks readers.
2. Write transactions start with ``BEGIN IMMEDIATE``: the write lock is taken up front, while
   waiting is still possible (``busy_timeout``). A deferred ``BEGIN`` would upgrade a read lock
   to a write lock mid-transaction, and SQLite answers that conflict with an immediate
   SQLITE_BUSY that no busy timeout can help with.
3. As a second line of defence, :func:`run_with_retry` retries a whole transaction on
   "database is locked" (and on deadlocks/serialization failures of the server databases).

pysqlite's own transaction handling emits a deferred BEGIN lazily and cannot emit
BEGIN IMMEDIATE, so it is switched off (``isolation_level = None``) and SQLAlchemy's ``begin``
event emits the BEGIN itself - the recipe from SQLAlchemy's SQLite dialect documentation.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from zenml_airflow.exceptions import MetadataStoreError
from zenml_airflow.metadata.sqlite_files import create_database_file, ensure_marker

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Execution option that marks an engine whose transactions write (BEGIN IMMEDIATE on sqlite).
WRITE_OPTION = "zenml_airflow_write"

SQLITE_BUSY_TIMEOUT_MS = 30_000
# How often a sqlite write that waited the whole busy timeout for a lock waits once more.
SQLITE_LOCK_RETRIES = 1
RETRY_ATTEMPTS = 8
RETRY_BASE_DELAY_S = 0.02
RETRY_MAX_DELAY_S = 2.0

# Lower-cased fragments of driver messages that mean "try the same transaction again" (sqlite
# reports lock conflicts only as messages).
_RETRYABLE_MESSAGES = (
    "database is locked",  # sqlite: lock not obtained within busy_timeout
    "database table is locked",
    "deadlock",  # MySQL 1213 / PostgreSQL 40P01
    "could not serialize access",  # PostgreSQL 40001
    "lock wait timeout exceeded",  # MySQL 1205
)
# MySQL/MariaDB error numbers: 1213 deadlock, 1205 lock wait timeout, 1020 "record has changed
# since last read" (MariaDB's snapshot isolation check). The transaction was rolled back whole.
_RETRYABLE_MYSQL_ERRNOS = frozenset({1020, 1205, 1213})
# PostgreSQL SQLSTATEs: serialization failure, deadlock detected.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})

_INSTALL_HINTS = {
    "mysql": "pip install 'zenml-airflow[mysql]'",
    "mariadb": "pip install 'zenml-airflow[mysql]'",
    "postgresql": "pip install 'zenml-airflow[postgres]'",
}


def mask_url(url: str | URL) -> str:
    """Render ``url`` with its password replaced by ``***``, even if it does not parse."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        # Unparseable: mask anything between "user:" and "@" so no secret reaches a message.
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def parse_url(url: str) -> URL:
    """Parse a SQLAlchemy URL, raising :class:`MetadataStoreError` with a fix if it is invalid."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise MetadataStoreError(
            f"Invalid metadata store URL {mask_url(url)!r}: {exc}. Use a SQLAlchemy URL such as "
            "'sqlite:////abs/path/metadata.db' or 'postgresql+psycopg://user:pw@host/db'."
        ) from exc


def is_sqlite(url: URL) -> bool:
    """Whether ``url`` points at a SQLite database."""
    return url.get_backend_name() == "sqlite"


def sqlite_file_path(url: URL) -> Path | None:
    """The database file of a sqlite URL (``~`` expanded), or None for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _create_sqlite_file(url: URL) -> None:
    """Create the directory and the (empty: a valid empty database) file of a sqlite URL.

    Anything already at the path is left as it is (one stat; a file's mtime is not touched,
    and what is not a database is for sqlite to refuse). A missing file is created only if it
    never existed: see :mod:`zenml_airflow.metadata.sqlite_files`.
    """
    path = sqlite_file_path(url)
    if path is None or path.exists():
        return
    create_database_file(path, mask_url(url))


def create_store_engine(url: URL) -> Engine:
    """Create (but do not connect) the engine for ``url``, tuned for concurrent writers."""
    masked = mask_url(url)
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": not is_sqlite(url)}
    if not is_sqlite(url):
        # READ COMMITTED everywhere: after a unique-key violation the "re-select the row the
        # other writer inserted" step must see that row, which MySQL's default REPEATABLE READ
        # snapshot would hide.
        kwargs["isolation_level"] = "READ COMMITTED"
    else:
        _create_sqlite_file(url)
        if (path := sqlite_file_path(url)) is not None:
            # Once per process and database (engines are shared): mark a database created
            # before markers existed, so that losing it is reported too.
            ensure_marker(path)
    try:
        engine = sa.create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError, ImportError) as exc:
        hint = _INSTALL_HINTS.get(url.get_backend_name(), "install the SQLAlchemy driver")
        raise MetadataStoreError(
            f"No database driver for metadata store {masked!r} ({exc}); {hint}."
        ) from exc
    except (ArgumentError, ValueError, TypeError) as exc:
        raise MetadataStoreError(f"Cannot use metadata store URL {masked!r}: {exc}") from exc
    if is_sqlite(url):
        _tune_sqlite(engine)
    return engine


#: How many engines :func:`shared_engine` keeps (least recently used ones are disposed of).
SHARED_ENGINES = 8

_shared: OrderedDict[tuple[Any, ...], Engine] = OrderedDict()
_shared_lock = threading.Lock()


def _engine_key(url: URL) -> tuple[Any, ...]:
    identity: tuple[int, int] | None = None
    if is_sqlite(url) and (path := sqlite_file_path(url)) is not None:
        try:
            st = os.stat(path)
            identity = (st.st_dev, st.st_ino)
        except OSError:
            identity = None
    return (os.getpid(), url.render_as_string(hide_password=False), identity)


def shared_engine(url: URL) -> Engine:
    """The process's engine for ``url``: its pool and compiled-statement cache are reused by
    every store opened on the same database (one ``p.run()`` after another, for one).

    A forked child never inherits its parent's engines (the process id is part of the key), and
    a sqlite file replaced by another file of the same name gets an engine of its own, so no
    pooled connection keeps writing to a deleted file.
    """
    if is_sqlite(url):
        _create_sqlite_file(url)  # so the key holds the identity of the file it will open
    key = _engine_key(url)
    with _shared_lock:
        inherited = [k for k in _shared if k[0] != key[0]]
        for stale in inherited:
            # The parent's connections: forget them without closing (they are the parent's).
            _shared.pop(stale).dispose(close=False)
        engine = _shared.get(key)
        if engine is not None:
            _shared.move_to_end(key)
            return engine
    engine = create_store_engine(url)
    evicted: list[Engine] = []
    with _shared_lock:
        current = _shared.setdefault(key, engine)
        _shared.move_to_end(key)
        while len(_shared) > SHARED_ENGINES:
            _, old = _shared.popitem(last=False)
            evicted.append(old)
    if current is not engine:
        engine.dispose()
    for old in evicted:
        # Pooled connections only: a store still holding the engine reconnects on its next call.
        old.dispose()
    return current


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first: switching to WAL needs a lock another process may hold.
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            # NORMAL is durable across application crashes in WAL mode, and much faster.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # Readers still want one snapshot across the several queries of a method.
            conn.exec_driver_sql("BEGIN")


def _driver_error_retryable(orig: BaseException) -> bool:
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _RETRYABLE_MYSQL_ERRNOS:
        return True  # PyMySQL / mysqlclient: args == (errno, message)
    message = str(orig).lower()
    return any(fragment in message for fragment in _RETRYABLE_MESSAGES)


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a transient lock conflict worth retrying the transaction for.

    The whole chain of causes is searched: a deadlock inside a savepoint surfaces on MySQL as
    the failed ``ROLLBACK TO SAVEPOINT`` that followed it (the deadlock already rolled the whole
    transaction back, savepoint included), with the deadlock as its context.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and _driver_error_retryable(
            current.orig if current.orig is not None else current
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_sqlite_lock(exc: DBAPIError) -> bool:
    orig = exc.orig if exc.orig is not None else exc
    return type(orig).__module__ == "sqlite3" and "database is locked" in str(orig).lower()


def driver_message(exc: BaseException) -> str:
    """The database's own message for ``exc`` on one line (PostgreSQL adds DETAIL lines)."""
    orig = getattr(exc, "orig", None) or exc
    return " ".join(str(orig).split())


def run_with_retry(
    action: Callable[[], T],
    *,
    what: str,
    masked_url: str,
    attempts: int = RETRY_ATTEMPTS,
) -> T:
    """Run ``action`` (one whole transaction), retrying it on transient lock errors.

    Database errors that survive the retries become :class:`MetadataStoreError` naming
    ``what`` was attempted and the (masked) store URL; our own errors pass through untouched.
    """
    lock_waits = 0
    for attempt in range(attempts):
        try:
            return action()
        except DBAPIError as exc:
            if _is_sqlite_lock(exc):
                # sqlite reports a lock only after waiting busy_timeout for it: retrying as for a
                # quick conflict would wait RETRY_ATTEMPTS times as long, silently (issue 14).
                lock_waits += 1
                waited = lock_waits * SQLITE_BUSY_TIMEOUT_MS // 1000
                if lock_waits > SQLITE_LOCK_RETRIES:
                    raise MetadataStoreError(
                        f"Metadata store {masked_url!r} failed to {what}: the database is locked "
                        f"by another process (waited about {waited} s). Another program holds a "
                        "write lock on the file - a `sqlite3` shell, or a long transaction. Close "
                        "it and try again; for many concurrent writers use a PostgreSQL or MySQL "
                        "metadata store."
                    ) from exc
                logger.warning(
                    "Metadata store %s is locked by another process; waited %d s to %s, waiting "
                    "once more.",
                    masked_url,
                    waited,
                    what,
                )
                continue
            if is_retryable(exc) and attempt + 1 < attempts:
                # Exponential backoff with jitter so retrying writers do not collide again.
                delay = min(RETRY_MAX_DELAY_S, RETRY_BASE_DELAY_S * 2**attempt)
                delay *= 0.5 + random.random()
                logger.debug("%s on %s hit %s; retrying in %.2fs", what, masked_url, exc, delay)
                time.sleep(delay)
                continue
            raise MetadataStoreError(
                f"Metadata store {masked_url!r} failed to {what}: {driver_message(exc)}"
            ) from exc
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


__all__ = [
    "WRITE_OPTION",
    "create_store_engine",
    "driver_message",
    "is_retryable",
    "is_sqlite",
    "mask_url",
    "parse_url",
    "run_with_retry",
    "shared_engine",
    "sqlite_file_path",
]
