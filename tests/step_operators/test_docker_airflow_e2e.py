"""On a real Airflow 3: a deployed DAG's step with a docker step operator runs in a container of
the pipeline's image (built and pushed to the local registry by ``pipeline deploy``), the other
step in the Airflow task's own process; a second trigger is served from the cache and creates no
container."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.test_airflow_e2e import cli, register_airflow_orchestrator
from tests.images.conftest import docker_engine, registry  # noqa: F401 - session fixtures
from tests.step_operators.test_docker import created_containers
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository
from zenml_airflow.step_operators.docker import STEP_RUN_LABEL

PIPELINE_NAME = "docker_airflow_e2e"

# The machine the tests run on may itself be a container (/.dockerenv exists here), so "ran in
# the step's container" is told by the image's own environment (/opt/zenml-venv) instead.
PIPELINE = textwrap.dedent(
    f'''
    """A pipeline with one step in a docker container and one in the Airflow task."""

    import os
    import sys

    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import Output, step


    @step(custom_step_operator="box")
    def inside() -> Output(in_image=bool, prefix=str):
        return os.path.isdir("/opt/zenml-venv") and sys.prefix == "/opt/zenml-venv", sys.prefix


    @step
    def outside(prefix: str) -> Output(in_image=bool, mine=str, theirs=str):
        return sys.prefix == "/opt/zenml-venv", sys.prefix, prefix


    @pipeline
    def {PIPELINE_NAME}(inside, outside):
        _, prefix = inside()
        outside(prefix=prefix)


    p = {PIPELINE_NAME}(inside=inside(), outside=outside())
    '''
)


@pytest.fixture
def _keep_only_the_newest_image(docker_engine: Any) -> Iterator[None]:  # noqa: F811
    """Afterwards only the newest image of this pipeline stays in the engine (the next session's
    build cache): each session's wheel differs, so they would pile up."""
    yield
    tags = sorted(
        (found.attrs["Created"], tag)
        for found in docker_engine.images.list()
        for tag in found.tags
        if tag.rsplit(":", 1)[0].rsplit("/", 1)[-1] == f"zenml-{PIPELINE_NAME}"
    )
    for _, tag in tags[:-1]:
        docker_engine.images.remove(tag, force=True)


def test_a_deployed_docker_step_runs_in_a_container_and_a_cached_one_creates_none(
    docker_engine: Any,  # noqa: F811 - first: Airflow's tasks inherit its DOCKER_HOST
    registry: Any,  # noqa: F811
    local_airflow: LocalAirflow,
    tmp_path: Path,
    _keep_only_the_newest_image: None,
) -> None:
    # The project (the image's source root) holds only the pipeline file.
    project = tmp_path / "project"
    project.mkdir()
    source = project / "pipe.py"
    source.write_text(PIPELINE, encoding="utf-8")
    register_airflow_orchestrator(local_airflow)
    cli("artifact-store", "register", "d_art", "--flavor", "local", f"--path={tmp_path / 'art'}")
    cli("metadata-store", "register", "d_meta", "--flavor", "sqlite", f"--uri={tmp_path / 'm.db'}")
    cli("container-registry", "register", "local", "--flavor", "default", f"--uri={registry.uri}")
    cli("step-operator", "register", "box", "--flavor", "docker")
    cli(
        "stack", "register", "docker_af", "-o", "af", "-m", "d_meta", "-a", "d_art",
        "-s", "box", "-c", "local", "--set",
    )  # fmt: skip

    since = time.time()
    started = time.perf_counter()
    cli("pipeline", "deploy", f"{source}:p", "--trigger", "--wait")
    first = time.perf_counter() - started
    run = Repository().get_pipeline(PIPELINE_NAME).runs[-1]  # type: ignore[union-attr]
    assert run.orchestrator == "airflow"
    assert run.status is ExecutionStatus.COMPLETED
    inside, outside = run.get_step("inside"), run.get_step("outside")
    assert inside.outputs["in_image"].read() is True
    assert inside.outputs["prefix"].read() == "/opt/zenml-venv"
    assert outside.outputs["in_image"].read() is False
    assert outside.outputs["mine"].read() == sys.prefix  # the Airflow task's interpreter
    assert outside.outputs["theirs"].read() == "/opt/zenml-venv"
    assert outside.inputs["prefix"].id == inside.outputs["prefix"].id
    records = {
        r.name: r
        for r in Repository().active_stack.metadata_store.open_store().list_step_runs(run.id)
    }
    assert records["inside"].image is not None
    assert records["inside"].image.startswith(f"{registry.uri}/zenml-{PIPELINE_NAME}@sha256:")
    assert records["outside"].image is None
    assert inside.image == records["inside"].image
    assert created_containers(docker_engine, since) == 1
    assert docker_engine.containers.list(all=True, filters={"label": STEP_RUN_LABEL}) == []

    since = time.time()
    started = time.perf_counter()
    cli("pipeline", "deploy", f"{source}:p", "--trigger", "--wait")
    second = time.perf_counter() - started
    cached = Repository().get_pipeline(PIPELINE_NAME).runs[-1]  # type: ignore[union-attr]
    assert cached.id != run.id
    assert cached.status is ExecutionStatus.COMPLETED
    assert cached.get_step("inside").status is ExecutionStatus.CACHED
    assert cached.get_step("inside").outputs["prefix"].id == inside.outputs["prefix"].id
    assert created_containers(docker_engine, since) == 0  # the task checked the cache itself
    print(f"\nfirst deploy+run (build + container) {first:.1f}s, cached rerun {second:.1f}s")
