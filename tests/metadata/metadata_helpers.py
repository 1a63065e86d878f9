"""Helpers shared by the metadata store tests (importable from spawned worker processes too)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from zenml_airflow.metadata import NewArtifact, StepRunRecord

#: The ``start_step`` fixture: ``start_step(run_id, name, try_number=1, **overrides)``.
StartStep = Callable[..., StepRunRecord]


def new_artifact(tag: str = "artifact", **overrides: Any) -> NewArtifact:
    """A NewArtifact with a fresh id and uri."""
    artifact_id = uuid.uuid4().hex
    fields: dict[str, Any] = {
        "id": artifact_id,
        "uri": f"/artifacts/{tag}/{artifact_id}",
        "artifact_type": "DataArtifact",
        "data_type": "builtins.int",
        "materializer": "zenml_airflow.materializers.built_in_materializer:BuiltInMaterializer",
        "content_hash": f"hash-{tag}",
        "size_bytes": 12,
    }
    fields.update(overrides)
    return NewArtifact(**fields)


def raw_engine(url: str) -> sa.Engine:
    """A plain engine on ``url`` (creating a sqlite file's directory), bypassing the store."""
    database = sa.engine.make_url(url).database
    if url.startswith("sqlite") and database:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url)
