"""The seed\'s ``zenml.artifacts.service_artifact``: :class:`ServiceArtifact`
(``zenml_airflow.artifacts.base_artifact``).
"""

from __future__ import annotations

from zenml_airflow.artifacts.base_artifact import ServiceArtifact

__all__ = ["ServiceArtifact"]
