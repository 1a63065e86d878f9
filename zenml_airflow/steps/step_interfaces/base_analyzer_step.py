"""``BaseAnalyzerStep``: the step that computes statistics and a schema of a dataset."""

from __future__ import annotations

from abc import abstractmethod

from zenml_airflow.artifacts.base_artifact import DataArtifact, SchemaArtifact, StatisticsArtifact
from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStepConfig, Output
from zenml_airflow.steps.step_interfaces.base_interface import BaseStepInterface


class BaseAnalyzerConfig(BaseStepConfig):
    """Base class of analyzer configs."""


class BaseAnalyzerStep(BaseStepInterface):
    """Analyzes ``dataset``; outputs ``statistics`` and ``schema``.

    Implementations: :class:`~zenml_airflow.steps.builtin_steps.PandasAnalyzer`.
    """

    _abstract = True

    @abstractmethod
    def entrypoint(
        self,
        dataset: DataArtifact,
        config: BaseAnalyzerConfig,
        context: StepContext,
    ) -> Output(  # type: ignore[valid-type]
        statistics=StatisticsArtifact, schema=SchemaArtifact
    ):
        """Return the statistics and the schema of ``dataset``."""
        raise NotImplementedError
