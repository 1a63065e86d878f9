"""The seed's ``zenml.steps``: ``step``, ``BaseStep``, ``BaseStepConfig``, ``Output``,
``StepContext``, ``StepEnvironment`` and ``STEP_ENVIRONMENT_NAME``."""

from zenml_airflow.core.context import StepContext
from zenml_airflow.core.step import BaseStep, BaseStepConfig, Output, step
from zenml_airflow.environment import STEP_ENVIRONMENT_NAME, StepEnvironment

__all__ = [
    "STEP_ENVIRONMENT_NAME",
    "BaseStep",
    "BaseStepConfig",
    "Output",
    "StepContext",
    "StepEnvironment",
    "step",
]
