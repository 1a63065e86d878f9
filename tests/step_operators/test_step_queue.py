"""@step(queue=...): the Airflow queue of a step's task (a GPU step to a GPU worker pool)."""

from __future__ import annotations

from typing import Any

import pytest

from zenml_airflow.compiler.compile import build_spec
from zenml_airflow.exceptions import StepInterfaceError
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.runtime.dag import build_dag
from zenml_airflow.steps import step


@step(queue="gpu")
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


def test_a_spec_of_version_3_without_queues_still_builds() -> None:
    spec, _ = build_spec(queued(train=train(), report=report()), stack=Repository().active_stack)
    data = spec.model_dump(mode="json")
    data["version"] = 3
    for step_data in data["steps"]:
        del step_data["queue"]
    assert build_dag(data).get_task("train").queue == "default"


def test_the_local_orchestrator_runs_a_queued_step_in_process() -> None:
    run = queued(train=train(), report=report()).run()
    assert run.get_step("report").output.read() == 1


@pytest.mark.parametrize("queue", ["", "gpu pool", "a" * 257, 3])
def test_a_bad_queue_name_is_refused_at_decoration(queue: Any) -> None:
    with pytest.raises(StepInterfaceError, match=r"@step\(queue=\.\.\.\) must be an Airflow queue"):
        step(queue=queue)
