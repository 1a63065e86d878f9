"""The seed's ``zenml.post_execution.artifact``: :class:`ArtifactView`."""

from __future__ import annotations

from zenml_airflow.post_execution.views import ArtifactView

__all__ = ["ArtifactView"]
