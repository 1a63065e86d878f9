"""Artifacts: typed handles on artifact-store directories, and the artifact store itself.

Importing this package is cheap: no numpy, pandas or Airflow, and no I/O.
"""

from __future__ import annotations

from zenml_airflow.artifacts.base_artifact import (
    BaseArtifact,
    DataAnalysisArtifact,
    DataArtifact,
    ModelArtifact,
    SchemaArtifact,
    ServiceArtifact,
    StatisticsArtifact,
    artifact_type_by_name,
)
from zenml_airflow.artifacts.store import ArtifactStore

__all__ = [
    "ArtifactStore",
    "BaseArtifact",
    "DataAnalysisArtifact",
    "DataArtifact",
    "ModelArtifact",
    "SchemaArtifact",
    "ServiceArtifact",
    "StatisticsArtifact",
    "artifact_type_by_name",
]
