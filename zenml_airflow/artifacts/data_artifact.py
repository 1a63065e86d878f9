"""The seed\'s ``zenml.artifacts.data_artifact``: :class:`DataArtifact`
(``zenml_airflow.artifacts.base_artifact``).
"""

from __future__ import annotations

from zenml_airflow.artifacts.base_artifact import DataArtifact

__all__ = ["DataArtifact"]
