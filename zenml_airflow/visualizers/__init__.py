"""Visualizers: HTML previews of artifacts, steps and runs (the seed's ``zenml.visualizers``).

Previews are chosen by how an artifact was stored - a table and column statistics for pandas,
polars and pyarrow tables, shape, dtype, statistics, a histogram and images for numpy arrays,
pretty JSON for built-in types and pydantic models, the stored PNG of a Pillow image or
matplotlib figure, the shape and density of a scipy sparse matrix, a summary card of a model
built from its recorded metadata (the model is never loaded), a listing of a ``pathlib.Path``
artifact's files - and always read a bounded sample. The same HTML is shown by the Airflow UI
plugin::

    from zenml_airflow.visualizers import visualize_artifact
    visualize_artifact(run.get_step("trainer").output)   # renders in a notebook
"""

from __future__ import annotations

from zenml_airflow.visualizers.base import (
    ArtifactVisualizer,
    BasePipelineRunVisualizer,
    BasePipelineVisualizer,
    BaseStepVisualizer,
    BaseVisualizer,
    PipelineRunLineageVisualizer,
    StepVisualizer,
)
from zenml_airflow.visualizers.html import (
    HTML,
    visualize_artifact,
    visualize_run,
    visualize_step,
)

__all__ = [
    "HTML",
    "ArtifactVisualizer",
    "BasePipelineRunVisualizer",
    "BasePipelineVisualizer",
    "BaseStepVisualizer",
    "BaseVisualizer",
    "PipelineRunLineageVisualizer",
    "StepVisualizer",
    "visualize_artifact",
    "visualize_run",
    "visualize_step",
]
