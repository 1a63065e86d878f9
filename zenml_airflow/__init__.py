"""zenml-airflow: ZenML-style ML pipelines that run as real Apache Airflow 3 DAGs.

The public API is imported lazily (PEP 562), so ``import zenml_airflow`` stays cheap and never
imports Airflow, numpy or pandas::

    from zenml_airflow import step, pipeline, BaseStepConfig, Output

    @step
    def add(a: int, b: int) -> int:
        return a + b
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.utils.lazy import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "step": "zenml_airflow.core.step",
    "BaseStep": "zenml_airflow.core.step",
    "BaseStepConfig": "zenml_airflow.core.step",
    "Output": "zenml_airflow.core.step",
    "StepContext": "zenml_airflow.core.context",
    "pipeline": "zenml_airflow.core.pipeline",
    "BasePipeline": "zenml_airflow.core.pipeline",
    "Schedule": "zenml_airflow.core.schedule",
    "Repository": "zenml_airflow.repository",
    "ExecutionStatus": "zenml_airflow.enums",
}

__all__ = [
    "BasePipeline",
    "BaseStep",
    "BaseStepConfig",
    "ExecutionStatus",
    "Output",
    "Repository",
    "Schedule",
    "StepContext",
    "__version__",
    "pipeline",
    "step",
]

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.context import StepContext
    from zenml_airflow.core.pipeline import BasePipeline, pipeline
    from zenml_airflow.core.schedule import Schedule
    from zenml_airflow.core.step import BaseStep, BaseStepConfig, Output, step
    from zenml_airflow.enums import ExecutionStatus
    from zenml_airflow.repository import Repository


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
