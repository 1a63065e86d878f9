"""The seed's ``zenml.post_execution.step``: :class:`StepView`."""

from __future__ import annotations

from zenml_airflow.post_execution.views import StepView

__all__ = ["StepView"]
