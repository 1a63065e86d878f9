"""What is running where: the seed's ``zenml.environment`` (``Environment``, ``StepEnvironment``).

Inside a running step, ``Environment().step_environment`` names the pipeline, the run and the
step - on the local orchestrator and in an Airflow task alike::

    from zenml_airflow.environment import Environment

    @step
    def report() -> str:
        env = Environment().step_environment
        return f"{env.pipeline_name}/{env.pipeline_run_id}/{env.step_name}"

The active components live in a context variable, not in a process-wide singleton: a thread (or
task) sees only the components it activated, and importing this module changes nothing.
"""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar, Token
from typing import Any, ClassVar, cast

STEP_ENVIRONMENT_NAME = "step_environment"

_components: ContextVar[dict[str, BaseEnvironmentComponent] | None] = ContextVar(
    "zenml_airflow_environment_components", default=None
)


class Environment:
    """The environment components active here, and facts about the interpreter.

    ``Environment()`` is cheap; every instance sees the same active components (the seed made it
    a singleton for that).
    """

    @property
    def step_is_running(self) -> bool:
        """Whether this code runs inside a step."""
        return self.has_component(STEP_ENVIRONMENT_NAME)

    @property
    def step_environment(self) -> StepEnvironment:
        """The running step's environment. Raises ``KeyError`` outside a step."""
        return cast(StepEnvironment, self[STEP_ENVIRONMENT_NAME])

    def get_component(self, name: str) -> BaseEnvironmentComponent | None:
        return (_components.get() or {}).get(name)

    def get_components(self) -> dict[str, BaseEnvironmentComponent]:
        return dict(_components.get() or {})

    def has_component(self, name: str) -> bool:
        return name in (_components.get() or {})

    def __getitem__(self, name: str) -> BaseEnvironmentComponent:
        component = self.get_component(name)
        if component is None:
            raise KeyError(
                f"No environment component named '{name}' is active. The step environment "
                "exists only while a step runs: use it inside the step's function."
            )
        return component

    @staticmethod
    def python_version() -> str:
        import platform  # only when asked: every step task imports this module

        return platform.python_version()

    @staticmethod
    def get_system_info() -> dict[str, Any]:
        import platform

        return {
            "os": platform.system().lower(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        }

    @staticmethod
    def in_docker() -> bool:
        return os.path.exists("/.dockerenv")

    @staticmethod
    def in_notebook() -> bool:
        shell = sys.modules.get("IPython")
        get_ipython = getattr(shell, "get_ipython", None)
        return bool(get_ipython and get_ipython() and "IPKernelApp" in get_ipython().config)


class BaseEnvironmentComponent:
    """Something that describes where code runs; active between ``activate()`` and
    ``deactivate()`` (or inside ``with component:``)."""

    NAME: ClassVar[str] = "base_environment_component"

    def __init__(self) -> None:
        self._token: Token[dict[str, BaseEnvironmentComponent] | None] | None = None

    @property
    def active(self) -> bool:
        return self._token is not None

    def activate(self) -> None:
        if self._token is not None:
            raise RuntimeError(f"Environment component '{self.NAME}' is already active.")
        self._token = _components.set({**(_components.get() or {}), self.NAME: self})

    def deactivate(self) -> None:
        if self._token is None:
            raise RuntimeError(f"Environment component '{self.NAME}' is not active.")
        _components.reset(self._token)
        self._token = None

    def __enter__(self) -> BaseEnvironmentComponent:
        self.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        self.deactivate()


class StepEnvironment(BaseEnvironmentComponent):
    """The running step: its pipeline's name, its run's name and its own name."""

    NAME = STEP_ENVIRONMENT_NAME

    def __init__(self, pipeline_name: str, pipeline_run_id: str, step_name: str) -> None:
        super().__init__()
        self._pipeline_name = pipeline_name
        self._pipeline_run_id = pipeline_run_id
        self._step_name = step_name

    @property
    def pipeline_name(self) -> str:
        return self._pipeline_name

    @property
    def pipeline_run_id(self) -> str:
        """The run's name (the seed's "run id" was its name too)."""
        return self._pipeline_run_id

    @property
    def step_name(self) -> str:
        return self._step_name


__all__ = [
    "STEP_ENVIRONMENT_NAME",
    "BaseEnvironmentComponent",
    "Environment",
    "StepEnvironment",
]
