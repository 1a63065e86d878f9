"""On a real Airflow 3, with a registry that requires a login: the Airflow task of a docker step
pulls the pipeline's image (absent from the engine, as on a worker that did not build it) with
the login of an Airflow Connection stored in Airflow's database, read through the task SDK inside
the task. Without the connection the task fails naming it and how to create it; the password
appears in no task log."""

from __future__ import annotations

import json
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.test_airflow_e2e import cli, register_airflow_orchestrator
from tests.images.conftest import (  # noqa: F401 - session fixtures
    PASSWORD,
    USERNAME,
    auth_registry,
    docker_engine,
)
from tests.step_operators.test_docker import created_containers
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository

PIPELINE_NAME = "docker_airflow_connection"

PIPELINE = textwrap.dedent(
    f'''
    """One step in a docker container of an image from a registry that requires a login."""

    import sys

    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import step


    @step(custom_step_operator="boxed")
    def inside() -> str:
        return sys.prefix


    @pipeline
    def {PIPELINE_NAME}(inside):
        inside()


    p = {PIPELINE_NAME}(inside=inside())
    '''
)


def _images(engine: Any, registry: str) -> list[Any]:
    return list(engine.images.list(name=f"{registry}/zenml-{PIPELINE_NAME}"))


@pytest.fixture
def _no_images_left(docker_engine: Any, auth_registry: str) -> Iterator[None]:  # noqa: F811
    """This pipeline's images leave the engine afterwards (each session's wheel differs)."""
    yield
    for found in _images(docker_engine, auth_registry):
        docker_engine.images.remove(found.id, force=True)


def _trigger(airflow: LocalAirflow) -> str:
    """Trigger the deployed DAG through Airflow's REST API (deploying again could rebuild the
    image) and wait; the DAG run's state."""
    with airflow.client() as client:
        run_id = client.trigger(PIPELINE_NAME)["dag_run_id"]
        return str(client.wait_for_dag_run(PIPELINE_NAME, run_id, timeout=300)["state"])


def _task_log(airflow: LocalAirflow, run: Any) -> str:
    with airflow.client() as client:
        return client.task_log(PIPELINE_NAME, run.orchestrator_run_id.split("/", 1)[1], "inside", 1)


def test_a_task_pulls_the_image_with_an_airflow_connection_from_airflows_database(
    docker_engine: Any,  # noqa: F811 - first: Airflow's tasks inherit its DOCKER_HOST
    auth_registry: str,  # noqa: F811
    local_airflow: LocalAirflow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    _no_images_left: None,
) -> None:
    conn_id = f"registry_{uuid.uuid4().hex[:8]}"
    project = tmp_path / "project"
    project.mkdir()
    source = project / "pipe.py"
    source.write_text(PIPELINE, encoding="utf-8")
    register_airflow_orchestrator(local_airflow)
    cli("artifact-store", "register", "c_art", "--flavor", "local", f"--path={tmp_path / 'art'}")
    cli("metadata-store", "register", "c_meta", "--flavor", "sqlite", f"--uri={tmp_path / 'm.db'}")
    cli(
        "container-registry", "register", "team", "--flavor", "default",
        f"--uri={auth_registry}", f"--airflow_connection_id={conn_id}",
    )  # fmt: skip
    cli("step-operator", "register", "boxed", "--flavor", "docker")
    cli(
        "stack", "register", "conn_af", "-o", "af", "-m", "c_meta", "-a", "c_art",
        "-s", "boxed", "-c", "team", "--set",
    )  # fmt: skip

    # The deploying shell reads the connection from AIRFLOW_CONN_<ID> (outside a task Airflow's
    # task SDK reads no database); Airflow's own processes never see this variable.
    connection = {"conn_type": "docker", "host": auth_registry, "login": USERNAME}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({**connection, "password": PASSWORD})
    )
    cli("pipeline", "deploy", f"{source}:p")
    # As on a worker that did not build it: the engine no longer has the image.
    for found in _images(docker_engine, auth_registry):
        docker_engine.images.remove(found.id, force=True)

    # 1. Airflow has no such connection: the task fails, saying which and how to create it.
    assert _trigger(local_airflow) == "failed"
    run = Repository().get_pipeline(PIPELINE_NAME).runs[-1]  # type: ignore[union-attr]
    assert run.status is ExecutionStatus.FAILED
    log = _task_log(local_airflow, run)
    assert f"Airflow Connection '{conn_id}' does not exist" in log
    assert f"airflow connections add {conn_id} --conn-type docker" in log
    assert _images(docker_engine, auth_registry) == []

    # 2. The connection in Airflow's database (as the UI or `airflow connections add` makes it).
    with local_airflow.client() as client:
        client.request(
            "POST", "/api/v2/connections", expect=(201,),
            json={"connection_id": conn_id, **connection, "password": PASSWORD},
        )  # fmt: skip
    try:
        since = time.time()
        assert _trigger(local_airflow) == "success"
        run = Repository().get_pipeline(PIPELINE_NAME).runs[-1]  # type: ignore[union-attr]
        assert run.status is ExecutionStatus.COMPLETED
        inside = run.get_step("inside")
        assert inside.outputs["output"].read() == "/opt/zenml-venv"
        assert inside.image is not None
        assert inside.image.startswith(f"{auth_registry}/zenml-{PIPELINE_NAME}@sha256:")
        assert created_containers(docker_engine, since) == 1
        pulled = _images(docker_engine, auth_registry)
        assert len(pulled) == 1 and inside.image in pulled[0].attrs["RepoDigests"]
        assert PASSWORD not in _task_log(local_airflow, run)
    finally:
        with local_airflow.client() as client:
            client.request("DELETE", f"/api/v2/connections/{conn_id}", expect=(204,))
