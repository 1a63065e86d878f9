"""The seed's ``zenml.steps.step_context``: :class:`StepContext` (``zenml_airflow.core.context``).

The executor passes one to a step that declares a parameter annotated ``StepContext``.
"""

from __future__ import annotations

from zenml_airflow.core.context import StepContext

__all__ = ["StepContext"]
