"""``BasePreprocessorStep``: the step that transforms the splits using the train statistics."""

from __future__ import annotations

from abc import abstractmethod

from zenml_airflow.artifacts.base_artifact import DataArtifact, SchemaArtifact, StatisticsArtifact
from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStepConfig, Output
from zenml_airflow.steps.step_interfaces.base_interface import BaseStepInterface


class BasePreprocessorConfig(BaseStepConfig):
    """Base class of preprocessor configs."""


class BasePreprocessorStep(BaseStepInterface):
    """Transforms the three splits; outputs ``train_transformed``, ``test_transformed`` and
    ``validation_transformed``.

    Implementations: :class:`~zenml_airflow.integrations.sklearn.steps.SklearnStandardScaler`.
    """

    _abstract = True

    @abstractmethod
    def entrypoint(
        self,
        train_dataset: DataArtifact,
        test_dataset: DataArtifact,
        validation_dataset: DataArtifact,
        statistics: StatisticsArtifact,
        schema: SchemaArtifact,
        config: BasePreprocessorConfig,
        context: StepContext,
    ) -> Output(  # type: ignore[valid-type]
        train_transformed=DataArtifact,
        test_transformed=DataArtifact,
        validation_transformed=DataArtifact,
    ):
        """Return the transformed train, test and validation splits."""
        raise NotImplementedError
