"""The seed\'s ``zenml.artifacts.statistics_artifact``: :class:`StatisticsArtifact`
(``zenml_airflow.artifacts.base_artifact``).
"""

from __future__ import annotations

from zenml_airflow.artifacts.base_artifact import StatisticsArtifact

__all__ = ["StatisticsArtifact"]
