"""The seed's ``zenml.steps``: ``step``, ``BaseStep``, ``BaseStepConfig``, ``Output``, ``StepContext``."""

from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStep, BaseStepConfig, Output, step

__all__ = ["BaseStep", "BaseStepConfig", "Output", "StepContext", "step"]
