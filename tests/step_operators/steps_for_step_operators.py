"""Steps and pipelines the step operator tests run in other interpreters.

This module imports nothing but zenml-airflow (and the standard library): the launched
environments hold zenml-airflow and the step operator's requirements only.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import Output, step


@step(custom_step_operator="venv")
def where() -> Output(prefix=str, six_version=str):
    """Runs in the step operator's environment: says which one, and its version of six."""
    try:
        import six

        version = str(six.__version__)
    except ImportError:
        version = "none"
    return sys.prefix, version


@step
def here(prefix: str) -> Output(remote=str, local=str):
    """Runs in-process, downstream of a launched step."""
    return prefix, sys.prefix


@pipeline
def two_places(where: Any, here: Any) -> None:
    prefix, _ = where()
    here(prefix=prefix)


@step(custom_step_operator="venv")
def boom() -> int:
    raise ValueError("remote boom")


@pipeline
def failing(boom: Any) -> None:
    boom()


@step(custom_step_operator="venv")
def crash() -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 1


@pipeline
def crashing(crash: Any) -> None:
    crash()


@step(custom_step_operator="venv")
def leak() -> int:
    """Fails with a message holding a value the orchestrator side masks."""
    raise ValueError(f"token {os.environ.get('ZENML_AIRFLOW_TEST_TOKEN')} rejected")


@pipeline
def leaking(leak: Any) -> None:
    leak()


two_places_pipeline = two_places(where=where(), here=here())
