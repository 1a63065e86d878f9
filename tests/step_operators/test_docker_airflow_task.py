"""The Airflow task of a docker step: cache checked in the task, a container only on a miss.

Runs the task function as Airflow calls it (``execute_step_task`` with a task context), without
a scheduler: the code path of a deployed DAG's task, from a compiled spec.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from tests.images.conftest import docker_engine, registry  # noqa: F401 - session fixtures
from tests.step_operators.test_docker import (
    _keep_only_the_newest_images,  # noqa: F401 - module fixture
    created_containers,
    steps_module,  # noqa: F401 - module fixture
    use_docker,
)
from zenml_airflow.compiler.compile import build_spec
from zenml_airflow.core.pipeline import PREVENT_EXECUTION_ENV
from zenml_airflow.repository import Repository
from zenml_airflow.runtime.execute import execute_step_task


@pytest.fixture(autouse=True)
def _task_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A task sets the prevent-execution variable for good (its process ends after); not here.
    monkeypatch.setenv(PREVENT_EXECUTION_ENV, "")


def context(dag_id: str, run_id: str) -> dict[str, Any]:
    return {"run_id": run_id, "ti": SimpleNamespace(dag_id=dag_id, try_number=1)}


def test_the_task_runs_the_step_in_a_container_on_a_miss_and_starts_none_on_a_hit(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    steps_module: Any,  # noqa: F811
) -> None:
    stack = use_docker(registry)
    pipeline = steps_module.boxed(inside=steps_module.inside(), outside=steps_module.outside())
    spec, _ = build_spec(pipeline, stack=stack)
    dag_id = spec.dag_id or spec.name

    since = time.time()
    first = execute_step_task(spec, "inside", context(dag_id, "manual__1"))
    assert first["status"] == "completed"
    assert execute_step_task(spec, "outside", context(dag_id, "manual__1"))["status"] == (
        "completed"
    )
    assert created_containers(docker_engine, since) == 1

    since = time.time()
    second = execute_step_task(spec, "inside", context(dag_id, "manual__2"))
    assert second["status"] == "cached"
    assert second["outputs"] == first["outputs"]
    assert created_containers(docker_engine, since) == 0

    run = Repository().get_pipeline("boxed").runs[0]  # type: ignore[union-attr]
    inside = run.get_step("inside")
    assert inside.outputs["dockerenv"].read() is True
    assert inside.image is not None and inside.image.startswith(f"{registry.uri}/zenml-boxed@")
    assert run.get_step("outside").inputs["prefix"].id == inside.outputs["prefix"].id
