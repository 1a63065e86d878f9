"""Shared fixtures. Every test runs with its own global config directory: never the real home."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Set before any test module imports zenml_airflow, so nothing can reach ~/.config by accident.
os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = tempfile.mkdtemp(prefix="zenml-airflow-session-")
for _name in ("ZENML_AIRFLOW_PROFILE", "ZENML_AIRFLOW_STACK", "ZENML_AIRFLOW_REPOSITORY_PATH",
              "ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION"):
    os.environ.pop(_name, None)


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh global config directory and working directory for each test."""
    config_dir = tmp_path / "zenml-config"
    monkeypatch.setenv("ZENML_AIRFLOW_CONFIG_DIR", str(config_dir))
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    yield config_dir
