"""The seed's ``zenml.artifact_stores.local_artifact_store``: ``LocalArtifactStore`` is
:class:`~zenml_airflow.stack.components.LocalArtifactStoreComponent`, built as in the seed::

    LocalArtifactStore(name="local", path="/data/artifacts")
"""

from __future__ import annotations

from zenml_airflow.io.fileio import PathType
from zenml_airflow.stack.components import LocalArtifactStoreComponent as LocalArtifactStore

__all__ = ["LocalArtifactStore", "PathType"]
