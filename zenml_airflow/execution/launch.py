"""Handing a step's body to another process: what the executor sends, and what comes back.

The orchestrator side (the local orchestrator, an Airflow task) checks the cache in-process; only
on a miss does it start the step run and hand the body to a :class:`StepLauncher` (a step
operator). The launched process runs :mod:`zenml_airflow.execution.entrypoint`, which runs the
body through the same :class:`~zenml_airflow.execution.executor.StepExecutor` and finishes the
step run (outputs and lineage in one transaction). A failure there is reported back, never
recorded there: the orchestrator side records it, redacted, as for an in-process step (ADR 0018).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from zenml_airflow.core.context import RunInfo
from zenml_airflow.core.spec import PipelineSpec, StepSpec
from zenml_airflow.exceptions import StepExecutionError, ZenMLAirflowError

#: Version of the launch document; an entrypoint refuses a newer one.
LAUNCH_VERSION = 1
#: Prefix of the last stdout line an entrypoint prints: its result as JSON (what a container's
#: log carries back when no result file can be shared, e.g. DockerOperator's XCom).
RESULT_PREFIX = "ZENML_AIRFLOW_STEP_RESULT "


@dataclass(frozen=True)
class StepLaunch:
    """One started step run whose body runs elsewhere: everything the entrypoint needs.

    ``step`` is the effective step spec (trigger parameters and cache overrides applied);
    ``cache_key`` and ``input_ids`` are the ones the orchestrator side computed and resolved, so
    the step run records exactly what an in-process run would.
    """

    spec: PipelineSpec
    step: StepSpec
    run_id: int
    step_run_id: int
    try_number: int
    cache_key: str
    input_ids: dict[str, str]
    run_info: RunInfo

    def to_json(self) -> str:
        info = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in dataclasses.asdict(self.run_info).items()
        }
        document = {
            "version": LAUNCH_VERSION,
            "spec": self.spec.model_dump(mode="json"),
            "step": self.step.model_dump(mode="json"),
            "run_id": self.run_id,
            "step_run_id": self.step_run_id,
            "try_number": self.try_number,
            "cache_key": self.cache_key,
            "input_ids": self.input_ids,
            "run_info": info,
        }
        return json.dumps(document, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> StepLaunch:
        """Load a launch document.

        Raises:
            ZenMLAirflowError: the text is not a launch document this version can read.
        """
        try:
            data = json.loads(text)
            version = data["version"]
        except (ValueError, TypeError, KeyError) as error:
            raise ZenMLAirflowError(
                f"This is not a zenml-airflow step launch document ({error})."
            ) from None
        if not isinstance(version, int) or version > LAUNCH_VERSION:
            raise ZenMLAirflowError(
                f"This step launch document has version {version!r}, but this zenml-airflow "
                f"reads versions up to {LAUNCH_VERSION}: install the same zenml-airflow version "
                "in the step operator's environment as where the pipeline runs."
            )
        info: dict[str, Any] = dict(data["run_info"])
        for key in ("logical_date", "data_interval_start", "data_interval_end"):
            if info.get(key):
                info[key] = datetime.fromisoformat(info[key])
        return cls(
            spec=PipelineSpec.from_dict(data["spec"]),
            step=StepSpec.model_validate(data["step"]),
            run_id=int(data["run_id"]),
            step_run_id=int(data["step_run_id"]),
            try_number=int(data["try_number"]),
            cache_key=str(data["cache_key"]),
            input_ids={str(k): str(v) for k, v in data["input_ids"].items()},
            run_info=RunInfo(**info),
        )


class RemoteStepError(StepExecutionError):
    """A launched step body did not complete: it raised, or its process died.

    ``detail`` is what the orchestrator side records as the step run's error (before redaction):
    the remote error with its traceback, or the tail of the process's output.
    """

    def __init__(self, message: str, *, step_name: str, detail: str) -> None:
        super().__init__(message, step_name=step_name)
        self.detail = detail


class StepLauncher(Protocol):
    """Runs the body of a started step run somewhere else and waits for it to end.

    Returns when the entrypoint reported success (it has finished the step run). Raises
    :class:`RemoteStepError` otherwise, with the remote error or the process's output tail.
    """

    def cache_identity(self) -> str:
        """What about the environment the body runs in enters the step's cache key (e.g. its
        requirements): computed without starting anything, it is part of the cache check."""
        ...

    def launch(self, launch: StepLaunch) -> None: ...


__all__ = ["RESULT_PREFIX", "RemoteStepError", "StepLaunch", "StepLauncher"]
