"""The tables of the SQL metadata store, as SQLAlchemy Core tables.

The schema itself is owned by the Alembic migrations in ``migrations/versions``; these tables
describe it for queries. ``tests/metadata`` compares the two so they cannot drift. They are Core
``Table`` objects, not ORM classes: the store runs Core statements only, and declaring ORM
mappers costs every Airflow task process about 10 ms of import time for nothing.

Portability notes (sqlite, MySQL/MariaDB, PostgreSQL):

* Every string column has a length (MySQL needs one) and indexed ones stay at or below 768
  characters, the InnoDB index limit of 3072 bytes in utf8mb4.
* Timestamps are stored as naive UTC (MySQL and sqlite have no portable time zone type) and
  handed back as aware UTC datetimes by :class:`UTCDateTime`. On MySQL they keep microseconds,
  which ``list_runs`` ordering relies on.
* Free text (docstrings, error tracebacks) is LONGTEXT on MySQL, whose TEXT holds 64 KiB.
* Statuses are plain strings, not native ENUM types, so adding a status is not a migration on
  PostgreSQL.
* Constraint names follow a fixed convention so later migrations can address them by name
  (sqlite batch migrations need that).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NAME_LENGTH = 255
URI_LENGTH = 768
REF_LENGTH = 512  # entrypoints, type names, orchestrator run ids ("dag_id/run_id")
HASH_LENGTH = 128

#: Unbounded text: MySQL's TEXT stops at 64 KiB, too little for a long traceback or docstring.
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (Python-side, so every backend agrees)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Store aware datetimes as naive UTC; return them as aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            # MySQL DATETIME drops fractional seconds unless asked for them.
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive datetime is ambiguous; we only ever produce aware ones, so refuse.
            raise ValueError(f"naive datetime {value!r} given to the metadata store; use UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: Every metadata-store table, with the naming convention later migrations rely on.
METADATA = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


#: A pipeline, by name.
PIPELINES = sa.Table(
    "pipelines",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(NAME_LENGTH), nullable=False, unique=True),
    _timestamp("created_at"),
)

#: One run of a pipeline; its status is derived from its step runs.
RUNS = sa.Table(
    "pipeline_runs",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pipeline_id", sa.ForeignKey("pipelines.id"), nullable=False),
    sa.Column("name", sa.String(NAME_LENGTH), nullable=False, unique=True),
    sa.Column("num_steps", sa.Integer, nullable=False),
    sa.Column("orchestrator", sa.String(64), nullable=False),
    sa.Column("orchestrator_run_id", sa.String(REF_LENGTH), nullable=True),
    sa.Column("stack_name", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("zenml_version", sa.String(64), nullable=False),
    sa.Column("git_sha", sa.String(64), nullable=True),
    sa.Column("runtime_configuration", sa.JSON, nullable=False),
    _timestamp("created_at"),
    _timestamp("finished_at", nullable=True),
    # NULLs are distinct under UNIQUE on every supported backend, so local runs (no
    # orchestrator id) do not collide; Airflow runs are unique per (dag_id/run_id).
    sa.UniqueConstraint("pipeline_id", "orchestrator_run_id"),
    # list_runs: all runs of a pipeline in chronological order.
    sa.Index(None, "pipeline_id", "created_at", "id"),
)

#: One try of one step in a run.
STEPS = sa.Table(
    "step_runs",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.ForeignKey("pipeline_runs.id"), nullable=False),
    sa.Column("name", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("try_number", sa.Integer, nullable=False, default=1),
    sa.Column("entrypoint", sa.String(REF_LENGTH), nullable=False),
    sa.Column("entrypoint_name", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("docstring", LONG_TEXT, nullable=True),
    # Indexed: finding the (few) RUNNING step runs whose process is gone (metadata/liveness.py).
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("parameters", sa.JSON, nullable=False),
    sa.Column("cache_key", sa.String(HASH_LENGTH), nullable=True, index=True),
    sa.Column("source_hash", sa.String(HASH_LENGTH), nullable=False),
    sa.Column("step_operator", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("cached_from_step_run_id", sa.ForeignKey("step_runs.id"), nullable=True, index=True),
    sa.Column("error", LONG_TEXT, nullable=True),
    _timestamp("started_at"),
    _timestamp("finished_at", nullable=True),
    # The process running this try (host name, pid, process start time in epoch seconds); NULL
    # for cached step runs and those recorded before schema revision 0003.
    sa.Column("runner_host", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("runner_pid", sa.Integer, nullable=True),
    sa.Column("runner_started", sa.Double, nullable=True),
    # The container image a container step operator ran this try in ("repo@sha256:..."); NULL
    # for other step runs and those recorded before schema revision 0005.
    sa.Column("image", sa.String(REF_LENGTH), nullable=True),
    # Also serves list_step_runs (prefix run_id) and the latest-try aggregate.
    sa.UniqueConstraint("run_id", "name", "try_number"),
)

#: A registered artifact; ``id`` is a caller-supplied uuid hex.
ARTIFACTS = sa.Table(
    "artifacts",
    METADATA,
    sa.Column("id", sa.String(32), primary_key=True),
    # Not unique: identical artifacts share one stored copy (ADR 0011).
    sa.Column("uri", sa.String(URI_LENGTH), nullable=False, index=True),
    sa.Column("artifact_type", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("data_type", sa.String(REF_LENGTH), nullable=False),
    sa.Column("materializer", sa.String(REF_LENGTH), nullable=False),
    sa.Column("content_hash", sa.String(HASH_LENGTH), nullable=False, index=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=True),
    # A few facts about the value (shape, schema, model class...): BaseMaterializer.extract_metadata.
    sa.Column("metadata", sa.JSON, nullable=True),
    sa.Column("producer_step_run_id", sa.ForeignKey("step_runs.id"), nullable=False, index=True),
    _timestamp("created_at"),
)

#: Input ``name`` of a step run was artifact ``artifact_id``.
INPUTS = sa.Table(
    "step_run_inputs",
    METADATA,
    sa.Column("step_run_id", sa.ForeignKey("step_runs.id"), primary_key=True),
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    # Indexed for downstream lineage: which step runs consumed this artifact.
    sa.Column("artifact_id", sa.ForeignKey("artifacts.id"), nullable=False, index=True),
)

#: Output ``name`` of a step run is artifact ``artifact_id`` (shared when cached).
OUTPUTS = sa.Table(
    "step_run_outputs",
    METADATA,
    sa.Column("step_run_id", sa.ForeignKey("step_runs.id"), primary_key=True),
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    # Indexed for upstream lineage: which step runs (in which runs) output this artifact.
    sa.Column("artifact_id", sa.ForeignKey("artifacts.id"), nullable=False, index=True),
)

#: ``cache_key`` is answered by the outputs of ``step_run_id``.
CACHE = sa.Table(
    "cache_entries",
    METADATA,
    sa.Column("cache_key", sa.String(HASH_LENGTH), primary_key=True),
    sa.Column("step_run_id", sa.ForeignKey("step_runs.id"), nullable=False, index=True),
    _timestamp("created_at"),
)


__all__ = [
    "ARTIFACTS",
    "CACHE",
    "INPUTS",
    "METADATA",
    "OUTPUTS",
    "PIPELINES",
    "RUNS",
    "STEPS",
    "UTCDateTime",
    "utcnow",
]
