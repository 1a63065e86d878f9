"""``BaseSplitStep``: the step that splits a dataset into train, test and validation sets."""

from __future__ import annotations

from abc import abstractmethod

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStepConfig, Output
from zenml_airflow.steps.step_interfaces.base_interface import BaseStepInterface


class BaseSplitStepConfig(BaseStepConfig):
    """Base class of split step configs."""


class BaseSplitStep(BaseStepInterface):
    """Splits ``dataset`` into the outputs ``train``, ``test`` and ``validation``.

    Implementations: :class:`~zenml_airflow.integrations.sklearn.steps.SklearnSplitter`.
    """

    _abstract = True

    @abstractmethod
    def entrypoint(
        self,
        dataset: DataArtifact,
        config: BaseSplitStepConfig,
        context: StepContext,
    ) -> Output(  # type: ignore[valid-type]
        train=DataArtifact, test=DataArtifact, validation=DataArtifact
    ):
        """Return the train, test and validation splits of ``dataset``."""
        raise NotImplementedError
