"""A virtualenv built once per test session by the virtualenv step operator itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.stack.components import VirtualenvStepOperatorComponent
from zenml_airflow.step_operators.virtualenv import VirtualenvStepOperator

#: The host has six 1.17; the step operator's environment a conflicting older version.
REQUIREMENTS = ["six==1.16.0"]


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("step-operator-venvs")


@pytest.fixture(scope="session")
def built_venv(venv_cache: Path) -> Path:
    """The python of the environment for REQUIREMENTS (built by the first test that needs it)."""
    component = VirtualenvStepOperatorComponent.from_config(
        "venv", {"requirements": REQUIREMENTS, "cache_dir": str(venv_cache)}
    )
    spec = PipelineSpec(name="any", steps=[])
    return VirtualenvStepOperator(component).ensure_environment(spec, step_name="where")
