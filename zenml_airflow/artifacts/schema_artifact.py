"""The seed\'s ``zenml.artifacts.schema_artifact``: :class:`SchemaArtifact`
(``zenml_airflow.artifacts.base_artifact``).
"""

from __future__ import annotations

from zenml_airflow.artifacts.base_artifact import SchemaArtifact

__all__ = ["SchemaArtifact"]
