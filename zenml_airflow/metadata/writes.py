"""Write helpers of the SQL metadata store: input checks, insert-if-absent, and the rows a
finishing step run writes (its artifacts and lineage links, its final state, its cache entry).

Each takes the connection of a transaction the store opened; none commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from zenml_airflow.exceptions import MetadataStoreError
from zenml_airflow.metadata import queries as q
from zenml_airflow.metadata.engine import driver_message
from zenml_airflow.metadata.queries import ARTIFACTS, CACHE
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


def check_shared_uris(conn: Connection, step: Any, new: list[NewArtifact]) -> None:
    """A uri may be registered again only for the same content (shared storage, ADR 0011)."""
    hashes = {a.uri: a.content_hash for a in new}
    if len(hashes) < len(new):
        raise MetadataStoreError(
            f"Step run {step.id} ('{step.name}') registers two outputs at one uri; write "
            "each output to a fresh uri."
        )
    for row in conn.execute(q.ARTIFACT_HASHES_AT, {"uris": list(hashes)}):
        if row.content_hash != hashes[row.uri]:
            raise MetadataStoreError(
                f"Could not register the artifacts of step run {step.id} ('{step.name}'): "
                f"{row.uri} is already registered with other content (hash "
                f"{row.content_hash[:12]}..., not {hashes[row.uri][:12]}...). Write each "
                "artifact to a fresh uri, or share a uri only between identical artifacts."
            )


def insert_artifacts_and_links(
    conn: Connection,
    step: Any,
    inputs: Mapping[str, str],
    output_ids: Mapping[str, str],
    new: list[NewArtifact],
    now: datetime,
) -> None:
    """Register the step's new artifacts, then its input and output links.

    No savepoint around the inserts: a conflict raises, which rolls back the whole transaction.
    """
    try:
        if new:  # artifacts before the links that reference them
            conn.execute(
                q.INSERT_ARTIFACT,
                [
                    {
                        "id": a.id,
                        "uri": a.uri,
                        "artifact_type": a.artifact_type,
                        "data_type": a.data_type,
                        "materializer": a.materializer,
                        "content_hash": a.content_hash,
                        "size_bytes": a.size_bytes,
                        "metadata": dict(a.metadata) if a.metadata else None,
                        "producer_step_run_id": step.id,
                        "created_at": now,
                    }  # fmt: skip
                    for a in new
                ],
            )
        for insert, names in ((q.INSERT_INPUT, inputs), (q.INSERT_OUTPUT, output_ids)):
            if names:
                conn.execute(
                    insert,
                    [
                        {"step_run_id": step.id, "name": n, "artifact_id": a}
                        for n, a in names.items()
                    ],
                )
    except IntegrityError as exc:
        raise MetadataStoreError(
            f"Could not register the artifacts of step run {step.id} "
            f"('{step.name}'): an artifact id is already registered "
            f"({driver_message(exc)}). Give each new artifact a new id."
        ) from exc


def update_step(conn: Connection, step_run_id: int, final: Mapping[str, Any]) -> None:
    """Set a step run's final status, cache key, cache source, error and finish time."""
    conn.execute(
        q.FINISH_STEP,
        {
            "step_run_id": step_run_id,
            "new_status": final["status"],
            "new_cache_key": final["cache_key"],
            "new_cached_from": final["cached_from_step_run_id"],
            "new_error": final["error"],
            "new_finished_at": final["finished_at"],
        },
    )


def single_producer(conn: Connection, artifact_ids: set[str]) -> int | None:
    """The one step run that produced all of ``artifact_ids``, if there is exactly one."""
    producers = set(
        conn.scalars(
            sa.select(ARTIFACTS.c.producer_step_run_id)
            .where(ARTIFACTS.c.id.in_(artifact_ids))
            .distinct()
        )
    )
    return producers.pop() if len(producers) == 1 else None


def ensure_cache_entry(conn: Connection, key: str, step_run_id: int, now: datetime) -> None:
    """Point cache key ``key`` at ``step_run_id`` unless another step run holds it already."""
    if conn.scalar(q.CACHE_KEY_EXISTS, {"cache_key": key}) is not None:
        return  # first writer wins; its outputs are as good as ours
    # A concurrent finisher of the same key may win still; then its entry stays.
    insert_if_absent(conn, CACHE, {"cache_key": key, "step_run_id": step_run_id,
                                    "created_at": now})  # fmt: skip
