"""The seed's ``zenml.steps.utils``: the names of a step's single output and of its code method.

The rest of the seed's module built TFX components from steps; zenml-airflow runs steps itself and
has no counterpart for it.
"""

from __future__ import annotations

from zenml_airflow.core.step import SINGLE_RETURN_OUT_NAME

# The method a class-based step implements (``BaseStep.entrypoint``); ``@step`` makes the
# decorated function that method.
STEP_INNER_FUNC_NAME = "entrypoint"

__all__ = ["SINGLE_RETURN_OUT_NAME", "STEP_INNER_FUNC_NAME"]
