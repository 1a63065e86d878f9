"""The local orchestrator: runs every step in this process, in dependency order.

It goes through the same :class:`~zenml_airflow.execution.executor.StepExecutor` as the Airflow
tasks, so a local run records exactly the metadata and artifacts an Airflow run would. A step with
``custom_step_operator`` is cache-checked here and, on a miss, run by the stack's step operator
(another interpreter, a container) from a portable copy of the spec (ADR 0018).
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

import zenml_airflow
from zenml_airflow.compiler.compile import make_portable
from zenml_airflow.compiler.plan import build_plan
from zenml_airflow.core.context import RunInfo
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import StackError
from zenml_airflow.execution.executor import StepExecutor, StepResult
from zenml_airflow.orchestrators.base import BaseOrchestrator
from zenml_airflow.post_execution import PipelineRunView, get_run
from zenml_airflow.stack.snapshot import snapshot_stack
from zenml_airflow.step_operators.launching import step_launchers
from zenml_airflow.utils.git import git_sha_for

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.pipeline import BasePipeline
    from zenml_airflow.core.schedule import Schedule
    from zenml_airflow.stack.stack import Stack

logger = logging.getLogger(__name__)


def default_run_name(pipeline_name: str, now: datetime | None = None) -> str:
    """The seed's run name: ``<pipeline>-<dd_Mon_yy-HH_MM_SS_ffffff>``."""
    return f"{pipeline_name}-{(now or datetime.now()):%d_%h_%y-%H_%M_%S_%f}"


class LocalOrchestrator(BaseOrchestrator):
    """Runs pipelines in-process; ignores schedules (with a warning), as the seed did."""

    def __init__(self, component: Any, console: Console | None = None) -> None:
        super().__init__(component)
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)

    def run(
        self,
        pipeline: BasePipeline,
        *,
        stack: Stack,
        run_name: str | None,
        schedule: Schedule | None,
        enable_cache: bool | None,
        runtime_configuration: dict[str, Any],
    ) -> PipelineRunView:
        if schedule is not None:
            raise StackError(
                f"The local orchestrator of stack '{stack.name}' runs pipelines once, now; it cannot "
                f"run '{pipeline.name}' on a schedule. Use a stack with the airflow orchestrator "
                "(zenml-airflow orchestrator register NAME --flavor airflow), or compile a scheduled "
                "DAG with `zenml-airflow pipeline compile SOURCE --cron ...`."
            )
        plan = build_plan(pipeline, enable_cache=enable_cache)
        spec = plan.spec
        # Before the run is recorded: a step naming a step operator the stack lacks is refused.
        # Launched steps import their code by path in another process, with the stack's snapshot.
        launchers = (
            step_launchers(
                stack,
                spec,
                ship=make_portable(spec).model_copy(
                    update={
                        "stack": snapshot_stack(stack),
                        "zenml_version": zenml_airflow.__version__,
                    }
                ),
            )
            if any(step.step_operator for step in spec.steps)
            else {}
        )
        store = stack.metadata_store.open_store()
        name = run_name or default_run_name(pipeline.name)
        if enable_cache is not None:
            runtime_configuration = {**runtime_configuration, "enable_cache": enable_cache}
        run = store.create_run(
            pipeline.name,
            name,
            num_steps=len(spec.steps),
            orchestrator="local",
            stack_name=stack.name,
            zenml_version=zenml_airflow.__version__,
            git_sha=git_sha_for(pipeline.dag_filepath),
            runtime_configuration=runtime_configuration,
        )
        run_info = RunInfo(pipeline_name=pipeline.name, run_name=name, run_id=run.id)
        executor = StepExecutor(
            stack, step_classes=plan.step_classes, materializers=plan.materializers
        )

        self._say(
            ("Running pipeline", "bold"),
            f" '{pipeline.name}' as run '{name}' on stack '{stack.name}' ({len(spec.steps)} steps)",
        )
        started = time.perf_counter()
        counts = {ExecutionStatus.COMPLETED: 0, ExecutionStatus.CACHED: 0}
        for index, step in enumerate(spec.steps, start=1):
            prefix = f"  [{index}/{len(spec.steps)}] {step.name}"
            # A spinner only where someone watches: it costs about a millisecond per step.
            progress = (
                self.console.status(f"{prefix} running...", spinner="dots")
                if self.console.is_terminal
                else contextlib.nullcontext()
            )
            try:
                with progress:
                    result = executor.execute(
                        spec, step, run, run_info, launcher=launchers.get(step.name)
                    )
            except Exception as error:
                self._say(prefix, " ", ("failed", "red"), f": {_first_line(error)}")
                self._say(
                    (f"Run '{name}' failed", "red"),
                    f" at step '{step.name}' after {time.perf_counter() - started:.2f}s.",
                )
                raise
            counts[result.status] += 1
            self._say(*_summary(prefix, result))
        self._say(
            (f"Run '{name}' completed", "green"),
            f" in {time.perf_counter() - started:.2f}s: {counts[ExecutionStatus.COMPLETED]} ran, "
            f"{counts[ExecutionStatus.CACHED]} cached.",
        )
        return get_run(store, run.id, stack.artifact_store.open_store())

    def _say(self, *parts: str | tuple[str, str]) -> None:
        """Print one progress line: styled on a terminal, plain text elsewhere (a log, a pipe).

        The parts are text, never markup, so a name with brackets prints as it is. Plain lines
        skip rich's rendering, which costs a few tenths of a millisecond a line - as much as a
        cached step's bookkeeping.
        """
        if self.console.is_terminal:
            self.console.print(Text.assemble(*parts))
        else:
            self.console.file.write(
                "".join(p if isinstance(p, str) else p[0] for p in parts) + "\n"
            )


def _summary(prefix: str, result: StepResult) -> tuple[str | tuple[str, str], ...]:
    if result.status is ExecutionStatus.CACHED:
        return prefix, " ", ("cached", "cyan"), f" ({result.duration * 1000:.0f} ms)"
    return prefix, " ", ("ran", "green"), f" in {result.duration:.2f}s"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
