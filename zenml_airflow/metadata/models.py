"""Declarative tables of the SQL metadata store.

The schema itself is owned by the Alembic migrations in ``migrations/versions``; these classes
describe the same tables for queries. ``tests/metadata`` compares the two so they cannot drift.

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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


class Base(DeclarativeBase):
    """Declarative base holding the metadata of every metadata-store table."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class PipelineModel(Base):
    """A pipeline, by name."""

    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PipelineRunModel(Base):
    """One run of a pipeline; its status is derived from its step runs."""

    __tablename__ = "pipeline_runs"
    __table_args__ = (
        # NULLs are distinct under UNIQUE on every supported backend, so local runs (no
        # orchestrator id) do not collide; Airflow runs are unique per (dag_id/run_id).
        sa.UniqueConstraint("pipeline_id", "orchestrator_run_id"),
        # list_runs: all runs of a pipeline in chronological order.
        sa.Index(None, "pipeline_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    pipeline_id: Mapped[int] = mapped_column(sa.ForeignKey("pipelines.id"), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), nullable=False, unique=True)
    num_steps: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    orchestrator: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    orchestrator_run_id: Mapped[str | None] = mapped_column(sa.String(REF_LENGTH), nullable=True)
    stack_name: Mapped[str | None] = mapped_column(sa.String(NAME_LENGTH), nullable=True)
    zenml_version: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    git_sha: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    runtime_configuration: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StepRunModel(Base):
    """One try of one step in a run."""

    __tablename__ = "step_runs"
    __table_args__ = (
        # Also serves list_step_runs (prefix run_id) and the latest-try aggregate.
        sa.UniqueConstraint("run_id", "name", "try_number"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("pipeline_runs.id"), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), nullable=False)
    try_number: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    entrypoint: Mapped[str] = mapped_column(sa.String(REF_LENGTH), nullable=False)
    entrypoint_name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), nullable=False)
    docstring: Mapped[str | None] = mapped_column(LONG_TEXT, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    cache_key: Mapped[str | None] = mapped_column(sa.String(HASH_LENGTH), nullable=True, index=True)
    source_hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH), nullable=False)
    step_operator: Mapped[str | None] = mapped_column(sa.String(NAME_LENGTH), nullable=True)
    cached_from_step_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("step_runs.id"), nullable=True, index=True
    )
    error: Mapped[str | None] = mapped_column(LONG_TEXT, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ArtifactModel(Base):
    """A registered artifact; ``id`` is a caller-supplied uuid hex."""

    __tablename__ = "artifacts"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    # Not unique: identical artifacts share one stored copy (ADR 0011).
    uri: Mapped[str] = mapped_column(sa.String(URI_LENGTH), nullable=False, index=True)
    artifact_type: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), nullable=False)
    data_type: Mapped[str] = mapped_column(sa.String(REF_LENGTH), nullable=False)
    materializer: Mapped[str] = mapped_column(sa.String(REF_LENGTH), nullable=False)
    content_hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH), nullable=False, index=True)
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    producer_step_run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("step_runs.id"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class StepRunInputModel(Base):
    """Input ``name`` of a step run was artifact ``artifact_id``."""

    __tablename__ = "step_run_inputs"

    step_run_id: Mapped[int] = mapped_column(sa.ForeignKey("step_runs.id"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), primary_key=True)
    # Indexed for downstream lineage: which step runs consumed this artifact.
    artifact_id: Mapped[str] = mapped_column(
        sa.ForeignKey("artifacts.id"), nullable=False, index=True
    )


class StepRunOutputModel(Base):
    """Output ``name`` of a step run is artifact ``artifact_id`` (shared when cached)."""

    __tablename__ = "step_run_outputs"

    step_run_id: Mapped[int] = mapped_column(sa.ForeignKey("step_runs.id"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), primary_key=True)
    # Indexed for upstream lineage: which step runs (in which runs) output this artifact.
    artifact_id: Mapped[str] = mapped_column(
        sa.ForeignKey("artifacts.id"), nullable=False, index=True
    )


class CacheEntryModel(Base):
    """``cache_key`` is answered by the outputs of ``step_run_id``."""

    __tablename__ = "cache_entries"

    cache_key: Mapped[str] = mapped_column(sa.String(HASH_LENGTH), primary_key=True)
    step_run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("step_runs.id"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


__all__ = [
    "ArtifactModel",
    "Base",
    "CacheEntryModel",
    "PipelineModel",
    "PipelineRunModel",
    "StepRunInputModel",
    "StepRunModel",
    "StepRunOutputModel",
    "UTCDateTime",
    "utcnow",
]
