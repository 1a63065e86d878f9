"""scripts/docker.sh on a running engine: idempotent `up`, `running`, `status` and `env`."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest

from tests.images.conftest import SCRIPT

pytestmark = pytest.mark.slow


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, check=False)


def test_up_on_a_running_engine_only_checks_it(docker_engine: Any) -> None:
    started = time.perf_counter()
    result = _script("up")
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - started < 5
    assert result.stderr == ""  # nothing started, installed or imported
    assert _script("running").returncode == 0


def test_env_and_status_name_the_socket_registry_and_base_image(docker_engine: Any) -> None:
    env = dict(
        line.removeprefix("export ").split("=", 1) for line in _script("env").stdout.splitlines()
    )
    assert env["DOCKER_HOST"].startswith("unix:///") and env["DOCKER_HOST"].endswith("/docker.sock")
    assert env["ZENML_AIRFLOW_TEST_REGISTRY"].startswith("127.0.0.1:")
    assert env["ZENML_AIRFLOW_TEST_BASE_IMAGE"] == "local/python:3.11-bookworm"
    status = _script("status").stdout
    assert f"dockerd: up on {env['DOCKER_HOST']}" in status
    assert f"registry: up on {env['ZENML_AIRFLOW_TEST_REGISTRY']}" in status
    assert "base image: local/python:3.11-bookworm" in status
    # No bridge: dockerd was started with networking off.
    networks = {n.name for n in docker_engine.networks.list()}
    assert "bridge" not in networks


def test_an_unknown_command_prints_the_usage() -> None:
    result = _script("restart")
    assert result.returncode == 2
    assert "usage:" in result.stderr and "up|down|env|status|running" in result.stderr
