"""``BaseTrainerStep``: the step that trains a model."""

from __future__ import annotations

from abc import abstractmethod

from zenml_airflow.artifacts.base_artifact import DataArtifact, ModelArtifact
from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStepConfig
from zenml_airflow.steps.step_interfaces.base_interface import BaseStepInterface


class BaseTrainerConfig(BaseStepConfig):
    """Base class of trainer configs."""


class BaseTrainerStep(BaseStepInterface):
    """Trains a model on ``train_dataset`` (validating on ``validation_dataset``); returns it.

    Example (an implementation; the model needs a registered materializer)::

        class LogisticTrainer(BaseTrainerStep):
            def entrypoint(
                self,
                train_dataset: pd.DataFrame,
                validation_dataset: pd.DataFrame,
                config: LogisticTrainerConfig,
            ) -> ClassifierMixin:
                target = train_dataset.pop(config.target_column)
                return LogisticRegression().fit(train_dataset, target)
    """

    _abstract = True

    @abstractmethod
    def entrypoint(
        self,
        train_dataset: DataArtifact,
        validation_dataset: DataArtifact,
        config: BaseTrainerConfig,
        context: StepContext,
    ) -> ModelArtifact:
        """Return the trained model."""
        raise NotImplementedError
