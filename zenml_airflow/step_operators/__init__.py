"""Step operators: run chosen steps (``@step(custom_step_operator="NAME")``) elsewhere.

The orchestrator side checks the cache in-process and, on a miss, starts the step run and hands
its body to the stack's step operator, which runs it through
:mod:`zenml_airflow.execution.entrypoint` in another interpreter, container or pod (ADR 0018).
Flavors: ``virtualenv`` (:mod:`zenml_airflow.step_operators.virtualenv`). Importing this package
is cheap; flavors are imported when a step needs them.
"""

from __future__ import annotations
