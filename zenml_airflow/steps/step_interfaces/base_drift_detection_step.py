"""``BaseDriftDetectionStep``: the step that compares two datasets for drift."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStepConfig
from zenml_airflow.steps.step_interfaces.base_interface import BaseStepInterface


class BaseDriftDetectionConfig(BaseStepConfig):
    """Base class of drift detection configs."""


class BaseDriftDetectionStep(BaseStepInterface):
    """Compares ``comparison_dataset`` with ``reference_dataset``; returns the drift report."""

    _abstract = True

    @abstractmethod
    def entrypoint(
        self,
        reference_dataset: DataArtifact,
        comparison_dataset: DataArtifact,
        config: BaseDriftDetectionConfig,
        context: StepContext,
    ) -> Any:
        """Return what the detector found when comparing the two datasets."""
        raise NotImplementedError
