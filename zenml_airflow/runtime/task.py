"""The callable of every step task. Cheap to create at parse time; imports the executor when run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.spec import PipelineSpec


def asset_name(pipeline: str, step: str, output: str) -> str:
    """The Airflow Asset name of a step output: stable across runs, one per output."""
    return f"{pipeline}.{step}.{output}"


def asset_uri(pipeline: str, step: str, output: str) -> str:
    return f"zenml://{pipeline}/{step}/{output}"


def param_key(step: str, field: str) -> str:
    """The DAG param (trigger form field) for a step's config field."""
    return f"{step}.{field}"


class CompiledSpec:
    """A DAG's spec data, shared by its tasks and loaded into a :class:`PipelineSpec` the first
    time a task runs - never while Airflow parses the file."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self._spec: PipelineSpec | None = None

    @property
    def name(self) -> str:
        return str(self.data["name"])

    def load(self) -> PipelineSpec:
        if self._spec is None:
            from zenml_airflow.core.spec import PipelineSpec

            self._spec = PipelineSpec.from_dict(self.data)
        return self._spec


class StepTask:
    """Runs one step of the pipeline when Airflow calls it with the task context."""

    def __init__(self, spec: CompiledSpec, step_name: str) -> None:
        self.compiled = spec
        self.step_name = step_name

    @property
    def spec(self) -> PipelineSpec:
        """The pipeline spec (validated on first access)."""
        return self.compiled.load()

    def __call__(self, **context: Any) -> dict[str, Any]:
        from zenml_airflow.runtime.execute import execute_step_task

        return execute_step_task(self.spec, self.step_name, context)

    def __repr__(self) -> str:
        return f"StepTask({self.compiled.name}.{self.step_name})"


class DagRunFailed:
    """The DAG's ``on_failure_callback``: records the steps a killed task left running as
    failed (``runtime/callbacks.py``). Cheap to create at parse time."""

    def __init__(self, spec: CompiledSpec) -> None:
        self.compiled = spec

    def __call__(self, context: Any) -> None:
        from zenml_airflow.runtime.callbacks import fail_steps_left_running

        fail_steps_left_running(self.compiled.load(), context)

    def __repr__(self) -> str:
        return f"DagRunFailed({self.compiled.name})"
