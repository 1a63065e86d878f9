"""Per-step settings for where a step runs: @step(queue=...), the Airflow queue of its task (a GPU
step to a GPU worker pool), and @step(resources=...), what one try needs."""

from __future__ import annotations

from typing import Any

import pytest

from zenml_airflow.compiler.compile import build_spec
from zenml_airflow.core.spec import ResourceSpec
from zenml_airflow.exceptions import StepInterfaceError
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.runtime.dag import build_dag
from zenml_airflow.steps import step


@step(queue="gpu", resources={"cpu": 2, "memory": "4Gi", "gpu": 1})
def train() -> int:
    return 1


@step
def report(x: int) -> int:
    return x


@pipeline
def queued(train: Any, report: Any) -> None:
    report(x=train())


def test_the_queue_is_compiled_into_the_task_and_other_tasks_keep_the_default() -> None:
    spec, _ = build_spec(queued(train=train(), report=report()), stack=Repository().active_stack)
    assert spec.step("train").queue == "gpu"
    assert spec.step("report").queue is None
    dag = build_dag(spec)
    assert dag.get_task("train").queue == "gpu"
    assert dag.get_task("report").queue == "default"  # Airflow's [operators] default_queue


def test_a_spec_of_version_3_without_queues_and_resources_still_builds() -> None:
    spec, _ = build_spec(queued(train=train(), report=report()), stack=Repository().active_stack)
    data = spec.model_dump(mode="json")
    data["version"] = 3
    for step_data in data["steps"]:
        del step_data["queue"], step_data["resources"]
    dag = build_dag(data)
    assert dag.get_task("train").queue == "default"
    assert dag.get_task("train").resources is None


def test_the_local_orchestrator_runs_a_queued_step_in_process() -> None:
    run = queued(train=train(), report=report()).run()
    assert run.get_step("report").output.read() == 1


@pytest.mark.parametrize("queue", ["", "gpu pool", "a" * 257, 3])
def test_a_bad_queue_name_is_refused_at_decoration(queue: Any) -> None:
    with pytest.raises(StepInterfaceError, match=r"@step\(queue=\.\.\.\) must be an Airflow queue"):
        step(queue=queue)


def test_resources_are_compiled_into_the_spec_and_the_task() -> None:
    spec, _ = build_spec(queued(train=train(), report=report()), stack=Repository().active_stack)
    assert spec.step("train").resources == ResourceSpec(cpu=2.0, memory_mb=4096, gpu=1)
    assert spec.step("report").resources is None
    dag = build_dag(spec)
    resources = dag.get_task("train").resources
    assert (resources.cpus.qty, resources.ram.qty, resources.gpus.qty) == (2.0, 4096, 1)
    assert dag.get_task("report").resources is None


@pytest.mark.parametrize(
    ("memory", "mib"),
    [("512Mi", 512), ("1.5Gi", 1536), ("2G", 1908), ("1500M", 1431), (300, 300), ("64Ki", None)],
)
def test_memory_takes_binary_and_decimal_units_rounded_up_to_whole_mib(
    memory: Any, mib: int | None
) -> None:
    if mib is None:
        with pytest.raises(StepInterfaceError, match="at least 1 MiB"):
            step(resources={"memory": memory})(_body)
        return
    made = step(resources={"memory": memory})(_body)
    assert ResourceSpec(memory_mb=mib) == made.RESOURCES


def _body() -> int:
    return 1


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"cpus": 2}, r"unknown keys \['cpus'\]; use cpu, memory and gpu"),
        ({"cpu": 0}, "cpu must be a positive number"),
        ({"cpu": True}, "cpu must be a positive number"),
        ({"gpu": 0.5}, "gpu must be a whole number"),
        ({"memory": "lots"}, "memory must be like '512Mi'"),
        ("2 cores", "must be a dict like"),
    ],
)
def test_bad_resources_are_refused_naming_the_step(resources: Any, message: str) -> None:
    with pytest.raises(StepInterfaceError, match=rf"of step '_body'.*{message}"):
        step(resources=resources)(_body)
