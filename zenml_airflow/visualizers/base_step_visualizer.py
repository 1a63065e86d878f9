"""The seed's ``zenml.visualizers.base_step_visualizer``: :class:`BaseStepVisualizer` (its
``visualize`` takes a :class:`~zenml_airflow.post_execution.StepView`).
"""

from __future__ import annotations

from zenml_airflow.visualizers.base import BaseStepVisualizer

__all__ = ["BaseStepVisualizer"]
