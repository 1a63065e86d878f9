"""Initial metadata store schema: pipelines, runs, step runs, artifacts, lineage, cache.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

Frozen DDL, deliberately not ``METADATA.create_all``: later table changes must come with their
own migration, and tests/metadata compares this schema with ``metadata/tables.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.types.TypeEngine[Any]:
    # Naive UTC; microseconds on MySQL too (its DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _long_text() -> sa.types.TypeEngine[Any]:
    # MySQL's TEXT holds 64 KiB: too little for a long traceback.
    return sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def _table_options() -> dict[str, Any]:
    """MySQL/MariaDB: utf8mb4 with a binary, no-pad collation, whatever the database defaults.

    The server default may be latin1 (no emoji, "Illegal mix of collations" on comparisons)
    and the default utf8mb4 collations compare case- and trailing-space-insensitively, which
    would make pipelines "Train" and "train" one pipeline. Names must compare exactly as on
    sqlite and PostgreSQL. Other dialects ignore these options.
    """
    dialect = op.get_context().dialect
    if dialect.name not in ("mysql", "mariadb"):
        return {}
    version = dialect.server_version_info or ()
    if getattr(dialect, "is_mariadb", False):
        collation = "utf8mb4_nopad_bin"
    elif version >= (8, 0, 1):
        collation = "utf8mb4_0900_bin"
    else:
        collation = "utf8mb4_bin"  # pads trailing spaces, the best MySQL 5.7 has
    return {"mysql_charset": "utf8mb4", "mysql_collate": collation}


def upgrade() -> None:
    options = _table_options()
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pipelines"),
        sa.UniqueConstraint("name", name="uq_pipelines_name"),
        **options,
    )
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("num_steps", sa.Integer(), nullable=False),
        sa.Column("orchestrator", sa.String(64), nullable=False),
        sa.Column("orchestrator_run_id", sa.String(512), nullable=True),
        sa.Column("stack_name", sa.String(255), nullable=True),
        sa.Column("zenml_version", sa.String(64), nullable=False),
        sa.Column("git_sha", sa.String(64), nullable=True),
        sa.Column("runtime_configuration", sa.JSON(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("finished_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pipeline_runs"),
        sa.ForeignKeyConstraint(
            ["pipeline_id"], ["pipelines.id"], name="fk_pipeline_runs_pipeline_id_pipelines"
        ),
        sa.UniqueConstraint("name", name="uq_pipeline_runs_name"),
        sa.UniqueConstraint(
            "pipeline_id",
            "orchestrator_run_id",
            name="uq_pipeline_runs_pipeline_id_orchestrator_run_id",
        ),
        **options,
    )
    op.create_index(
        "ix_pipeline_runs_pipeline_id_created_at_id",
        "pipeline_runs",
        ["pipeline_id", "created_at", "id"],
    )
    op.create_table(
        "step_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("entrypoint", sa.String(512), nullable=False),
        sa.Column("entrypoint_name", sa.String(255), nullable=False),
        sa.Column("docstring", _long_text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("cache_key", sa.String(128), nullable=True),
        sa.Column("source_hash", sa.String(128), nullable=False),
        sa.Column("step_operator", sa.String(255), nullable=True),
        sa.Column("cached_from_step_run_id", sa.Integer(), nullable=True),
        sa.Column("error", _long_text(), nullable=True),
        sa.Column("started_at", _timestamp(), nullable=False),
        sa.Column("finished_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_step_runs"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["pipeline_runs.id"], name="fk_step_runs_run_id_pipeline_runs"
        ),
        sa.ForeignKeyConstraint(
            ["cached_from_step_run_id"],
            ["step_runs.id"],
            name="fk_step_runs_cached_from_step_run_id_step_runs",
        ),
        sa.UniqueConstraint(
            "run_id", "name", "try_number", name="uq_step_runs_run_id_name_try_number"
        ),
        **options,
    )
    op.create_index("ix_step_runs_cache_key", "step_runs", ["cache_key"])
    op.create_index(
        "ix_step_runs_cached_from_step_run_id", "step_runs", ["cached_from_step_run_id"]
    )
    op.create_table(
        "artifacts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("uri", sa.String(768), nullable=False),
        sa.Column("artifact_type", sa.String(255), nullable=False),
        sa.Column("data_type", sa.String(512), nullable=False),
        sa.Column("materializer", sa.String(512), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("producer_step_run_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artifacts"),
        sa.ForeignKeyConstraint(
            ["producer_step_run_id"],
            ["step_runs.id"],
            name="fk_artifacts_producer_step_run_id_step_runs",
        ),
        sa.UniqueConstraint("uri", name="uq_artifacts_uri"),
        **options,
    )
    op.create_index("ix_artifacts_producer_step_run_id", "artifacts", ["producer_step_run_id"])
    for table in ("step_run_inputs", "step_run_outputs"):
        op.create_table(
            table,
            sa.Column("step_run_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(255), nullable=False),
            sa.Column("artifact_id", sa.String(32), nullable=False),
            sa.PrimaryKeyConstraint("step_run_id", "name", name=f"pk_{table}"),
            sa.ForeignKeyConstraint(
                ["step_run_id"], ["step_runs.id"], name=f"fk_{table}_step_run_id_step_runs"
            ),
            sa.ForeignKeyConstraint(
                ["artifact_id"], ["artifacts.id"], name=f"fk_{table}_artifact_id_artifacts"
            ),
            **options,
        )
        op.create_index(f"ix_{table}_artifact_id", table, ["artifact_id"])
    op.create_table(
        "cache_entries",
        sa.Column("cache_key", sa.String(128), nullable=False),
        sa.Column("step_run_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("cache_key", name="pk_cache_entries"),
        sa.ForeignKeyConstraint(
            ["step_run_id"], ["step_runs.id"], name="fk_cache_entries_step_run_id_step_runs"
        ),
        **options,
    )
    op.create_index("ix_cache_entries_step_run_id", "cache_entries", ["step_run_id"])


def downgrade() -> None:
    op.drop_table("cache_entries")
    op.drop_table("step_run_outputs")
    op.drop_table("step_run_inputs")
    op.drop_table("artifacts")
    op.drop_table("step_runs")
    op.drop_table("pipeline_runs")
    op.drop_table("pipelines")
