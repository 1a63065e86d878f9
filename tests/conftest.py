"""Shared fixtures. Every test runs with its own global config directory: never the real home."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Set before any test module imports zenml_airflow, so nothing can reach ~/.config by accident.
os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = tempfile.mkdtemp(prefix="zenml-airflow-session-")
for _name in (
    "ZENML_AIRFLOW_PROFILE",
    "ZENML_AIRFLOW_STACK",
    "ZENML_AIRFLOW_REPOSITORY_PATH",
    "ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION",
):
    os.environ.pop(_name, None)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the Docker engine (the ``docker_engine`` fixture, directly or through
    another fixture) is a ``containers`` test: `make test-heavy` runs it, `make test` does not."""
    for item in items:
        if "docker_engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.containers)


_ACTIVE_ENV_VARS = ("ZENML_AIRFLOW_PROFILE", "ZENML_AIRFLOW_STACK", "ZENML_AIRFLOW_REPOSITORY_PATH")


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh global config directory and working directory for each test; no active-profile,
    stack or repository override leaks in from the environment."""
    for name in _ACTIVE_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    config_dir = tmp_path / "zenml-config"
    monkeypatch.setenv("ZENML_AIRFLOW_CONFIG_DIR", str(config_dir))
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    monkeypatch.chdir(workdir)
    yield config_dir


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def local_airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real local Airflow 3 (api-server, scheduler, dag-processor, triggerer), one per session,
    shared by the Airflow end-to-end tests and the UI plugin's browser test."""
    from zenml_airflow.orchestrators.airflow_local import LocalAirflow

    home = tmp_path_factory.mktemp("airflow-home")
    airflow = LocalAirflow(home, home / "dags", api_url=f"http://localhost:{free_port()}")
    airflow.up(timeout=240)
    try:
        yield airflow
    finally:
        airflow.down()
        assert not airflow.is_running()
