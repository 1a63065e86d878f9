"""Artifacts carry a few facts about what was written (``artifacts.metadata``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 00:00:01

Each materializer may describe the value it wrote - shape and dtype of an array, rows and schema
of a table, model class and hyperparameters, image size - as a small JSON object
(``BaseMaterializer.extract_metadata``), readable as ``artifact.metadata`` and shown in the UI.
Nullable: artifacts registered before this revision, and those whose materializer says nothing,
have none.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("artifacts", sa.Column("metadata", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("artifacts") as batch:
        batch.drop_column("metadata")
