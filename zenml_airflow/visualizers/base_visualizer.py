"""The seed's ``zenml.visualizers.base_visualizer``: :class:`BaseVisualizer`."""

from __future__ import annotations

from zenml_airflow.visualizers.base import BaseVisualizer

__all__ = ["BaseVisualizer"]
