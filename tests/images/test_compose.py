"""docker/compose.yaml, the production topology, checked statically: its images cannot be pulled
here (no Docker Hub) and no compose engine runs, so it is validated against the Compose
specification's schema (check-jsonschema's vendored copy) and for what zenml-airflow needs of a
CeleryExecutor deployment."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"
AIRFLOW_SERVICES = (
    "airflow-init", "api-server", "scheduler", "dag-processor", "triggerer",
    "worker-default", "worker-gpu",
)  # fmt: skip


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # merges `<<`
    return data


def test_the_file_follows_the_compose_specification() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_mistyped_key_fails_the_schema_check(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    text = COMPOSE.read_text(encoding="utf-8")
    broken.write_text(text.replace('    command: ["scheduler"]', '    commnd: ["scheduler"]'))
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "'commnd' was unexpected" in result.stdout


def test_every_airflow_process_runs_the_production_image_with_one_configuration(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(AIRFLOW_SERVICES) | {"postgres", "redis", "registry"} == set(services)
    images = {services[name]["image"] for name in AIRFLOW_SERVICES}
    assert images == {"${ZENML_AIRFLOW_IMAGE:-zenml-airflow/airflow:3.3}"}
    build = services["scheduler"]["build"]
    dockerfile = (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve()
    assert dockerfile == ROOT / "docker" / "airflow.Dockerfile"
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://")
        # without it Airflow derives an asyncpg URL, a driver the image lacks
        assert (
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"]
            == (env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        )
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW_JWT_SECRET:?")
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
            "http://api-server:8080/execution/"
        )


def test_the_workers_have_their_own_hostnames_and_queues_and_the_gpu_one_a_gpu(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    hostnames, queues = {}, {}
    for name in ("worker-default", "worker-gpu"):
        command = services[name]["command"]
        assert command[:2] == ["celery", "worker"]
        hostnames[name] = command[command.index("--celery-hostname") + 1]
        queues[name] = command[command.index("--queues") + 1]
        assert services[name]["environment"]["ZENML_AIRFLOW_CELERY_WORKER"] == name
    assert hostnames == {"worker-default": "worker-default@%h", "worker-gpu": "worker-gpu@%h"}
    assert queues == {"worker-default": "default", "worker-gpu": "gpu"}
    [device] = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"]


def test_the_dag_bundle_is_zenml_airflows_git_bundle(compose: dict[str, Any]) -> None:
    env = compose["services"]["worker-default"]["environment"]
    text = re.sub(r"\$\{[^}]*\}", "REPO", env["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"])
    bundles = {b["name"]: b for b in json.loads(text)}
    assert set(bundles) == {"dags-folder", "zenml-af"}
    git = bundles["zenml-af"]
    assert git["classpath"] == "airflow.providers.git.bundles.git.GitDagBundle"
    assert {"repo_url", "tracking_ref", "subdir"} <= set(git["kwargs"])


def test_services_start_in_order_and_publish_only_on_loopback(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in AIRFLOW_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        if name != "airflow-init":
            assert depends["redis"]["condition"] == "service_healthy"
            assert depends["airflow-init"]["condition"] == "service_completed_successfully"
    assert services["airflow-init"]["command"] == ["db", "migrate"]
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert published and all(str(p).startswith("127.0.0.1:") for p in published)


def test_every_required_setting_is_in_the_example_env_file_and_the_real_one_is_ignored() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert "AIRFLOW_JWT_SECRET" in required and "ZENML_DB_PASSWORD" in required
    example = (COMPOSE.parent / "compose.env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert required <= listed
    assert "docker/.env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    init = (COMPOSE.parent / "postgres-init.sh").read_text(encoding="utf-8")
    assert "CREATE DATABASE zenml" in init and "$ZENML_DB_PASSWORD" in init
