"""Step runs record the container image they ran in (``step_runs.image``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 00:00:02

A step run by a container step operator (``docker``) records the image it ran: the registry
digest (``repository@sha256:...``) when the image was pushed, else its reference and local image
id. So a run names exactly what it ran, even after the tag moved. Nullable: in-process, cached and
virtualenv step runs, and those recorded before this revision, have none.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: no table copy on sqlite.
    op.add_column("step_runs", sa.Column("image", sa.String(512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("step_runs") as batch:
        batch.drop_column("image")
