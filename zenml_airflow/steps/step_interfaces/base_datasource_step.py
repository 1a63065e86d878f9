"""``BaseDatasourceStep``: the step that brings a dataset into a pipeline."""

from __future__ import annotations

from abc import abstractmethod

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStepConfig
from zenml_airflow.steps.step_interfaces.base_interface import BaseStepInterface


class BaseDatasourceConfig(BaseStepConfig):
    """Base class of datasource configs."""


class BaseDatasourceStep(BaseStepInterface):
    """Reads a dataset from outside the pipeline; takes no inputs, returns the data.

    Implementations: :class:`~zenml_airflow.steps.builtin_steps.PandasDatasource`.
    """

    _abstract = True

    @abstractmethod
    def entrypoint(
        self,
        config: BaseDatasourceConfig,
        context: StepContext,
    ) -> DataArtifact:
        """Return the dataset."""
        raise NotImplementedError
