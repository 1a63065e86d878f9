"""Runs steps through a step operator written the seed's way (a
:class:`~zenml_airflow.step_operators.base_step_operator.BaseStepOperator` subclass with
``launch(pipeline_name, run_name, requirements, entrypoint_command)``).

The launching side is the built-in flavors': the cache is checked in process and the step run
started before anything is launched. Here ``launch()`` of the user's class gets the entrypoint
command and must run it to completion; the command records the step's outputs and completes the
step run itself. Afterwards the step run must be completed: an exception from ``launch()``, or a
``launch()`` that returned with the step run still running (the command failed and the class did
not raise, or never ran it), fails the step with what is known.
"""

from __future__ import annotations

import importlib.metadata
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.execution.launch import StepLaunch
from zenml_airflow.step_operators.base import (
    ENTRYPOINT_MODULE,
    MAX_LAUNCH_ARGUMENT,
    BaseStepOperator,
    StepOperatorError,
)

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.spec import PipelineSpec
    from zenml_airflow.step_operators.base_step_operator import (
        BaseStepOperator as SeedBaseStepOperator,
    )


def step_requirements(spec: PipelineSpec) -> list[str]:
    """What the seed passed as ``requirements``: zenml-airflow at this version, the drivers of
    the stack's stores (the seed's stack requirements), the requirements of the pipeline's
    integrations and the pipeline's own, one line per distribution, pinned to the installed
    version where it fits (sorted by name)."""
    from zenml_airflow.images.inputs import pipeline_requirements, resolve_requirements
    from zenml_airflow.step_operators.environment import image_inputs

    try:
        own = [f"zenml-airflow=={importlib.metadata.version('zenml-airflow')}"]
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a bare source tree
        own = []
    return resolve_requirements([*own, *pipeline_requirements(image_inputs(spec))])


class SeedStepOperator(BaseStepOperator):
    """Hands a started step run to the ``launch()`` of a seed-style step operator component."""

    component: SeedBaseStepOperator

    def launch(self, launch: StepLaunch) -> None:
        """Call the component's ``launch()`` with the entrypoint command and check the step run.

        Raises:
            StepOperatorError: ``launch()`` raised, or returned before the step run completed.
        """
        spec, step = launch.spec, launch.step.name
        requirements = step_requirements(spec)
        text = launch.to_json()
        with tempfile.TemporaryDirectory(prefix="zenml-airflow-launch-") as tmp:
            if len(text) <= MAX_LAUNCH_ARGUMENT:
                source = ["--launch-json", text]
            else:  # too long for one argument: a file (readable where this machine's files are)
                launch_file = Path(tmp) / "launch.json"
                launch_file.write_text(text, encoding="utf-8")
                source = ["--launch", str(launch_file)]
            command = ["python", "-m", ENTRYPOINT_MODULE, *source]
            try:
                self.component.launch(
                    pipeline_name=spec.name,
                    run_name=launch.run_info.run_name,
                    requirements=requirements,
                    entrypoint_command=command,
                )
            except Exception as error:
                # (the launch document is the command's longest part and says nothing here)
                told = str(error).replace(text, "<launch document>")
                raise StepOperatorError(
                    f"Step '{step}': step operator '{self.name}' "
                    f"({type(self.component).__name__}.launch) failed: "
                    f"{type(error).__name__}: {told}",
                    step_name=step,
                    detail="".join(traceback.format_exception(error)).replace(
                        text, "<launch document>"
                    ),
                ) from error
        self._check_completed(launch)

    def _check_completed(self, launch: StepLaunch) -> None:
        stack = self.stack
        if stack is None:
            from zenml_airflow.stack.snapshot import stack_from_snapshot

            stack = stack_from_snapshot(launch.spec.stack)
        record = stack.metadata_store.open_store().get_step_run(launch.step_run_id)
        if record.status is ExecutionStatus.COMPLETED:
            return
        step = launch.step.name
        raise StepOperatorError(
            f"Step '{step}': step operator '{self.name}' ({type(self.component).__name__}.launch) "
            f"returned, but the step run is {record.status.value}, not completed: the entrypoint "
            "command failed or was not run. launch() must run entrypoint_command to its end "
            "(with the python of the step's environment) and raise when it fails; the "
            "command's output holds the step's error.",
            step_name=step,
            detail=f"step run {launch.step_run_id} is {record.status.value} after launch()",
        )
