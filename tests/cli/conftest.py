"""Fixtures of the CLI tests (helpers to run commands are in ``cli_helpers.py``).

The root ``tests/conftest.py`` gives every test its own config directory and working directory.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

_ENV_VARS = ("ZENML_AIRFLOW_PROFILE", "ZENML_AIRFLOW_STACK", "ZENML_AIRFLOW_REPOSITORY_PATH")


@pytest.fixture(autouse=True)
def _no_env_overrides(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def airflow_available(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the airflow orchestrator's implementation importable whatever its state in the tree
    (another milestone writes it), so tests of stack rules do not depend on it."""
    fake = types.ModuleType("zenml_airflow.orchestrators.airflow")
    fake.AirflowOrchestrator = type("AirflowOrchestrator", (), {})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "zenml_airflow.orchestrators.airflow", fake)
