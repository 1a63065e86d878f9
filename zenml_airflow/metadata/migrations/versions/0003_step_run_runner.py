"""Step runs record the process that runs them, so a killed run can be told from a running one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 00:00:00

A step run is RUNNING from ``start_step_run`` until its process records a result. A process
killed with SIGKILL (or a machine that lost power) records nothing, and its steps would stay
RUNNING forever. ``runner_host``, ``runner_pid`` and ``runner_started`` (the process's start time,
seconds since the epoch, which tells a live process from a later one that reuses the pid) let
the store find such step runs and mark them failed (``metadata/liveness.py``). The ``status``
index keeps finding the few RUNNING step runs cheap in a large store.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns: step runs recorded before this revision (and cached step runs, which
    # never run) have no runner. Adding a nullable column needs no table copy on sqlite.
    op.add_column("step_runs", sa.Column("runner_host", sa.String(255), nullable=True))
    op.add_column("step_runs", sa.Column("runner_pid", sa.Integer(), nullable=True))
    op.add_column("step_runs", sa.Column("runner_started", sa.Double(), nullable=True))
    op.create_index("ix_step_runs_status", "step_runs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_step_runs_status", table_name="step_runs")
    with op.batch_alter_table("step_runs") as batch:
        batch.drop_column("runner_started")
        batch.drop_column("runner_pid")
        batch.drop_column("runner_host")
