from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from zenml_airflow import __version__
from zenml_airflow.cli.main import cli

SCRIPT = Path(sys.executable).parent / "zenml-airflow"


@pytest.fixture
def config_dir(isolated_config: Path) -> Path:
    """The per-test global config directory (set up by tests/conftest.py)."""
    return isolated_config


def test_init_in_cwd_creates_repository_and_default_stack(config_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    root = Path.cwd().resolve()
    assert (root / ".zen" / "config.yaml").is_file()
    assert "Initialized zenml-airflow repository" in result.output
    assert str(root) in result.output
    assert "active profile: default, active stack: default" in result.output
    stacks = yaml.safe_load((config_dir / "profiles" / "default" / "stacks.yaml").read_text())
    assert stacks["stacks"] == {
        "default": {
            "orchestrator": "default",
            "metadata_store": "default",
            "artifact_store": "default",
        }
    }
    assert (config_dir / "config.yaml").is_file()


def test_init_with_path_creates_missing_directory(tmp_path: Path) -> None:
    target = tmp_path / "new" / "project"
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / ".zen" / "config.yaml").is_file()


def test_init_twice_is_a_clean_error(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "is already a zenml-airflow repository" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_init_with_corrupt_global_config_is_clean_error(config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "config.yaml").write_text("active_profile: [\n")
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 1
    assert "config.yaml is not valid YAML" in result.output
    assert not (Path.cwd() / ".zen").exists()


def test_init_with_unknown_env_profile_leaves_no_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZENML_AIRFLOW_PROFILE", "defualt")
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 1
    assert "Did you mean 'default'?" in result.output
    assert not (Path.cwd() / ".zen").exists()


def test_version_command() -> None:
    result = CliRunner().invoke(cli, ["version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"zenml-airflow {__version__}"


@pytest.fixture(scope="module")
def script() -> Path:
    if not SCRIPT.exists():
        pytest.skip(f"console script {SCRIPT} not installed (pip install -e . --no-deps)")
    return SCRIPT


def test_console_script_init_and_repeat(script: Path, tmp_path: Path, config_dir: Path) -> None:
    env = {**os.environ, "ZENML_AIRFLOW_CONFIG_DIR": str(config_dir)}
    project = tmp_path / "project"
    project.mkdir()
    first = subprocess.run(
        [str(script), "init"], cwd=project, env=env, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    assert "Initialized zenml-airflow repository" in first.stdout
    assert (project / ".zen" / "config.yaml").is_file()
    assert (config_dir / "profiles" / "default" / "stacks.yaml").is_file()

    second = subprocess.run(
        [str(script), "init", str(project)], env=env, capture_output=True, text=True
    )
    assert second.returncode == 1
    assert "is already a zenml-airflow repository" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout


def test_console_script_version(script: Path) -> None:
    result = subprocess.run([str(script), "version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"zenml-airflow {__version__}"
