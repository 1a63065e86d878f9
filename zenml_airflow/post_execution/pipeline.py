"""The seed's ``zenml.post_execution.pipeline``: :class:`PipelineView`."""

from __future__ import annotations

from zenml_airflow.post_execution.views import PipelineView

__all__ = ["PipelineView"]
