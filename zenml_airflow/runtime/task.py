"""The callable of every step task. Cheap to create at parse time; imports the executor when run."""

from __future__ import annotations

from typing import Any

from zenml_airflow.core.spec import PipelineSpec


def asset_name(pipeline: str, step: str, output: str) -> str:
    """The Airflow Asset name of a step output: stable across runs, one per output."""
    return f"{pipeline}.{step}.{output}"


def asset_uri(pipeline: str, step: str, output: str) -> str:
    return f"zenml://{pipeline}/{step}/{output}"


def param_key(step: str, field: str) -> str:
    """The DAG param (trigger form field) for a step's config field."""
    return f"{step}.{field}"


class StepTask:
    """Runs one step of the pipeline when Airflow calls it with the task context."""

    def __init__(self, spec: PipelineSpec, step_name: str) -> None:
        self.spec = spec
        self.step_name = step_name

    def __call__(self, **context: Any) -> dict[str, Any]:
        from zenml_airflow.runtime.execute import execute_step_task

        return execute_step_task(self.spec, self.step_name, context)

    def __repr__(self) -> str:
        return f"StepTask({self.spec.name}.{self.step_name})"
