"""Step operators: run chosen steps (``@step(custom_step_operator="NAME")``) elsewhere.

The orchestrator side checks the cache in-process and, on a miss, starts the step run and hands
its body to the stack's step operator, which runs it through
:mod:`zenml_airflow.execution.entrypoint` in another interpreter, container or pod (ADR 0018).
Flavors: ``virtualenv``, ``docker`` and ``kubernetes`` (a module each here), and any class
written the seed's way, a subclass of :class:`BaseStepOperator` (the seed's base class, with its
``launch(pipeline_name, run_name, requirements, entrypoint_command)``; see
:mod:`zenml_airflow.step_operators.base_step_operator`). Importing this package is cheap;
flavors are imported when a step needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.step_operators.base_step_operator import BaseStepOperator


def __getattr__(name: str) -> Any:
    if name == "BaseStepOperator":
        from zenml_airflow.step_operators.base_step_operator import BaseStepOperator

        return BaseStepOperator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BaseStepOperator"]
