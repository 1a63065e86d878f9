"""The seed's ``zenml.steps.step_environment``."""

from zenml_airflow.environment import STEP_ENVIRONMENT_NAME, StepEnvironment

__all__ = ["STEP_ENVIRONMENT_NAME", "StepEnvironment"]
