"""The seed's ``zenml.steps.step_decorator``: the :func:`step` decorator
(``zenml_airflow.core.step``), which turns a typed function into a step class.
"""

from __future__ import annotations

from zenml_airflow.core.step import step

__all__ = ["step"]
