"""The seed\'s ``zenml.artifacts.model_artifact``: :class:`ModelArtifact`
(``zenml_airflow.artifacts.base_artifact``).
"""

from __future__ import annotations

from zenml_airflow.artifacts.base_artifact import ModelArtifact

__all__ = ["ModelArtifact"]
