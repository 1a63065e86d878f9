"""Every config test gets its own global config directory and working directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

_ENV_VARS = (
    "ZENML_AIRFLOW_CONFIG_DIR",
    "ZENML_AIRFLOW_PROFILE",
    "ZENML_AIRFLOW_STACK",
    "ZENML_AIRFLOW_REPOSITORY_PATH",
)


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point ZENML_AIRFLOW_CONFIG_DIR at a temporary directory and run in an empty cwd."""
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    config_dir = tmp_path / "global-config"
    monkeypatch.setenv("ZENML_AIRFLOW_CONFIG_DIR", str(config_dir))
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    monkeypatch.chdir(workdir)
    yield config_dir
