"""A step that fails with a secret value in its error message (tests/airflow/test_secrets_e2e.py)."""

from __future__ import annotations

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import StepContext, step


@step(enable_cache=False)
def refuse_key(context: StepContext) -> int:
    """Fails as careless code does: the key in the exception message, printed to stderr first."""
    import sys

    key = context.stack.secrets_manager.get_secret("weather_api").content["api_key"]
    print(f"about to fail with key {key}", file=sys.stderr)
    raise PermissionError(f"the weather API refused key {key}")


@pipeline
def secret_failing_pipeline(refuse_key):
    refuse_key()


failing_pipeline = secret_failing_pipeline(refuse_key=refuse_key())
