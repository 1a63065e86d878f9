"""``BaseEvaluatorStep``: the step that evaluates a trained model on a dataset."""

from __future__ import annotations

from abc import abstractmethod

from zenml_airflow.artifacts.base_artifact import DataArtifact, ModelArtifact
from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStepConfig
from zenml_airflow.steps.step_interfaces.base_interface import BaseStepInterface


class BaseEvaluatorConfig(BaseStepConfig):
    """Base class of evaluator configs."""


class BaseEvaluatorStep(BaseStepInterface):
    """Evaluates ``model`` on ``dataset``; returns the evaluation.

    Implementations: :class:`~zenml_airflow.integrations.sklearn.steps.SklearnEvaluator`.
    """

    _abstract = True

    @abstractmethod
    def entrypoint(
        self,
        dataset: DataArtifact,
        model: ModelArtifact,
        config: BaseEvaluatorConfig,
        context: StepContext,
    ) -> DataArtifact:
        """Return the evaluation of ``model`` on ``dataset``."""
        raise NotImplementedError
