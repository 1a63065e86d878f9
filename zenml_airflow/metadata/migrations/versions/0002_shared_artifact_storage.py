"""Identical artifacts may share one stored copy: ``artifacts.uri`` is no longer unique.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:00:00

A step that writes bytes identical to an artifact already in the same artifact store registers
a new artifact (its own id, producer and lineage) whose ``uri`` is the existing copy's (ADR 0011).
So the unique constraint on ``uri`` becomes a plain index, and ``content_hash`` gets the index the
lookup of an identical artifact needs. The store still refuses a shared ``uri`` whose content
hash differs.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _check_sqlite_foreign_keys() -> None:
    # sqlite changes a constraint by copying the table; the store runs migrations with foreign
    # key enforcement off for that (schema.sqlite_foreign_keys_off), so check them all here,
    # before the transaction commits.
    if op.get_context().dialect.name != "sqlite":
        return
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by migration 0002: {broken[:5]}")


def upgrade() -> None:
    with op.batch_alter_table("artifacts") as batch:
        batch.drop_constraint("uq_artifacts_uri", type_="unique")
        batch.create_index("ix_artifacts_uri", ["uri"])
        batch.create_index("ix_artifacts_content_hash", ["content_hash"])
    _check_sqlite_foreign_keys()


def downgrade() -> None:
    # Fails (and changes nothing) while two artifacts share a uri.
    with op.batch_alter_table("artifacts") as batch:
        batch.drop_index("ix_artifacts_content_hash")
        batch.drop_index("ix_artifacts_uri")
        batch.create_unique_constraint("uq_artifacts_uri", ["uri"])
    _check_sqlite_foreign_keys()
