"""``StepContext``: what a running step may know about its run, its outputs and its stack.

Declare a parameter annotated ``StepContext`` (any name) and the executor passes one in::

    @step
    def evaluator(context: StepContext, model: dict) -> float:
        earlier = context.metadata_store.get_pipeline("training").runs
        ...

A step that takes a ``StepContext`` is not cached unless it says ``@step(enable_cache=True)``:
the context reaches state outside the step's inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from zenml_airflow.exceptions import StepContextError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.materializers.base_materializer import BaseMaterializer
    from zenml_airflow.stack.stack import Stack


@dataclass(frozen=True)
class RunInfo:
    """Where a step runs: the pipeline run, and under Airflow the DAG run's identity and times."""

    pipeline_name: str
    run_name: str
    run_id: int | None = None  # the metadata store's id of the pipeline run
    orchestrator: str = "local"
    airflow_dag_id: str | None = None
    airflow_run_id: str | None = None
    logical_date: datetime | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    try_number: int = 1


class StepOutputs(Protocol):
    """Where the running step's outputs go.

    The executor passes its :class:`zenml_airflow.artifact_io.OutputWriter`; core sits below
    artifact I/O in the layers, so the context is given one rather than importing it.
    """

    @property
    def uris(self) -> Mapping[str, str]:
        """The directory allocated to each output."""
        ...

    def materializer(
        self, output: str, materializer_class: type[BaseMaterializer] | None = None
    ) -> BaseMaterializer:
        """A materializer bound to ``output``'s directory (``materializer_class``, else its own)."""
        ...


class StepContext:
    """Run information, output locations and the stack, for the step that is running.

    Created by the executor; users only receive it.
    """

    def __init__(
        self,
        *,
        step_name: str,
        run_info: RunInfo,
        outputs: StepOutputs,
        stack: Stack | None = None,
    ) -> None:
        self._step_name = step_name
        self._run_info = run_info
        self._outputs = outputs
        self._output_uris = dict(outputs.uris)
        self._stack = stack

    @property
    def step_name(self) -> str:
        return self._step_name

    @property
    def run_info(self) -> RunInfo:
        return self._run_info

    @property
    def run_name(self) -> str:
        return self._run_info.run_name

    @property
    def pipeline_name(self) -> str:
        return self._run_info.pipeline_name

    @property
    def airflow_run_id(self) -> str | None:
        """Airflow's DAG run id when running under Airflow, else ``None``."""
        return self._run_info.airflow_run_id

    @property
    def logical_date(self) -> datetime | None:
        return self._run_info.logical_date

    @property
    def data_interval(self) -> tuple[datetime | None, datetime | None]:
        return (self._run_info.data_interval_start, self._run_info.data_interval_end)

    @property
    def stack(self) -> Stack | None:
        """The stack this run uses."""
        return self._stack

    @property
    def metadata_store(self) -> Any:
        """The stack's metadata store component (``.get_pipeline(name).runs`` etc.)."""
        if self._stack is None:
            raise StepContextError(
                f"Step '{self._step_name}' runs without a stack; no metadata store."
            )
        return self._stack.metadata_store

    def _output_name(self, output_name: str | None) -> str:
        names = list(self._output_uris)
        if output_name is None:
            if len(names) != 1:
                raise StepContextError(
                    f"Step '{self._step_name}' has {len(names)} outputs {names}; pass output_name= "
                    "to say which one."
                )
            return names[0]
        if output_name not in self._output_uris:
            raise StepContextError(
                f"Step '{self._step_name}' has no output named '{output_name}' (outputs: {names})."
                f"{did_you_mean(output_name, names)}"
            )
        return output_name

    def get_output_artifact_uri(self, output_name: str | None = None) -> str:
        """The directory this run writes the given output to."""
        return self._output_uris[self._output_name(output_name)]

    def get_output_materializer(
        self,
        output_name: str | None = None,
        custom_materializer_class: type[BaseMaterializer] | None = None,
    ) -> BaseMaterializer:
        """A materializer bound to the given output's artifact directory."""
        return self._outputs.materializer(self._output_name(output_name), custom_materializer_class)
