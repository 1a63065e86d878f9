"""The seed's ``zenml.visualizers.base_pipeline_run_visualizer``: :class:`BasePipelineRunVisualizer`
(its ``visualize`` takes a :class:`~zenml_airflow.post_execution.PipelineRunView`).
"""

from __future__ import annotations

from zenml_airflow.visualizers.base import BasePipelineRunVisualizer

__all__ = ["BasePipelineRunVisualizer"]
