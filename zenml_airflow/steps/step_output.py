"""The seed's ``zenml.steps.step_output``: :class:`Output` (``zenml_airflow.core.step``)."""

from __future__ import annotations

from zenml_airflow.core.step import Output

__all__ = ["Output"]
