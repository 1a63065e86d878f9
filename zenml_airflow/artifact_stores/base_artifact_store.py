"""The seed's ``zenml.artifact_stores.base_artifact_store``: ``BaseArtifactStore`` is
:class:`~zenml_airflow.stack.components.ArtifactStoreComponent` (a root ``path``; its flavors add
``local``, ``s3`` and ``gcs`` settings). ``PathType`` is what :mod:`zenml_airflow.io.fileio` takes.
"""

from __future__ import annotations

from zenml_airflow.io.fileio import PathType
from zenml_airflow.stack.components import ArtifactStoreComponent as BaseArtifactStore

__all__ = ["BaseArtifactStore", "PathType"]
