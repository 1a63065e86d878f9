"""The seed's ``zenml.post_execution.pipeline_run``: :class:`PipelineRunView`."""

from __future__ import annotations

from zenml_airflow.post_execution.views import PipelineRunView

__all__ = ["PipelineRunView"]
