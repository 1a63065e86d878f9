"""The step operator interface and the shared way of running the entrypoint in a local process.

A flavor's implementation (named by its component's ``IMPLEMENTATION``) subclasses
:class:`BaseStepOperator` and implements :meth:`~BaseStepOperator.launch`: run the body of a
started step run (a :class:`~zenml_airflow.execution.launch.StepLaunch`) through the step
entrypoint somewhere, wait for it, and raise :class:`StepOperatorError` unless it succeeded.
Flavors that start a local process (an interpreter; later ``docker run``) build the command and
call :meth:`BaseStepOperator.run_entrypoint`.
"""

from __future__ import annotations

import collections
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_airflow.execution.launch import RESULT_PREFIX, RemoteStepError, StepLaunch
from zenml_airflow.stack.components.step_operator import StepOperatorComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.spec import PipelineSpec
    from zenml_airflow.stack.stack import Stack

#: Lines of a launched process's output kept for the error of a failed step.
OUTPUT_TAIL_LINES = 40
ENTRYPOINT_MODULE = "zenml_airflow.execution.entrypoint"
#: A launch document longer than this is passed as a file, not as ``--launch-json`` (Linux limits
#: one argument to 128 KiB).
MAX_LAUNCH_ARGUMENT = 100_000


class StepOperatorError(RemoteStepError):
    """A step did not complete in its step operator; ``detail`` has the remote traceback and
    output tail (recorded, redacted, as the step run's error)."""


_prctl: Any = None


def _parent_death_signal() -> Any:
    """A ``preexec_fn`` making the child die with the process waiting for it (Linux), or None.

    A killed task or ``p.run()`` must not leave its launched step running: it would finish a step
    run already settled as failed. libc is looked up here, in the parent; the child only makes
    the call (no library loading between fork and exec).
    """
    global _prctl
    if sys.platform != "linux":
        return None
    if _prctl is None:
        try:
            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            return None
    prctl = _prctl

    def die_with_parent() -> None:  # pragma: no cover - runs in the child
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    return die_with_parent


class BaseStepOperator(ABC):
    """Runs step bodies for one step operator component of a stack."""

    def __init__(self, component: StepOperatorComponent) -> None:
        self.component = component
        self.stack: Stack | None = None
        self.spec: PipelineSpec | None = None

    def bind(self, stack: Stack, spec: PipelineSpec) -> None:
        """Called (by :func:`~zenml_airflow.step_operators.launching.step_launchers`) with the
        stack and the spec whose steps this operator will launch, before any cache check: a
        flavor whose environment depends on the pipeline (an image of its code) reads it here."""
        self.stack = stack
        self.spec = spec

    @property
    def name(self) -> str:
        return self.component.name

    def cache_identity(self) -> str:
        """What of this step operator's environment enters the cache key of its steps (computed
        without starting anything). Default: the component's flavor and config."""
        config = json.dumps(self.component.config, sort_keys=True, default=str)
        return f"{self.component.flavor}:{config}"

    @abstractmethod
    def launch(self, launch: StepLaunch) -> None:
        """Run the body of ``launch``'s started step run and wait for it.

        Raises:
            StepOperatorError: it failed, could not start, or ended without a result.
        """

    def run_entrypoint(
        self,
        command: Sequence[str],
        launch: StepLaunch,
        *,
        env: Mapping[str, str] | None = None,
        workdir: Path | None = None,
    ) -> dict[str, Any]:
        """Run ``command`` + the entrypoint's arguments in a local process; return its result.

        ``command`` ends with what runs a Python module (e.g. ``[python, "-m"]`` is completed
        with the entrypoint module). The process's output is copied line by line to this
        process's stdout (under Airflow, through the task's secrets masker) and its tail kept
        for the error. The launch document and result file live in a private temp dir.
        """
        step = launch.step.name
        with tempfile.TemporaryDirectory(prefix="zenml-airflow-launch-") as tmp:
            launch_file, result_file = Path(tmp) / "launch.json", Path(tmp) / "result.json"
            launch_file.write_text(launch.to_json(), encoding="utf-8")
            args = [
                *command,
                ENTRYPOINT_MODULE,
                "--launch",
                str(launch_file),
                "--result",
                str(result_file),
            ]
            tail: collections.deque[str] = collections.deque(maxlen=OUTPUT_TAIL_LINES)
            last_result: str | None = None
            try:
                process = subprocess.Popen(
                    args,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    text=True,
                    errors="replace",
                    bufsize=1,
                    env=dict(env) if env is not None else None,
                    cwd=workdir,
                    preexec_fn=_parent_death_signal(),  # noqa: PLW1509
                )
            except OSError as error:
                raise StepOperatorError(
                    f"Step '{step}': step operator '{self.name}' could not start "
                    f"{args[0]!r}: {error}. Check the step operator's configuration.",
                    step_name=step,
                    detail=str(error),
                ) from error
            try:
                assert process.stdout is not None
                for line in process.stdout:
                    if line.startswith(RESULT_PREFIX):
                        last_result = line[len(RESULT_PREFIX) :]
                        continue
                    sys.stdout.write(line)
                    tail.append(line.rstrip("\n"))
                code = process.wait()
            finally:
                if process.poll() is None:  # interrupted while waiting: do not leave it running
                    process.kill()
                    process.wait()
            text = result_file.read_text("utf-8") if result_file.exists() else last_result
        result = _parse_result(text)
        if code == 0 and result.get("status") == "completed":
            return result
        output = "\n".join(tail) or "(no output)"
        if result.get("status") == "failed":
            raise StepOperatorError(
                f"{result.get('error')} (in step operator '{self.name}')",
                step_name=step,
                detail=f"{result.get('traceback', '')}\nOutput of the step operator's process "
                f"(last {OUTPUT_TAIL_LINES} lines):\n{output}",
            )
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        raise StepOperatorError(
            f"Step '{step}' in step operator '{self.name}': its process {how} without reporting "
            f"a result. Last output: {tail[-1] if tail else '(none)'}",
            step_name=step,
            detail=f"Output of the step operator's process (last {OUTPUT_TAIL_LINES} lines):\n"
            f"{output}",
        )


def _parse_result(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def entrypoint_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a launched interpreter: this one's, without what would make it import
    this environment's packages (``PYTHONPATH``, ``PYTHONHOME``), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the log as they are printed
    env.update(extra or {})
    return env
