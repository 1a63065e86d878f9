"""The seed's visualizer base classes, with HTML implementations for artifacts, steps and runs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from zenml_airflow.visualizers.html import HTML, visualize_artifact, visualize_run, visualize_step

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.post_execution.views import (
        ArtifactView,
        PipelineRunView,
        PipelineView,
        StepView,
    )


class BaseVisualizer(ABC):
    """Turns a post-execution object into something to look at."""

    @abstractmethod
    def visualize(self, object: Any, *args: Any, **kwargs: Any) -> Any:
        """Visualize ``object``."""


class BaseStepVisualizer(BaseVisualizer):
    @abstractmethod
    def visualize(self, object: StepView, *args: Any, **kwargs: Any) -> Any:
        """Visualize a step."""


class BasePipelineRunVisualizer(BaseVisualizer):
    @abstractmethod
    def visualize(self, object: PipelineRunView, *args: Any, **kwargs: Any) -> Any:
        """Visualize a pipeline run."""


class BasePipelineVisualizer(BaseVisualizer):
    @abstractmethod
    def visualize(self, object: PipelineView, *args: Any, **kwargs: Any) -> Any:
        """Visualize a pipeline."""


class ArtifactVisualizer(BaseVisualizer):
    """Metadata and a bounded, type-aware preview of an artifact."""

    def visualize(self, object: ArtifactView, *args: Any, **kwargs: Any) -> HTML:
        return visualize_artifact(object, *args, **kwargs)


class StepVisualizer(BaseStepVisualizer):
    """A step's status, parameters, inputs/outputs and output previews."""

    def visualize(self, object: StepView, *args: Any, **kwargs: Any) -> HTML:
        return visualize_step(object, *args, **kwargs)


class PipelineRunLineageVisualizer(BasePipelineRunVisualizer):
    """A run's lineage graph (SVG) and step table."""

    def visualize(self, object: PipelineRunView, *args: Any, **kwargs: Any) -> HTML:
        return visualize_run(object)
