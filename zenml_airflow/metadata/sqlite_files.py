"""The file of a sqlite metadata store: created silently once, never silently again.

A sqlite store's database is created on first use, so that ``init``, ``make demo`` and a first
``p.run()`` need no setup. The same convenience used to turn a *lost* database (deleted, in a
moved directory, on a volume that is not mounted) into a silent fresh start: every run, the
lineage and the step cache gone without a word, while the artifact store still holds the
artifacts that history described.

So when zenml-airflow creates a database file it also writes a small marker next to it,
``.<file name>.zenml-airflow`` (``.metadata.db.zenml-airflow`` for ``metadata.db``). A missing
database whose marker is present is refused with :class:`MetadataStoreError` naming the path and
the two ways on: restore the file, or start over explicitly with ``zenml-airflow metadata-store
init``. Databases created before the marker existed get one the first time a process opens them.

Costs: opening a store whose file exists stats only the database file (as before); each process
additionally stats the marker once per database, when it creates its engine. The marker is read
only to word the error.

Races: many Airflow tasks open a fresh path at once. The creator creates the database file
*before* its marker, and a process that finds the database missing but the marker present looks
for the database once more before it fails: a marker written by a concurrent creator therefore
always comes with its database file, and only a database missing *after* its marker was written
is refused. Both files are created with ``O_CREAT`` (the marker with ``O_EXCL``): racing
creators never truncate each other's file and never fail because the other one won.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zenml_airflow.exceptions import MetadataStoreError

logger = logging.getLogger(__name__)

#: The command that creates a fresh database for a sqlite metadata store.
INIT_COMMAND = "zenml-airflow metadata-store init"
#: Files sqlite keeps next to a database (WAL mode, rollback journal): part of the database.
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")
_MARKER_FORMAT = 1


def marker_path(database: Path) -> Path:
    """The marker that says a zenml-airflow database was created at ``database``."""
    return database.with_name(f".{database.name}.zenml-airflow")


def _marker_content(database: Path) -> bytes:
    from zenml_airflow import __version__

    content = {
        "format": _MARKER_FORMAT,
        "database": database.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "created_by": f"zenml-airflow {__version__}",
        "note": (
            f"A zenml-airflow metadata store database was created at {database.name} in this "
            "directory. While this file exists, a missing database is reported instead of being "
            f"replaced by an empty one; `{INIT_COMMAND}` starts over explicitly. Delete this "
            "file together with the database when you remove the store for good."
        ),
    }
    return (json.dumps(content, indent=2) + "\n").encode()


def write_marker(database: Path) -> bool:
    """Write the marker of ``database`` unless it exists; whether this call wrote it.

    ``O_EXCL``: of racing writers exactly one creates the file, the others see it exists.
    """
    marker = marker_path(database)
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, _marker_content(database))
    finally:
        os.close(fd)
    return True


def ensure_marker(database: Path) -> None:
    """Give an existing database its marker (once per process and database: one ``stat``).

    Best effort: a directory this process cannot write to (a read-only mount, a UI server
    reading someone else's store) only means the database stays unprotected.
    """
    if marker_path(database).exists() or not database.exists():
        return
    try:
        write_marker(database)
    except OSError as exc:
        logger.debug("Cannot write the marker of metadata store database %s: %s", database, exc)


def _marker_created_at(marker: Path) -> str | None:
    try:
        data: Any = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # being written right now, or edited: its existence is what counts
    created = data.get("created_at") if isinstance(data, dict) else None
    return created if isinstance(created, str) else None


def missing_database_error(database: Path) -> MetadataStoreError:
    """The error for a database that existed (its marker says so) and is gone."""
    marker = marker_path(database)
    created = _marker_created_at(marker)
    when = f" on {created}" if created else ""
    return MetadataStoreError(
        f"The metadata store database {database} is missing, but a zenml-airflow database was "
        f"created there{when} (marker file {marker}). It held the "
        "history of your pipeline runs: runs, steps, artifact lineage and the step cache. "
        "zenml-airflow does not replace it with an empty one silently, as the artifact store "
        "still holds the artifacts that history described. Restore the file (from a backup, "
        "or by mounting or moving back the directory it was in), or start over with an empty "
        f"database: `{INIT_COMMAND} NAME` for the registered store NAME, or "
        f"`{INIT_COMMAND} --uri {database}`."
    )


def create_database_file(database: Path, masked_url: str) -> None:
    """Create the (empty: a valid empty database) file of a store found missing, and its marker.

    Refuses with :func:`missing_database_error` when the marker says a database existed here.
    Anything already at the path is left as it is, and racing creators all succeed (see the
    module docstring).
    """
    if marker_path(database).exists() and not database.exists():
        # Looked for again after the marker: a concurrent creator writes the database first.
        raise missing_database_error(database)
    _create_files(database, masked_url)


def _create_files(database: Path, masked_url: str) -> None:
    """Create the database file (first) and its marker (second), leaving existing ones as they are."""
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o644))  # no truncation if it races
        write_marker(database)
    except OSError as exc:
        raise MetadataStoreError(
            f"Cannot create the file of metadata store {masked_url!r}: {exc}"
        ) from exc


def count_rows(database: Path) -> int:
    """How many rows the tables of ``database`` hold, the schema version row not counted.

    Raises :class:`MetadataStoreError` for a file sqlite cannot read as a database.
    """
    import sqlite3

    from zenml_airflow.metadata.schema_migrations import VERSION_TABLE

    try:
        # Read-only: counting must never create, convert or lock the database for writing.
        with contextlib.closing(
            sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        ) as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
                if name != VERSION_TABLE
            ]
            quoted = ['"' + name.replace('"', '""') + '"' for name in tables]
            return sum(
                int(conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]) for name in quoted
            )
    except sqlite3.Error as exc:
        raise MetadataStoreError(
            f"{database} cannot be read as a sqlite database ({exc})."
        ) from exc


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_database` did."""

    #: ``created``: there was no database; ``replaced``: ``force`` removed one with data;
    #: ``kept``: the database held no data and was kept (its schema brought to head).
    action: str
    #: Rows the replaced database held (0 unless ``replaced``).
    removed_rows: int
    #: The schema revision of the database now.
    revision: str


def _is_sqlite_file(path: Path) -> bool:
    """Whether ``path`` starts with sqlite's file header (any sqlite 3 database does)."""
    try:
        with path.open("rb") as file:
            return file.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _remove_database(database: Path) -> None:
    for path in (database, *(database.with_name(database.name + s) for s in SIDECAR_SUFFIXES)):
        path.unlink(missing_ok=True)


def init_database(url: str, *, force: bool = False) -> InitResult:
    """Create an empty, fully migrated database for the sqlite store at ``url``.

    A database holding data is replaced only with ``force`` (it and its ``-wal``/``-shm``
    files are deleted); one holding none is kept. Processes that still have the old file open
    keep writing to it, not to the new one: stop the pipelines using the store first.
    """
    from zenml_airflow.metadata.engine import is_sqlite, mask_url, parse_url, sqlite_file_path
    from zenml_airflow.metadata.store import SQLMetadataStore

    parsed = parse_url(url)
    masked = mask_url(parsed)
    database = sqlite_file_path(parsed) if is_sqlite(parsed) else None
    if database is None:
        raise MetadataStoreError(
            f"`{INIT_COMMAND}` creates the file of a sqlite metadata store; {masked!r} is not "
            "one. A server database's schema is created the first time the empty database is "
            "used: to start over, empty (or drop and recreate) the database on the server."
        )
    action, removed = "created", 0
    if database.exists():
        if database.stat().st_size and not _is_sqlite_file(database):
            # Never deleted, even with --force: a mistyped path must not cost someone a file.
            raise MetadataStoreError(
                f"{database} is not a sqlite database. Refusing to replace it, even with "
                "--force: check the path, or move the file away yourself."
            )
        try:
            rows = count_rows(database)
        except MetadataStoreError as exc:
            if not force:
                raise MetadataStoreError(
                    f"{exc} Refusing to replace it: check the path, or pass --force to delete "
                    "it and create an empty metadata store database."
                ) from exc
            rows = -1
        if rows == 0:
            action = "kept"
        elif not force:
            raise MetadataStoreError(
                f"The metadata store database {database} exists and holds {rows} rows (its runs' "
                "history). Refusing to replace it: pass --force to delete it and start over "
                "with an empty database (back it up first if you may need it)."
            )
        else:
            action, removed = "replaced", max(rows, 0)
            try:
                _remove_database(database)
            except OSError as exc:
                raise MetadataStoreError(
                    f"Cannot delete the metadata store database {database}: {exc}"
                ) from exc
    if action != "kept":
        _create_files(database, masked)  # the explicit start-over: a marker is no obstacle
    with SQLMetadataStore(url) as store:
        revision = store.migrate()
    return InitResult(action, removed, revision)


__all__ = [
    "INIT_COMMAND",
    "InitResult",
    "count_rows",
    "create_database_file",
    "ensure_marker",
    "init_database",
    "marker_path",
    "missing_database_error",
    "write_marker",
]
