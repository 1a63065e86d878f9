"""The seed's ``zenml.visualizers.base_pipeline_visualizer``: :class:`BasePipelineVisualizer` (its
``visualize`` takes a :class:`~zenml_airflow.post_execution.PipelineView`).
"""

from __future__ import annotations

from zenml_airflow.visualizers.base import BasePipelineVisualizer

__all__ = ["BasePipelineVisualizer"]
