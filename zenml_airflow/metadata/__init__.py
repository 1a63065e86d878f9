"""The SQL metadata store: pipelines, runs, step runs, artifacts, lineage and the step cache.

Importing this package is cheap: SQLAlchemy is imported, Alembic only when a database is created
or migrated, and nothing touches a database until a store method is called.
"""

from __future__ import annotations

from zenml_airflow.metadata.records import (
    ArtifactRecord,
    CacheHit,
    NewArtifact,
    PipelineRecord,
    RunRecord,
    StepRunRecord,
)
from zenml_airflow.metadata.schema_migrations import HEAD_REVISION
from zenml_airflow.metadata.store import SQLMetadataStore

__all__ = [
    "HEAD_REVISION",
    "ArtifactRecord",
    "CacheHit",
    "NewArtifact",
    "PipelineRecord",
    "RunRecord",
    "SQLMetadataStore",
    "StepRunRecord",
]
