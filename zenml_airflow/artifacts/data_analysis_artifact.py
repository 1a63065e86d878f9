"""The seed\'s ``zenml.artifacts.data_analysis_artifact``: :class:`DataAnalysisArtifact`
(``zenml_airflow.artifacts.base_artifact``).
"""

from __future__ import annotations

from zenml_airflow.artifacts.base_artifact import DataAnalysisArtifact

__all__ = ["DataAnalysisArtifact"]
