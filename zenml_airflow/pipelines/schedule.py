"""The seed's ``zenml.pipelines.schedule``: :class:`Schedule` (``zenml_airflow.core.schedule``)."""

from __future__ import annotations

from zenml_airflow.core.schedule import Schedule

__all__ = ["Schedule"]
