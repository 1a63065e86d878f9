"""Small write helpers of the SQL metadata store: input checks and insert-if-absent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from zenml_airflow.exceptions import MetadataStoreError
from zenml_airflow.metadata.records import NewArtifact
from zenml_airflow.metadata.tables import HASH_LENGTH, NAME_LENGTH, REF_LENGTH, URI_LENGTH


def check_name(kind: str, value: str, limit: int = NAME_LENGTH) -> None:
    if not isinstance(value, str) or not value.strip():
        raise MetadataStoreError(f"The {kind} must be a non-empty string, got {value!r}.")
    if len(value) > limit:
        raise MetadataStoreError(
            f"The {kind} {value[:40]!r}... is {len(value)} characters long; the metadata store "
            f"keeps at most {limit}. Use a shorter {kind}."
        )


def check_length(kind: str, value: str | None, limit: int) -> None:
    # sqlite stores any length, PostgreSQL and strict MySQL refuse, non-strict MySQL truncates
    # silently: check here so every backend behaves the same and nothing is cut.
    if value is not None and len(value) > limit:
        raise MetadataStoreError(
            f"The {kind} {value[:40]!r}... is {len(value)} characters long; the metadata store "
            f"keeps at most {limit}."
        )


def check_artifact(artifact: NewArtifact) -> None:
    check_length("artifact uri", artifact.uri, URI_LENGTH)
    check_length("artifact type", artifact.artifact_type, NAME_LENGTH)
    check_length("artifact data type", artifact.data_type, REF_LENGTH)
    check_length("artifact materializer", artifact.materializer, REF_LENGTH)
    check_length("artifact content hash", artifact.content_hash, HASH_LENGTH)


def new_id(result: sa.CursorResult[Any]) -> int:
    """The primary key an INSERT of one row generated."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_if_absent(conn: Connection, table: sa.Table, row: Mapping[str, Any]) -> None:
    """INSERT ``row`` unless it would duplicate a unique key of ``table``; never raises for that.

    The building block of every get-or-create here: insert-if-absent, then select by the
    unique key. A concurrent writer's uncommitted insert of the same key makes this statement
    wait for it to commit (or roll back), and READ COMMITTED lets the following SELECT see the
    row it committed - so all racers get the one row, none gets an error. Each dialect's own
    statement, not a savepoint and a caught IntegrityError: no savepoint round trips, and no
    window in which a racer has neither its row nor an error.
    """
    dialect = conn.dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(**row).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**row).on_conflict_do_nothing()
    elif dialect in ("mysql", "mariadb"):
        # Not INSERT IGNORE: that would also turn truncation and foreign-key errors into
        # warnings. Updating a key column to itself changes nothing.
        key = next(iter(table.primary_key.columns))
        statement = mysql.insert(table).values(**row).on_duplicate_key_update({key.name: key})
    else:  # another SQLAlchemy dialect: a savepoint keeps the transaction usable on conflict
        try:
            with conn.begin_nested():
                conn.execute(sa.insert(table).values(**row))
        except IntegrityError:
            pass
        return
    conn.execute(statement)


__all__ = ["check_artifact", "check_length", "check_name", "insert_if_absent", "new_id"]
